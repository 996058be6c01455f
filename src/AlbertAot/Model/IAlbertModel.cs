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

    /// <summary>
    /// Every head compiled into the model: the pooler, the MLM head, the sentence-order head and at most one task head
    /// (a generated class also implements that head's interface, e.g. <see cref="ISequenceClassificationModel"/>).
    /// </summary>
    AlbertHeads Heads => (HasPooler ? AlbertHeads.Pooler : AlbertHeads.None) | (HasMlmHead ? AlbertHeads.MaskedLM : AlbertHeads.None);

    /// <summary>The checkpoint's tokenizer (its embedded spiece.model), or null when it was compiled without one.</summary>
    Tokenization.AlbertTokenizer? Tokenizer { get; }

    /// <summary>
    /// Runs the encoder (and the heads asked for) on a batch. Asking for a head the checkpoint lacks
    /// (<see cref="AlbertOutputKinds.MlmLogits"/>, <see cref="AlbertOutputKinds.Logits"/>,
    /// <see cref="AlbertOutputKinds.SopLogits"/>) is an <see cref="InvalidOperationException"/>.
    /// </summary>
    AlbertOutputs Forward(AlbertInputs inputs, AlbertOutputKinds outputs = AlbertOutputKinds.Features);

    /// <summary>
    /// MLM logits [positions, vocab] at chosen (batch row, position) pairs only: the head runs at those rows alone,
    /// which is what fill-mask needs.
    /// </summary>
    FloatTensor MlmLogitsAt(AlbertInputs inputs, ReadOnlySpan<(int Batch, int Position)> positions);

    /// <summary>
    /// The allocation-free forward pass: the encoder and the heads whose buffers are given, written into the caller's
    /// <paramref name="buffers"/> (see <see cref="AlbertOutputBuffers"/> for their sizes; <see cref="AlbertOutputBuffers.Allocate"/>
    /// makes them). Once the activation buffers have grown to the batch's size, a call allocates nothing. Results are
    /// bit-identical to <see cref="Forward(AlbertInputs, AlbertOutputKinds)"/>. (On a variable of the generated class's
    /// type this is the extension method <see cref="AlbertModelExtensions.Forward"/>.)
    /// </summary>
    /// <exception cref="ArgumentException">No buffer is given, a buffer is too short (the message names it and the size it
    /// needs), two buffers overlap, or a buffer is given that the checkpoint's head does not write.</exception>
    /// <exception cref="InvalidOperationException">A buffer is given for a head the checkpoint lacks.</exception>
    void Forward(AlbertInputs inputs, AlbertOutputBuffers buffers) => Runtime.AlbertEngine.Of(this).Forward(inputs, buffers);

    /// <summary>
    /// <see cref="MlmLogitsAt(AlbertInputs, ReadOnlySpan{ValueTuple{int, int}})"/> into the caller's
    /// <paramref name="logits"/> (at least positions × vocab_size floats, row-major [positions, vocab]), allocation-free.
    /// </summary>
    void MlmLogitsAt(AlbertInputs inputs, ReadOnlySpan<(int Batch, int Position)> positions, Span<float> logits) =>
        Runtime.AlbertEngine.Of(this).MlmLogitsAt(inputs, positions, logits);

    /// <summary>
    /// A session: activation buffers of one caller and, with <paramref name="threads"/> &gt; 1, a compute pool whose
    /// threads share each call's work (results are identical to one thread). Dispose it to stop its threads.
    /// </summary>
    Runtime.AlbertSession CreateSession(int threads = 1);
}
