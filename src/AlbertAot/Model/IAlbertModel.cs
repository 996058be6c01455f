using System;

namespace AlbertAot;

/// <summary>
/// The contract every compiled ALBERT model class fulfils. Instances are cheap (the weights are loaded once
/// per class, at first use) and thread-safe: concurrent calls each get their own activation buffers.
/// </summary>
public interface IAlbertModel
{
    /// <summary>The config the class was compiled against.</summary>
    AlbertConfig Config { get; }

    /// <summary>Whether the checkpoint carries the pooler (<c>pooler_output</c>).</summary>
    bool HasPooler { get; }

    /// <summary>Whether the checkpoint carries the MLM head (<c>predictions.*</c>).</summary>
    bool HasMlmHead { get; }

    /// <summary>Runs the encoder (and the heads asked for) on a batch.</summary>
    AlbertOutputs Forward(AlbertInputs inputs, AlbertOutputKinds outputs = AlbertOutputKinds.Features);

    /// <summary>
    /// MLM logits [positions, vocab] at chosen (batch row, position) pairs only: the head runs at those rows alone,
    /// which is what fill-mask needs.
    /// </summary>
    FloatTensor MlmLogitsAt(AlbertInputs inputs, ReadOnlySpan<(int Batch, int Position)> positions);
}
