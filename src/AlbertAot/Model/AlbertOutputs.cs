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
    /// <summary>What <c>AlbertModel</c> returns in HF: the hidden states and, when present, the pooled output.</summary>
    Features = LastHiddenState | PoolerOutput,
}

/// <summary>The outputs of one forward pass, under HF's names.</summary>
public sealed class AlbertOutputs
{
    internal AlbertOutputs(FloatTensor? lastHiddenState, FloatTensor? poolerOutput, FloatTensor? mlmLogits)
    {
        LastHiddenState = lastHiddenState;
        PoolerOutput = poolerOutput;
        MlmLogits = mlmLogits;
    }

    /// <summary><c>last_hidden_state</c> [batch, seq, hidden], when asked for.</summary>
    public FloatTensor? LastHiddenState { get; }

    /// <summary><c>pooler_output</c> [batch, hidden], when asked for.</summary>
    public FloatTensor? PoolerOutput { get; }

    /// <summary>MLM <c>logits</c> [batch, seq, vocab], when asked for.</summary>
    public FloatTensor? MlmLogits { get; }
}
