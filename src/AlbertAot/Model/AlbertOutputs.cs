using System;

namespace AlbertAot;

/// <summary>Which outputs a forward pass computes. The MLM logits ([batch, seq, vocab]) are large: ask for them.</summary>
[Flags]
public enum AlbertOutputKinds
{
    /// <summary><c>last_hidden_state</c> [batch, seq, hidden].</summary>
    LastHiddenState = 1,
    /// <summary><c>pooler_output</c> [batch, hidden]: tanh(W·h[CLS] + b). Needs a checkpoint with pooler weights.</summary>
    PoolerOutput = 2,
    /// <summary>MLM logits [batch, seq, vocab] at every position. Needs a checkpoint with the MLM head.</summary>
    MlmLogits = 4,
    /// <summary>
    /// The task head's outputs, under HF's names: <c>logits</c> [batch, labels] (sequence classification),
    /// [batch, seq, labels] (token classification), [batch, choices] (multiple choice), or <c>start_logits</c> and
    /// <c>end_logits</c> [batch, seq] (question answering). Needs a checkpoint with a task head.
    /// </summary>
    Logits = 8,
    /// <summary><c>sop_logits</c> [batch, 2]: sentence-order prediction. Needs a checkpoint with <c>sop_classifier</c>.</summary>
    SopLogits = 16,
    /// <summary>What <c>AlbertModel</c> returns in HF: the hidden states and, when present, the pooled output.</summary>
    Features = LastHiddenState | PoolerOutput,
}

/// <summary>The outputs of one forward pass, under HF's names.</summary>
public sealed class AlbertOutputs
{
    internal AlbertOutputs(FloatTensor? lastHiddenState, FloatTensor? poolerOutput, FloatTensor? mlmLogits,
        FloatTensor? logits = null, FloatTensor? startLogits = null, FloatTensor? endLogits = null, FloatTensor? sopLogits = null)
    {
        LastHiddenState = lastHiddenState;
        PoolerOutput = poolerOutput;
        MlmLogits = mlmLogits;
        Logits = logits;
        StartLogits = startLogits;
        EndLogits = endLogits;
        SopLogits = sopLogits;
    }

    /// <summary><c>last_hidden_state</c> [batch, seq, hidden] ([batch, choices, seq, hidden] for multiple-choice inputs), when asked for.</summary>
    public FloatTensor? LastHiddenState { get; }

    /// <summary><c>pooler_output</c> [batch, hidden] ([batch, choices, hidden] for multiple-choice inputs), when asked for.</summary>
    public FloatTensor? PoolerOutput { get; }

    /// <summary>MLM <c>logits</c> [batch, seq, vocab], when asked for.</summary>
    public FloatTensor? MlmLogits { get; }

    /// <summary>
    /// The classification head's <c>logits</c>, when asked for (<see cref="AlbertOutputKinds.Logits"/>): [batch, labels]
    /// for sequence classification, [batch, seq, labels] for token classification, [batch, choices] for multiple choice
    /// (given <see cref="AlbertInputs.FromChoices"/> inputs; [rows, 1], each row's score, for plain rows).
    /// </summary>
    public FloatTensor? Logits { get; }

    /// <summary>Question answering's <c>start_logits</c> [batch, seq] (<c>qa_outputs</c> column 0), when asked for.</summary>
    public FloatTensor? StartLogits { get; }

    /// <summary>Question answering's <c>end_logits</c> [batch, seq] (<c>qa_outputs</c> column 1), when asked for.</summary>
    public FloatTensor? EndLogits { get; }

    /// <summary>Sentence-order <c>sop_logits</c> [batch, 2], when asked for.</summary>
    public FloatTensor? SopLogits { get; }
}
