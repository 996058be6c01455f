using System;

namespace AlbertAot;

/// <summary>
/// Caller-owned destinations for one forward pass: the allocation-free form of <see cref="AlbertOutputs"/>
/// (<c>model.Forward(inputs, buffers)</c>). Each output that has a non-empty buffer is computed into it, row-major in
/// the shape <see cref="AlbertOutputs"/> documents; an empty buffer (the default) means "not asked for". A buffer may be
/// longer than needed (e.g. sized once for the largest batch): the output fills its start and the rest is left as it
/// was. Buffers must not overlap one another.
/// </summary>
/// <remarks>
/// Lengths, for a batch of <c>B</c> rows (<c>B</c> = examples × choices for <see cref="AlbertInputs.FromChoices"/>) of
/// <c>S</c> tokens: <see cref="LastHiddenState"/> B·S·hidden_size, <see cref="PoolerOutput"/> B·hidden_size,
/// <see cref="MlmLogits"/> B·S·vocab_size, <see cref="Logits"/> B·labels (sequence classification), B·S·labels (token
/// classification) or B (multiple choice), <see cref="StartLogits"/> and <see cref="EndLogits"/> B·S (question
/// answering), <see cref="SopLogits"/> B·2. <see cref="Allocate"/> makes buffers of exactly these sizes.
/// </remarks>
public readonly struct AlbertOutputBuffers
{
    /// <summary><c>last_hidden_state</c> [batch, seq, hidden].</summary>
    public Memory<float> LastHiddenState { get; init; }

    /// <summary><c>pooler_output</c> [batch, hidden]. Needs a checkpoint with the pooler.</summary>
    public Memory<float> PoolerOutput { get; init; }

    /// <summary>MLM logits [batch, seq, vocab]. Needs the MLM head.</summary>
    public Memory<float> MlmLogits { get; init; }

    /// <summary>The task head's <c>logits</c>: [batch, labels], [batch, seq, labels] or [batch, choices] (sequence
    /// classification, token classification, multiple choice). Question answering writes <see cref="StartLogits"/> and
    /// <see cref="EndLogits"/> instead.</summary>
    public Memory<float> Logits { get; init; }

    /// <summary>Question answering's <c>start_logits</c> [batch, seq].</summary>
    public Memory<float> StartLogits { get; init; }

    /// <summary>Question answering's <c>end_logits</c> [batch, seq].</summary>
    public Memory<float> EndLogits { get; init; }

    /// <summary>Sentence-order <c>sop_logits</c> [batch, 2]. Needs the sentence-order head.</summary>
    public Memory<float> SopLogits { get; init; }

    /// <summary>The outputs these buffers ask for (<see cref="AlbertOutputKinds.Logits"/> for any of
    /// <see cref="Logits"/>, <see cref="StartLogits"/>, <see cref="EndLogits"/>).</summary>
    public AlbertOutputKinds Kinds =>
        (LastHiddenState.IsEmpty ? 0 : AlbertOutputKinds.LastHiddenState)
        | (PoolerOutput.IsEmpty ? 0 : AlbertOutputKinds.PoolerOutput)
        | (MlmLogits.IsEmpty ? 0 : AlbertOutputKinds.MlmLogits)
        | (Logits.IsEmpty && StartLogits.IsEmpty && EndLogits.IsEmpty ? 0 : AlbertOutputKinds.Logits)
        | (SopLogits.IsEmpty ? 0 : AlbertOutputKinds.SopLogits);

    /// <summary>
    /// New arrays of exactly the sizes <paramref name="model"/> writes for <paramref name="inputs"/> and the outputs
    /// <paramref name="kinds"/> asks for (the allocation is the caller's, once; reuse the buffers for later calls of the
    /// same or a smaller shape). <see cref="AlbertOutputKinds.PoolerOutput"/> is skipped for a checkpoint without a
    /// pooler, as <see cref="IAlbertModel.Forward(AlbertInputs, AlbertOutputKinds)"/> skips it.
    /// </summary>
    /// <exception cref="InvalidOperationException">A head the checkpoint lacks is asked for.</exception>
    public static AlbertOutputBuffers Allocate(IAlbertModel model, AlbertInputs inputs, AlbertOutputKinds kinds)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        return Runtime.AlbertEngine.Of(model).AllocateBuffers(inputs, kinds);
    }
}
