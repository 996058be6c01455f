using System;
using System.Threading;
using AlbertAot.Weights;

namespace AlbertAot.Runtime;

/// <summary>
/// What every compiled model shares: input checks, activation buffers, output tensors. The generated subclass
/// supplies the math specialised to its config (the embeddings, the unrolled layer schedule, pooler and MLM head).
/// </summary>
public abstract class AlbertEngine
{
    private AlbertRunState? _cachedState;

    protected AlbertEngine(AlbertConfig config, AlbertWeights weights)
    {
        Config = config;
        Weights = weights;
        Packed = new AlbertPackedWeights(weights, config);
    }

    /// <summary>The matrices repacked for the GEMM, once, when the model is first used.</summary>
    public AlbertPackedWeights Packed { get; }

    public AlbertConfig Config { get; }

    public AlbertWeights Weights { get; }

    public bool HasPooler => Weights.Pooler is not null;

    public bool HasMlmHead => Weights.MlmHead is not null;

    /// <summary>Embeddings, embedding_hidden_mapping_in and every layer: leaves last_hidden_state in <see cref="AlbertRunState.Hidden"/>.</summary>
    protected abstract void RunEncoder(AlbertRunState state, int batch, int seq);

    /// <summary>pooler_output for <paramref name="count"/> [CLS] rows of [count, H] (only called when the checkpoint has a pooler).</summary>
    protected abstract void RunPooler(AlbertRunState state, ReadOnlySpan<float> clsRows, Span<float> pooled, int count);

    /// <summary>MLM logits for <paramref name="count"/> hidden rows of [count, H] (only called when the checkpoint has the MLM head).</summary>
    protected abstract void RunMlmHead(AlbertRunState state, ReadOnlySpan<float> hiddenRows, Span<float> logits, int count);

    public AlbertSession CreateSession(int threads = 1) => new(this, threads);

    public AlbertOutputs Forward(AlbertInputs inputs, AlbertOutputKinds outputs = AlbertOutputKinds.Features)
    {
        AlbertRunState state = RentState();
        try { return Forward(inputs, outputs, state); }
        finally { ReturnState(state); }
    }

    public FloatTensor MlmLogitsAt(AlbertInputs inputs, ReadOnlySpan<(int Batch, int Position)> positions)
    {
        AlbertRunState state = RentState();
        try { return MlmLogitsAt(inputs, positions, state); }
        finally { ReturnState(state); }
    }

    internal AlbertOutputs Forward(AlbertInputs inputs, AlbertOutputKinds outputs, AlbertRunState state)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if ((outputs & AlbertOutputKinds.MlmLogits) != 0) RequireMlmHead();
        int batch = inputs.BatchSize, seq = inputs.SequenceLength, hidden = Config.HiddenSize;

