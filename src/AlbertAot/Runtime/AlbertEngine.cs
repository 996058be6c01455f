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

    /// <summary>Every head the checkpoint carries.</summary>
    public AlbertHeads Heads => Weights.Heads;

    /// <summary>The task head (<see cref="AlbertHeads.SequenceClassification"/>, ...), or <see cref="AlbertHeads.None"/>.</summary>
    public AlbertHeads TaskHead => Weights.TaskClassifier is not null ? Weights.TaskHead : AlbertHeads.None;

    /// <summary>Embeddings, embedding_hidden_mapping_in and every layer: leaves last_hidden_state in <see cref="AlbertRunState.Hidden"/>.</summary>
    protected abstract void RunEncoder(AlbertRunState state, int batch, int seq);

    /// <summary>pooler_output for <paramref name="count"/> [CLS] rows of [count, H] (only called when the checkpoint has a pooler).</summary>
    protected abstract void RunPooler(AlbertRunState state, ReadOnlySpan<float> clsRows, Span<float> pooled, int count);

    /// <summary>MLM logits for <paramref name="count"/> hidden rows of [count, H] (only called when the checkpoint has the MLM head).</summary>
    protected abstract void RunMlmHead(AlbertRunState state, ReadOnlySpan<float> hiddenRows, Span<float> logits, int count);

    /// <summary>
    /// The task head's classifier on <paramref name="count"/> rows of [count, H]: the pooled rows (sequence
    /// classification, multiple choice) or the hidden rows (token classification, question answering), into
    /// [count, outputs]. Only called when the checkpoint has a task head.
    /// </summary>
    protected virtual void RunTaskHead(AlbertRunState state, ReadOnlySpan<float> rows, Span<float> logits, int count) =>
        throw new InvalidOperationException($"Checkpoint '{Config.CheckpointName}' has no task head.");

    /// <summary>sop_logits [count, 2] for <paramref name="count"/> pooled rows (only called when the checkpoint has the SOP head).</summary>
    protected virtual void RunSopHead(AlbertRunState state, ReadOnlySpan<float> pooledRows, Span<float> logits, int count) =>
        throw new InvalidOperationException($"Checkpoint '{Config.CheckpointName}' has no sentence-order head.");

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
        AlbertHeads task = TaskHead;
        bool taskLogits = (outputs & AlbertOutputKinds.Logits) != 0, sopLogits = (outputs & AlbertOutputKinds.SopLogits) != 0;
        if (taskLogits && task == AlbertHeads.None)
            throw new InvalidOperationException(
                $"Checkpoint '{Config.CheckpointName}' has no task head (no classifier.* or qa_outputs.* compiled): logits are not available.");
        if (sopLogits && Weights.SopClassifier is null)
            throw new InvalidOperationException(
                $"Checkpoint '{Config.CheckpointName}' has no sentence-order head (no sop_classifier.classifier.* tensors): sop_logits are not available.");
        if (inputs.Choices is { } c && task != AlbertHeads.MultipleChoice && taskLogits)
            throw new ArgumentException(
                $"Inputs with {c} choices per example are for a multiple-choice head; checkpoint '{Config.CheckpointName}' has a {task.Describe()} head.", nameof(inputs));
        int batch = inputs.BatchSize, seq = inputs.SequenceLength, hidden = Config.HiddenSize;
        int? choices = inputs.Choices;

        Encode(inputs, state);
        FloatTensor? lastHidden = null, pooled = null, mlm = null, logits = null, start = null, end = null, sop = null;
        if ((outputs & AlbertOutputKinds.LastHiddenState) != 0)
            lastHidden = new FloatTensor(state.Hidden.AsSpan(0, batch * seq * hidden).ToArray(), Shape(choices, batch, seq, hidden));

        bool poolerNeeded = ((outputs & AlbertOutputKinds.PoolerOutput) != 0 || sopLogits
            || (taskLogits && task is AlbertHeads.SequenceClassification or AlbertHeads.MultipleChoice)) && HasPooler;
        float[]? pooledRows = null;
        if (poolerNeeded)
        {
            // The pooler reads the first token of each row ([CLS]); gather those rows first.
            var cls = new float[batch * hidden];
            for (int b = 0; b < batch; b++) state.Hidden.AsSpan(b * seq * hidden, hidden).CopyTo(cls.AsSpan(b * hidden));
            pooledRows = new float[batch * hidden];
            RunPooler(state, cls, pooledRows, batch);
            if ((outputs & AlbertOutputKinds.PoolerOutput) != 0) pooled = new FloatTensor(pooledRows, Shape(choices, batch, hidden));
        }
        if ((outputs & AlbertOutputKinds.MlmLogits) != 0)
        {
            var result = new float[(long)batch * seq * Config.VocabSize];
            RunMlmHead(state, state.Hidden.AsSpan(0, batch * seq * hidden), result, batch * seq);
            mlm = new FloatTensor(result, batch, seq, Config.VocabSize);
        }
        if (taskLogits)
        {
            int width = Weights.TaskClassifier!.Outputs;
            switch (task)
            {
                case AlbertHeads.SequenceClassification:
                    logits = new FloatTensor(Classify(state, RequirePooled(pooledRows, task), batch, width), batch, width);
                    break;
                case AlbertHeads.MultipleChoice:
                    float[] scores = Classify(state, RequirePooled(pooledRows, task), batch, width);
                    logits = choices is { } perExample ? new FloatTensor(scores, batch / perExample, perExample) : new FloatTensor(scores, batch, 1);
                    break;
                case AlbertHeads.TokenClassification:
                    logits = new FloatTensor(Classify(state, state.Hidden.AsSpan(0, batch * seq * hidden), batch * seq, width), batch, seq, width);
                    break;
                case AlbertHeads.QuestionAnswering:
                    // qa_outputs gives [rows, 2]: column 0 the start logit, column 1 the end logit (HF's split(1, dim=-1)).
                    float[] both = Classify(state, state.Hidden.AsSpan(0, batch * seq * hidden), batch * seq, width);
                    var starts = new float[batch * seq];
                    var ends = new float[batch * seq];
                    for (int i = 0; i < starts.Length; i++)
                    {
                        starts[i] = both[i * 2];
                        ends[i] = both[i * 2 + 1];
                    }
                    start = new FloatTensor(starts, batch, seq);
                    end = new FloatTensor(ends, batch, seq);
                    break;
            }
        }
        if (sopLogits)
        {
            int width = Weights.SopClassifier!.Outputs;
            var result = new float[batch * width];
            RunSopHead(state, RequirePooled(pooledRows, AlbertHeads.SentenceOrder), result, batch);
            sop = new FloatTensor(result, Shape(choices, batch, width));
        }
        return new AlbertOutputs(lastHidden, pooled, mlm, logits, start, end, sop);
    }

    private float[] Classify(AlbertRunState state, ReadOnlySpan<float> rows, int count, int width)
    {
        var logits = new float[count * width];
        RunTaskHead(state, rows, logits, count);
        return logits;
    }

    private float[] RequirePooled(float[]? pooledRows, AlbertHeads head) => pooledRows ?? throw new InvalidOperationException(
        $"The {head.Describe()} head reads pooler_output, and checkpoint '{Config.CheckpointName}' has no pooler.");

    /// <summary>[batch, rest...], or [examples, choices, rest...] for multiple-choice inputs.</summary>
    private static int[] Shape(int? choices, int batch, params int[] rest)
    {
        int[] leading = choices is { } c ? [batch / c, c] : [batch];
        return [.. leading, .. rest];
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
