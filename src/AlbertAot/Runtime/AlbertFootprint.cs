using System;
using AlbertAot.Kernels;

namespace AlbertAot.Runtime;

/// <summary>
/// What a compiled model costs in memory, from its config alone (Glow's bundles report the same): the generated class
/// states it as <c>Footprint(maxSequenceLength)</c>. Bytes, not counting the .NET runtime itself.
/// </summary>
/// <param name="EmbeddedWeightBytes">model.safetensors inside the binary: mapped with the executable and read in
/// place, so it counts in RSS only as far as pages are touched (all of it after a forward with the MLM head).</param>
/// <param name="WidenedWeightBytes">F16/BF16 tensors widened once to F32 on the heap when the model is first used (0 for an F32 checkpoint).</param>
/// <param name="PackedEncoderBytes">The encoder's matrices repacked into the GEMM's panels, on a background thread
/// from the second forward pass on (ALBERT shares them across layers: one copy of one layer per group).</param>
/// <param name="PackedDecoderBytes">The MLM decoder (vocab × E) in panels: made in the background when the MLM head is
/// used after the encoder's packing has started, or by MLM logits for more than <see cref="GemmRowMajor.MaxRows"/> rows
/// at once (until then fill-mask reads it in place).</param>
/// <param name="ActivationBytes">One session's (or one concurrent caller's) activation buffers for
/// <paramref name="BatchSize"/> sequences of <paramref name="MaxSequenceLength"/> tokens on <paramref name="Threads"/> threads.</param>
public sealed record AlbertFootprint(
    long EmbeddedWeightBytes,
    long WidenedWeightBytes,
    long PackedEncoderBytes,
    long PackedDecoderBytes,
    long ActivationBytes,
    int MaxSequenceLength,
    int BatchSize,
    int Threads)
{
    /// <summary>Heap and native memory the model allocates beyond the binary, with every packed copy made.</summary>
    public long AllocatedBytes => WidenedWeightBytes + PackedEncoderBytes + PackedDecoderBytes + ActivationBytes;

    /// <summary>The footprint of a model with this config and heads (what the generated <c>Footprint</c> calls).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A non-positive length, batch or thread count, or a length beyond max_position_embeddings.</exception>
    public static AlbertFootprint Compute(AlbertConfig config, AlbertHeads heads, long embeddedWeightBytes, long widenedWeightBytes,
        int maxSequenceLength, int batchSize = 1, int threads = 1) =>
        Compute(config, heads, AlbertPrecision.Float32, embeddedWeightBytes, widenedWeightBytes, maxSequenceLength, batchSize, threads);

    /// <summary>
    /// The footprint of a model compiled in <paramref name="precision"/>: its packed panels hold bfloat16 pairs or int8
    /// quads (with a scale and a sum per column) instead of float32.
    /// </summary>
    public static AlbertFootprint Compute(AlbertConfig config, AlbertHeads heads, AlbertPrecision precision, long embeddedWeightBytes,
        long widenedWeightBytes, int maxSequenceLength, int batchSize = 1, int threads = 1)
    {
        PanelFormat format = precision switch
        {
            AlbertPrecision.Float32 => PanelFormat.Float32,
            AlbertPrecision.BFloat16 => PanelFormat.BFloat16,
            AlbertPrecision.Int8 => PanelFormat.Int8,
            _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "Not an AlbertPrecision value."),
        };
        ArgumentNullException.ThrowIfNull(config);
        if (maxSequenceLength <= 0 || maxSequenceLength > config.MaxPositionEmbeddings)
            throw new ArgumentOutOfRangeException(nameof(maxSequenceLength), maxSequenceLength,
                $"The sequence length must be in [1, {config.MaxPositionEmbeddings}] (max_position_embeddings of '{config.CheckpointName}').");
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be positive.");
        if (threads <= 0) throw new ArgumentOutOfRangeException(nameof(threads), threads, "The thread count must be positive.");

        int h = config.HiddenSize, e = config.EmbeddingSize, i = config.IntermediateSize;
        long Packed(int outFeatures, int inFeatures) => PackedLinear.PackedBytesFor(outFeatures, inFeatures, format);
        long layer = Packed(3 * h, h) + Packed(h, h) + Packed(i, h) + Packed(h, i);
        long encoder = (long)config.NumHiddenGroups * config.InnerGroupNum * layer + Packed(h, e);
        bool mlm = (heads & AlbertHeads.MaskedLM) != 0;
        if ((heads & AlbertHeads.Pooler) != 0) encoder += Packed(h, h);
        if (mlm) encoder += Packed(e, h);
        long decoder = mlm ? Packed(config.VocabSize, e) : 0;

        return new AlbertFootprint(embeddedWeightBytes, widenedWeightBytes, encoder, decoder,
            ActivationBytesFor(config, batchSize, maxSequenceLength, threads), maxSequenceLength, batchSize, threads);
    }

    /// <summary>One caller's activation buffers for batch × seq tokens on this many threads (<see cref="AlbertRunState.BytesFor"/>).</summary>
    public static long ActivationBytesFor(AlbertConfig config, int batchSize, int sequenceLength, int threads) =>
        AlbertRunState.BytesFor(config, batchSize, sequenceLength, threads);

    /// <summary>A few lines for people: what <c>AlbertCli info</c> prints.</summary>
    public override string ToString() =>
        $"embedded weights {Mib(EmbeddedWeightBytes)} (read in place), widened {Mib(WidenedWeightBytes)}, " +
        $"packed encoder {Mib(PackedEncoderBytes)}, packed decoder {Mib(PackedDecoderBytes)} (when the MLM head is used from the second pass on), " +
        $"activations {Mib(ActivationBytes)} for {BatchSize} × {MaxSequenceLength} tokens on {Threads} thread(s)";

    internal static string Mib(long bytes) => $"{bytes / (1024.0 * 1024.0):F2} MiB";
}