        {
            Encode(inputs, state);
            FloatTensor? lastHidden = null, pooled = null, logits = null;
            if ((outputs & AlbertOutputKinds.LastHiddenState) != 0)
                lastHidden = new FloatTensor(state.Hidden.AsSpan(0, batch * seq * hidden).ToArray(), batch, seq, hidden);
            if ((outputs & AlbertOutputKinds.PoolerOutput) != 0 && HasPooler)
            {
                // The pooler reads the first token of each row ([CLS]); gather those rows first.
                var cls = new float[batch * hidden];
                for (int b = 0; b < batch; b++) state.Hidden.AsSpan(b * seq * hidden, hidden).CopyTo(cls.AsSpan(b * hidden));
                var result = new float[batch * hidden];
                RunPooler(state, cls, result, batch);
                pooled = new FloatTensor(result, batch, hidden);
            }
            if ((outputs & AlbertOutputKinds.MlmLogits) != 0)
            {
                var result = new float[(long)batch * seq * Config.VocabSize];
                RunMlmHead(state, state.Hidden.AsSpan(0, batch * seq * hidden), result, batch * seq);
                logits = new FloatTensor(result, batch, seq, Config.VocabSize);
            }
            return new AlbertOutputs(lastHidden, pooled, logits);
        }
    }

    internal FloatTensor MlmLogitsAt(AlbertInputs inputs, ReadOnlySpan<(int Batch, int Position)> positions, AlbertRunState state)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        RequireMlmHead();
        int hidden = Config.HiddenSize;
        foreach (var (b, s) in positions)
        {
            if ((uint)b >= (uint)inputs.BatchSize || (uint)s >= (uint)inputs.SequenceLength)
                throw new ArgumentOutOfRangeException(nameof(positions),
                    $"Position (batch {b}, token {s}) is outside the input of [batch {inputs.BatchSize}, sequence {inputs.SequenceLength}].");
        }

        {
            Encode(inputs, state);
            var rows = new float[positions.Length * hidden];
            for (int i = 0; i < positions.Length; i++)
                state.Hidden.AsSpan((positions[i].Batch * inputs.SequenceLength + positions[i].Position) * hidden, hidden)
                    .CopyTo(rows.AsSpan(i * hidden));
            var logits = new float[(long)positions.Length * Config.VocabSize];
            RunMlmHead(state, rows, logits, positions.Length);
            return new FloatTensor(logits, positions.Length, Config.VocabSize);
        }
    }

    private void Encode(AlbertInputs inputs, AlbertRunState state)
    {
        int batch = inputs.BatchSize, seq = inputs.SequenceLength;
        if (seq > Config.MaxPositionEmbeddings)
            throw new ArgumentException(
                $"Sequences of {seq} tokens exceed max_position_embeddings = {Config.MaxPositionEmbeddings} of '{Config.CheckpointName}': truncate them.",
                nameof(inputs));
        state.EnsureCapacity(batch * seq, seq);
        CopyIds(inputs.InputIds.Span, state.InputIds, Config.VocabSize, "input_ids", seq);
        if (inputs.TokenTypeIds is { } types) CopyIds(types.Span, state.TokenTypeIds, Config.TypeVocabSize, "token_type_ids", seq);
        else state.TokenTypeIds.AsSpan(0, batch * seq).Clear();
        if (inputs.AttentionMask is { } mask)
        {
            ReadOnlySpan<long> m = mask.Span;
            for (int i = 0; i < m.Length; i++)
            {
                // HF's extended mask: (1 − mask)·finfo(float32).min, added to the scores.
                state.MaskBias[i] = m[i] switch
                {
                    1 => 0f,
                    0 => float.MinValue,
                    _ => throw new ArgumentOutOfRangeException(nameof(inputs),
                        $"attention_mask[{i / seq}, {i % seq}] = {m[i]}: the mask holds 1 (attend) or 0 (padding)."),
                };
            }
        }
        else state.MaskBias.AsSpan(0, batch * seq).Clear();
        RunEncoder(state, batch, seq);
    }

    private static void CopyIds(ReadOnlySpan<long> source, int[] destination, int limit, string name, int seq)
    {
        for (int i = 0; i < source.Length; i++)
        {
            long id = source[i];
            if ((ulong)id >= (ulong)limit)
                throw new ArgumentOutOfRangeException(name, $"{name}[{i / seq}, {i % seq}] = {id} is outside [0, {limit}).");
            destination[i] = (int)id;
        }
    }

    private void RequireMlmHead()
    {
        if (!HasMlmHead)
            throw new InvalidOperationException(
                $"Checkpoint '{Config.CheckpointName}' has no MLM head (no predictions.* tensors): MLM logits are not available.");
    }

    // One cached state serves sequential callers without allocating; concurrent callers get their own.
    private AlbertRunState RentState() => Interlocked.Exchange(ref _cachedState, null) ?? new AlbertRunState(Config);

    private void ReturnState(AlbertRunState state) => Interlocked.Exchange(ref _cachedState, state);
}
