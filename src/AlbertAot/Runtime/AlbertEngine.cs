using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using AlbertAot.Weights;

namespace AlbertAot.Runtime;

/// <summary>
/// What every compiled model shares: input checks, activation buffers, output tensors. The generated subclass
/// supplies the math specialised to its config (the embeddings, the unrolled layer schedule, pooler and MLM head).
/// </summary>
public abstract class AlbertEngine
{
    // Every engine by the config instance it was built with (a generated class's ModelConfig): how the allocation-free
    // API of IAlbertModel finds the engine of a model class without the generated code naming it.
    private static readonly ConditionalWeakTable<AlbertConfig, AlbertEngine> s_engines = new();

    // Activation buffers kept between calls: one per core at most. A call takes one (or makes one when all are in use)
    // and puts it back, so sequential and concurrent callers alike stop allocating once the buffers have grown.
    private readonly AlbertRunState?[] _cachedStates = new AlbertRunState?[Math.Max(1, Environment.ProcessorCount)];

    protected AlbertEngine(AlbertConfig config, AlbertWeights weights)
        : this(config, weights, AlbertPrecision.Float32)
    {
    }

    /// <param name="precision">How the generated class's checkpoint was converted at build time: the large matrices of
    /// <paramref name="weights"/> are BF16 or I8 (with scales) for <see cref="AlbertPrecision.BFloat16"/> and
    /// <see cref="AlbertPrecision.Int8"/>, float32 otherwise.</param>
    protected AlbertEngine(AlbertConfig config, AlbertWeights weights, AlbertPrecision precision)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        if (!Enum.IsDefined(precision)) throw new ArgumentOutOfRangeException(nameof(precision), precision, "Not an AlbertPrecision value.");
        Config = config;
        Weights = weights;
        Precision = precision;
        Packed = new AlbertPackedWeights(weights, config);
        s_engines.AddOrUpdate(config, this);
    }

    /// <summary>How the large matrices are stored and multiplied (chosen at build time).</summary>
    public AlbertPrecision Precision { get; }

    /// <summary>The precision <paramref name="model"/>'s class was compiled in.</summary>
    public static AlbertPrecision PrecisionOf(IAlbertModel model) => Of(model).Precision;

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

    /// <summary>
    /// Embeddings, embedding_hidden_mapping_in and every layer over the state's <see cref="AlbertRunState.Rows"/> token
    /// rows (its sequences as <see cref="AlbertRunState.SequenceStarts"/> lays them out): leaves last_hidden_state in
    /// <see cref="AlbertRunState.Hidden"/>, one row per token row.
    /// </summary>
    protected abstract void RunEncoder(AlbertRunState state);

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

    /// <summary>
    /// Runs the encoder (and the heads asked for) on a batch into new arrays. Thread-safe: concurrent calls each get
    /// their own activation buffers (a few are kept between calls).
    /// </summary>
    public AlbertOutputs Forward(AlbertInputs inputs, AlbertOutputKinds outputs = AlbertOutputKinds.Features)
    {
        AlbertRunState state = RentState();
        try { return Forward(inputs, outputs, state); }
        finally { ReturnState(state); }
    }

    /// <summary>
    /// Runs the encoder and the heads whose buffers are given, writing into the caller's buffers: no allocation once
    /// the activation buffers have grown to the batch's size (the steady state). Thread-safe, as
    /// <see cref="Forward(AlbertInputs, AlbertOutputKinds)"/>.
    /// </summary>
    /// <exception cref="ArgumentException">No buffer is given, a buffer is too short (the message names it and the size
    /// it needs), two buffers overlap, or a buffer is given that the checkpoint's head does not write.</exception>
    /// <exception cref="InvalidOperationException">A buffer is given for a head the checkpoint lacks.</exception>
    public void Forward(AlbertInputs inputs, AlbertOutputBuffers buffers)
    {
        AlbertRunState state = RentState();
        try { Forward(inputs, buffers, state); }
        finally { ReturnState(state); }
    }

    public FloatTensor MlmLogitsAt(AlbertInputs inputs, ReadOnlySpan<(int Batch, int Position)> positions)
    {
        AlbertRunState state = RentState();
        try { return MlmLogitsAt(inputs, positions, state); }
        finally { ReturnState(state); }
    }

    /// <summary>
    /// MLM logits [positions, vocab] at chosen (batch row, position) pairs, into <paramref name="logits"/> (at least
    /// positions × vocab_size floats): the allocation-free form of <see cref="MlmLogitsAt(AlbertInputs, ReadOnlySpan{ValueTuple{int, int}})"/>.
    /// </summary>
    public void MlmLogitsAt(AlbertInputs inputs, ReadOnlySpan<(int Batch, int Position)> positions, Span<float> logits)
    {
        AlbertRunState state = RentState();
        try { MlmLogitsAt(inputs, positions, logits, state); }
        finally { ReturnState(state); }
    }

    /// <summary>The engine behind a compiled model (its <see cref="IAlbertModel.Config"/> instance identifies it).</summary>
    internal static AlbertEngine Of(IAlbertModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        AlbertConfig config = model.Config;
        if (s_engines.TryGetValue(config, out AlbertEngine? engine)) return engine;
        // A model whose engine is not built yet (weights load at first use), or a wrapper that copies the config:
        // its session knows the engine. Once per config.
        using (AlbertSession session = model.CreateSession()) engine = session.Engine;
        s_engines.AddOrUpdate(config, engine);
        return engine;
    }

    internal AlbertOutputs Forward(AlbertInputs inputs, AlbertOutputKinds outputs, AlbertRunState state)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        AlbertOutputBuffers buffers = AllocateBuffers(inputs, outputs);
        Run(inputs, buffers, state);
        int batch = inputs.BatchSize, seq = inputs.SequenceLength, hidden = Config.HiddenSize;
        int? choices = inputs.Choices;
        FloatTensor? Tensor(Memory<float> buffer, int[] shape) =>
            buffer.IsEmpty ? null : new FloatTensor(MemoryMarshal.TryGetArray(buffer, out ArraySegment<float> a) ? a.Array! : buffer.ToArray(), shape);

        FloatTensor? logits = null;
        if (!buffers.Logits.IsEmpty)
        {
            int width = Weights.TaskClassifier!.Outputs;
            logits = TaskHead switch
            {
                AlbertHeads.MultipleChoice => Tensor(buffers.Logits, choices is { } c ? [batch / c, c] : [batch, 1]),
                AlbertHeads.TokenClassification => Tensor(buffers.Logits, [batch, seq, width]),
                _ => Tensor(buffers.Logits, [batch, width]),
            };
        }
        return new AlbertOutputs(
            Tensor(buffers.LastHiddenState, Shape(choices, batch, seq, hidden)),
            Tensor(buffers.PoolerOutput, Shape(choices, batch, hidden)),
            Tensor(buffers.MlmLogits, [batch, seq, Config.VocabSize]),
            logits,
            Tensor(buffers.StartLogits, [batch, seq]),
            Tensor(buffers.EndLogits, [batch, seq]),
            Tensor(buffers.SopLogits, Shape(choices, batch, 2)));
    }

    internal void Forward(AlbertInputs inputs, in AlbertOutputBuffers buffers, AlbertRunState state)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        AlbertOutputKinds kinds = buffers.Kinds;
        if (kinds == 0)
            throw new ArgumentException(
                "No output buffer is given: set at least one of LastHiddenState, PoolerOutput, MlmLogits, Logits (StartLogits and EndLogits for question answering) or SopLogits.",
                nameof(buffers));
        CheckHeads(inputs, kinds);
        if (!buffers.PoolerOutput.IsEmpty && !HasPooler)
            throw new InvalidOperationException(
                $"Checkpoint '{Config.CheckpointName}' has no pooler (no albert.pooler.* tensors): pooler_output is not available.");
        bool qa = TaskHead == AlbertHeads.QuestionAnswering;
        if (qa && !buffers.Logits.IsEmpty)
            throw new ArgumentException(
                $"Checkpoint '{Config.CheckpointName}' has a question-answering head: it writes StartLogits and EndLogits, not Logits.", nameof(buffers));
        if (!qa && (!buffers.StartLogits.IsEmpty || !buffers.EndLogits.IsEmpty))
            throw new ArgumentException(
                $"StartLogits and EndLogits are written by a question-answering head; checkpoint '{Config.CheckpointName}' has {(TaskHead == AlbertHeads.None ? "no task head" : $"a {TaskHead.Describe()} head")}: use Logits.",
                nameof(buffers));

        OutputSizes sizes = Sizes(inputs);
        CheckBuffer(buffers.LastHiddenState, sizes.Hidden, "LastHiddenState", inputs);
        CheckBuffer(buffers.PoolerOutput, sizes.Pooled, "PoolerOutput", inputs);
        CheckBuffer(buffers.MlmLogits, sizes.Mlm, "MlmLogits", inputs);
        CheckBuffer(buffers.Logits, sizes.Logits, "Logits", inputs);
        CheckBuffer(buffers.StartLogits, sizes.PerToken, "StartLogits", inputs);
        CheckBuffer(buffers.EndLogits, sizes.PerToken, "EndLogits", inputs);
        CheckBuffer(buffers.SopLogits, sizes.Sop, "SopLogits", inputs);
        CheckOverlaps(buffers);
        Run(inputs, buffers, state);
    }

    /// <summary>New arrays for the outputs asked for (the pooler skipped when the checkpoint has none, as HF's AlbertModel without a pooler returns None).</summary>
    internal AlbertOutputBuffers AllocateBuffers(AlbertInputs inputs, AlbertOutputKinds outputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        CheckHeads(inputs, outputs);
        OutputSizes sizes = Sizes(inputs);
        bool taskLogits = (outputs & AlbertOutputKinds.Logits) != 0, qa = TaskHead == AlbertHeads.QuestionAnswering;
        return new AlbertOutputBuffers
        {
            LastHiddenState = New(outputs, AlbertOutputKinds.LastHiddenState, sizes.Hidden, "last_hidden_state", inputs),
            PoolerOutput = HasPooler ? New(outputs, AlbertOutputKinds.PoolerOutput, sizes.Pooled, "pooler_output", inputs) : default,
            MlmLogits = New(outputs, AlbertOutputKinds.MlmLogits, sizes.Mlm, "MLM logits", inputs),
            Logits = taskLogits && !qa ? New(outputs, AlbertOutputKinds.Logits, sizes.Logits, "logits", inputs) : default,
            StartLogits = taskLogits && qa ? New(outputs, AlbertOutputKinds.Logits, sizes.PerToken, "start_logits", inputs) : default,
            EndLogits = taskLogits && qa ? New(outputs, AlbertOutputKinds.Logits, sizes.PerToken, "end_logits", inputs) : default,
            SopLogits = New(outputs, AlbertOutputKinds.SopLogits, sizes.Sop, "sop_logits", inputs),
        };

        static float[]? New(AlbertOutputKinds outputs, AlbertOutputKinds kind, long length, string name, AlbertInputs inputs)
        {
            if ((outputs & kind) == 0) return null;
            if (length > Array.MaxLength)
                throw new ArgumentException(
                    $"{name} for [batch {inputs.BatchSize}, sequence {inputs.SequenceLength}] would hold {length} floats, more than one array can: " +
                    (kind == AlbertOutputKinds.MlmLogits ? "split the batch, or ask for the rows you need with MlmLogitsAt." : "split the batch."),
                    nameof(inputs));
            return new float[length];
        }
    }

    /// <summary>The computation itself: every check has passed, the buffers are long enough and disjoint.</summary>
    private void Run(AlbertInputs inputs, in AlbertOutputBuffers buffers, AlbertRunState state)
    {
        int batch = inputs.BatchSize, seq = inputs.SequenceLength, hidden = Config.HiddenSize;
        AlbertHeads task = TaskHead;
        bool taskLogits = !buffers.Logits.IsEmpty || !buffers.StartLogits.IsEmpty || !buffers.EndLogits.IsEmpty;
        bool sopLogits = !buffers.SopLogits.IsEmpty;

        Encode(inputs, state);
        // Token rows as computed: batch × seq, or fewer when padding was skipped (then per-token outputs are computed
        // for these rows and spread to their [batch, seq] places by ToPaddedLayout).
        int tokens = state.Rows;
        int[] starts = state.SequenceStarts;
        bool packed = tokens != batch * seq;
        ReadOnlySpan<float> hiddenRows = state.Hidden.AsSpan(0, tokens * hidden);
        if (!buffers.LastHiddenState.IsEmpty)
        {
            hiddenRows.CopyTo(buffers.LastHiddenState.Span);
            if (packed) ToPaddedLayout(buffers.LastHiddenState.Span, hidden, starts, batch, seq);
        }

        ReadOnlySpan<float> pooled = default;
        if (!buffers.PoolerOutput.IsEmpty || sopLogits || (taskLogits && task is AlbertHeads.SequenceClassification or AlbertHeads.MultipleChoice))
        {
            // The pooler reads the first token of each row ([CLS]); gather those rows first.
            Span<float> cls = state.GatheredRowsFor(batch).AsSpan(0, batch * hidden);
            for (int b = 0; b < batch; b++) hiddenRows.Slice(starts[b] * hidden, hidden).CopyTo(cls.Slice(b * hidden));
            Span<float> destination = buffers.PoolerOutput.IsEmpty
                ? state.PooledRowsFor(batch).AsSpan(0, batch * hidden)
                : buffers.PoolerOutput.Span.Slice(0, batch * hidden);
            RunPooler(state, cls, destination, batch);
            pooled = destination;
        }
        if (!buffers.MlmLogits.IsEmpty)
        {
            RunMlmHead(state, hiddenRows, buffers.MlmLogits.Span.Slice(0, tokens * Config.VocabSize), tokens);
            if (packed) ToPaddedLayout(buffers.MlmLogits.Span, Config.VocabSize, starts, batch, seq);
        }
        if (taskLogits)
        {
            int width = Weights.TaskClassifier!.Outputs;
            switch (task)
            {
                case AlbertHeads.SequenceClassification:
                case AlbertHeads.MultipleChoice:
                    RunTaskHead(state, pooled, buffers.Logits.Span.Slice(0, batch * width), batch);
                    break;
                case AlbertHeads.TokenClassification:
                    RunTaskHead(state, hiddenRows, buffers.Logits.Span.Slice(0, tokens * width), tokens);
                    if (packed) ToPaddedLayout(buffers.Logits.Span, width, starts, batch, seq);
                    break;
                case AlbertHeads.QuestionAnswering:
                    // qa_outputs gives [rows, 2]: column 0 the start logit, column 1 the end logit (HF's split(1, dim=-1)).
                    Span<float> both = state.HeadOutputsFor(tokens * width).AsSpan(0, tokens * width);
                    RunTaskHead(state, hiddenRows, both, tokens);
                    Span<float> startLogits = buffers.StartLogits.Span, endLogits = buffers.EndLogits.Span;
                    if (!startLogits.IsEmpty) for (int i = 0; i < tokens; i++) startLogits[i] = both[i * 2];
                    if (!endLogits.IsEmpty) for (int i = 0; i < tokens; i++) endLogits[i] = both[i * 2 + 1];
                    if (packed && !startLogits.IsEmpty) ToPaddedLayout(startLogits, 1, starts, batch, seq);
                    if (packed && !endLogits.IsEmpty) ToPaddedLayout(endLogits, 1, starts, batch, seq);
                    break;
            }
        }
        if (sopLogits)
            RunSopHead(state, pooled, buffers.SopLogits.Span.Slice(0, batch * Weights.SopClassifier!.Outputs), batch);
    }

    /// <summary>
    /// Spreads per-token rows of <paramref name="width"/> values, computed for packed sequences (sequence b's token t
    /// at row starts[b] + t), to their places in [batch, seq] (row b·seq + t), in place, and sets the padding rows to 0.
    /// The last sequence moves first: a row only ever moves to a later place, so none is overwritten before it moves.
    /// </summary>
    private static void ToPaddedLayout(Span<float> values, int width, int[] starts, int batch, int seq)
    {
        for (int b = batch - 1; b >= 0; b--)
        {
            int length = starts[b + 1] - starts[b];
            values.Slice(starts[b] * width, length * width).CopyTo(values.Slice(b * seq * width)); // a memmove
            values.Slice((b * seq + length) * width, (seq - length) * width).Clear();
        }
    }

    /// <summary>Refuses outputs the checkpoint cannot give, before any work.</summary>
    private void CheckHeads(AlbertInputs inputs, AlbertOutputKinds outputs)
    {
        const AlbertOutputKinds all = AlbertOutputKinds.Features | AlbertOutputKinds.MlmLogits | AlbertOutputKinds.Logits | AlbertOutputKinds.SopLogits;
        if ((outputs & ~all) != 0)
            throw new ArgumentOutOfRangeException(nameof(outputs), outputs, "Not a combination of AlbertOutputKinds values.");
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
        AlbertHeads readsPooler = sopLogits ? AlbertHeads.SentenceOrder
            : taskLogits && task is AlbertHeads.SequenceClassification or AlbertHeads.MultipleChoice ? task : AlbertHeads.None;
        if (readsPooler != AlbertHeads.None && !HasPooler)
            throw new InvalidOperationException(
                $"The {readsPooler.Describe()} head reads pooler_output, and checkpoint '{Config.CheckpointName}' has no pooler.");
    }

    /// <summary>The length of each output for a batch (long: the MLM logits of a large batch exceed an int).</summary>
    private readonly record struct OutputSizes(long Hidden, long Pooled, long Mlm, long Logits, long PerToken, long Sop);

    private OutputSizes Sizes(AlbertInputs inputs)
    {
        long batch = inputs.BatchSize, tokens = batch * inputs.SequenceLength;
        int width = Weights.TaskClassifier?.Outputs ?? 0;
        long logits = TaskHead switch
        {
            AlbertHeads.TokenClassification => tokens * width,
            AlbertHeads.QuestionAnswering or AlbertHeads.None => 0,
            _ => batch * width,
        };
        return new OutputSizes(tokens * Config.HiddenSize, batch * Config.HiddenSize, tokens * Config.VocabSize, logits, tokens,
            batch * (Weights.SopClassifier?.Outputs ?? 2));
    }

    private void CheckBuffer(Memory<float> buffer, long needed, string name, AlbertInputs inputs)
    {
        if (buffer.IsEmpty || buffer.Length >= needed) return;
        string shape = name switch
        {
            "LastHiddenState" => $"[batch {inputs.BatchSize}, sequence {inputs.SequenceLength}, hidden {Config.HiddenSize}]",
            "PoolerOutput" => $"[batch {inputs.BatchSize}, hidden {Config.HiddenSize}]",
            "MlmLogits" => $"[batch {inputs.BatchSize}, sequence {inputs.SequenceLength}, vocab {Config.VocabSize}]",
            "Logits" => TaskHead == AlbertHeads.TokenClassification
                ? $"[batch {inputs.BatchSize}, sequence {inputs.SequenceLength}, labels {Weights.TaskClassifier!.Outputs}]"
                : TaskHead == AlbertHeads.MultipleChoice ? $"[rows {inputs.BatchSize}]" : $"[batch {inputs.BatchSize}, labels {Weights.TaskClassifier!.Outputs}]",
            "SopLogits" => $"[batch {inputs.BatchSize}, 2]",
            _ => $"[batch {inputs.BatchSize}, sequence {inputs.SequenceLength}]",
        };
        throw new ArgumentException($"buffers.{name} holds {buffer.Length} floats but {name} {shape} needs {needed}.", "buffers");
    }

    private static void CheckOverlaps(in AlbertOutputBuffers b)
    {
        ReadOnlySpan<string> names = ["LastHiddenState", "PoolerOutput", "MlmLogits", "Logits", "StartLogits", "EndLogits", "SopLogits"];
        for (int i = 0; i < names.Length; i++)
            for (int j = i + 1; j < names.Length; j++)
            {
                Memory<float> x = Get(b, i), y = Get(b, j);
                if (!x.IsEmpty && !y.IsEmpty && x.Span.Overlaps(y.Span))
                    throw new ArgumentException($"buffers.{names[i]} and buffers.{names[j]} overlap: give each output its own memory.", "buffers");
            }

        static Memory<float> Get(in AlbertOutputBuffers b, int i) => i switch
        {
            0 => b.LastHiddenState,
            1 => b.PoolerOutput,
            2 => b.MlmLogits,
            3 => b.Logits,
            4 => b.StartLogits,
            5 => b.EndLogits,
            _ => b.SopLogits,
        };
    }

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
        long length = (long)positions.Length * Config.VocabSize;
        if (length > Array.MaxLength)
            throw new ArgumentException($"MLM logits at {positions.Length} positions would hold {length} floats, more than one array can: ask for fewer.", nameof(positions));
        var logits = new float[length];
        MlmLogitsAt(inputs, positions, logits, state);
        return new FloatTensor(logits, positions.Length, Config.VocabSize);
    }

    internal void MlmLogitsAt(AlbertInputs inputs, ReadOnlySpan<(int Batch, int Position)> positions, Span<float> logits, AlbertRunState state)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        RequireMlmHead();
        int hidden = Config.HiddenSize;
        for (int i = 0; i < positions.Length; i++)
        {
            var (b, s) = positions[i];
            if ((uint)b >= (uint)inputs.BatchSize || (uint)s >= (uint)inputs.SequenceLength)
                throw new ArgumentOutOfRangeException(nameof(positions),
                    $"positions[{i}]: position (batch {b}, token {s}) is outside the input of [batch {inputs.BatchSize}, sequence {inputs.SequenceLength}].");
        }
        long needed = (long)positions.Length * Config.VocabSize;
        if (logits.Length < needed)
            throw new ArgumentException(
                $"logits holds {logits.Length} floats but [positions {positions.Length}, vocab {Config.VocabSize}] needs {needed}.", nameof(logits));
        if (inputs.SkipPadding && inputs.AttentionMask is { } mask)
        {
            // Refused before the encoder runs, not after a whole pass. With the right padding SkipPadding requires (the
            // encoder refuses any other), a position is computed exactly when its own mask value is not 0.
            ReadOnlySpan<long> m = mask.Span;
            for (int i = 0; i < positions.Length; i++)
            {
                var (b, s) = positions[i];
                if (m[b * inputs.SequenceLength + s] == 0)
                    throw new ArgumentOutOfRangeException(nameof(positions),
                        $"positions[{i}]: (batch {b}, token {s}) is padding (attention_mask 0), which inputs with SkipPadding do not compute.");
            }
        }

        Encode(inputs, state);
        if (positions.Length == 0) return;
        int[] starts = state.SequenceStarts;
        Span<float> rows = state.GatheredRowsFor(positions.Length).AsSpan(0, positions.Length * hidden);
        for (int i = 0; i < positions.Length; i++)
            state.Hidden.AsSpan((starts[positions[i].Batch] + positions[i].Position) * hidden, hidden).CopyTo(rows.Slice(i * hidden));
        RunMlmHead(state, rows, logits.Slice(0, (int)needed), positions.Length);
    }

    private void Encode(AlbertInputs inputs, AlbertRunState state)
    {
        int batch = inputs.BatchSize, seq = inputs.SequenceLength;
        if (seq > Config.MaxPositionEmbeddings)
            throw new ArgumentException(
                $"Sequences of {seq} tokens exceed max_position_embeddings = {Config.MaxPositionEmbeddings} of '{Config.CheckpointName}': truncate them " +
                "(the tokenizer's and the pipelines' maxLength).",
                nameof(inputs));
        long rows = (long)batch * seq, widest = rows * Math.Max(Math.Max(3L * Config.HiddenSize, Config.IntermediateSize), Config.EmbeddingSize);
        if (widest > Array.MaxLength)
            throw new ArgumentException(
                $"A batch of {batch} × {seq} = {rows} token rows needs activation buffers of {widest} floats, more than one array can hold: split the batch.",
                nameof(inputs));
        state.EnsureCapacity(batch * seq, seq, batch);
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
                    _ => throw new ArgumentOutOfRangeException("attention_mask",
                        $"attention_mask[{i / seq}, {i % seq}] = {m[i]}: the mask holds 1 (attend) or 0 (padding)."),
                };
            }
        }
        else state.MaskBias.AsSpan(0, batch * seq).Clear();
        int[] starts = state.SequenceStarts;
        if (inputs.SkipPadding && inputs.AttentionMask is { } padding)
            Pack(padding.Span, state, batch, seq);
        else
            for (int b = 0; b <= batch; b++) starts[b] = b * seq;
        int[] positions = state.PositionIds;
        for (int b = 0; b < batch; b++)
            for (int t = 0, row = starts[b]; row < starts[b + 1]; t++, row++) positions[row] = t;
        state.SetLayout(batch);
        RunEncoder(state);
        // Passes read the weights in place until they are packed. Packing starts, off this thread, with the second
        // pass: a process that answers once (a command-line call) never pays for the copy or its memory, one that
        // keeps going has the panels from about its third pass on.
        if (Interlocked.Increment(ref _passes) == 2) Packed.StartBackgroundPacking();
    }

    private int _passes;

    /// <summary>
    /// Skipping padding: moves each row's real tokens (its mask's leading 1s) up against the previous row's, in the
    /// state's ids, types and mask (in place: a token only moves to an earlier row), and records where each starts.
    /// </summary>
    private static void Pack(ReadOnlySpan<long> mask, AlbertRunState state, int batch, int seq)
    {
        int[] starts = state.SequenceStarts;
        int row = 0;
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<long> m = mask.Slice(b * seq, seq);
            int length = m.IndexOf(0L);
            if (length < 0) length = seq;
            int late = m.Slice(length).IndexOf(1L);
            if (late >= 0)
                throw new ArgumentException(
                    $"attention_mask row {b} has a 1 at position {length + late} after a 0 at {length}: SkipPadding needs each row's padding at its end (right padding).",
                    "inputs");
            if (length == 0)
                throw new ArgumentException(
                    $"attention_mask row {b} has no 1: with SkipPadding every row needs at least one real token.", "inputs");
            starts[b] = row;
            state.InputIds.AsSpan(b * seq, length).CopyTo(state.InputIds.AsSpan(row));
            state.TokenTypeIds.AsSpan(b * seq, length).CopyTo(state.TokenTypeIds.AsSpan(row));
            state.MaskBias.AsSpan(b * seq, length).CopyTo(state.MaskBias.AsSpan(row));
            row += length;
        }
        starts[batch] = row;
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

    private AlbertRunState RentState()
    {
        AlbertRunState?[] cached = _cachedStates;
        for (int i = 0; i < cached.Length; i++)
            if (Volatile.Read(ref cached[i]) is not null && Interlocked.Exchange(ref cached[i], null) is { } state) return state;
        return new AlbertRunState(Config);
    }

    private void ReturnState(AlbertRunState state)
    {
        AlbertRunState?[] cached = _cachedStates;
        for (int i = 0; i < cached.Length; i++)
            if (Interlocked.CompareExchange(ref cached[i], state, null) is null) return;
        // Every slot is full: more concurrent callers than cores; this state goes to the GC.
    }
}
