using System;
using System.Threading;
using System.Threading.Tasks;
using AlbertAot.Kernels;

namespace AlbertAot.Weights;

/// <summary>
/// One ALBERT layer's matrices for the GEMM (packed into its panel layout at the first many-row product): Q, K and V fused into one [3H, H] product,
/// the attention output, the FFN and its output. ALBERT shares these across its layers, so one packed copy serves every
/// layer application (28 MB for albert-base: it nearly stays in this CPU's L3 for all 12). LayerNorms stay where they
/// are, in <see cref="Source"/>.
/// </summary>
public sealed class AlbertPackedLayer
{
    private AlbertPackedLayer(AlbertLayerWeights source, PackedLinear qkv, PackedLinear attentionDense, PackedLinear ffn, PackedLinear ffnOutput)
    {
        Source = source;
        Qkv = qkv;
        AttentionDense = attentionDense;
        Ffn = ffn;
        FfnOutput = ffnOutput;
    }

    public static AlbertPackedLayer Pack(AlbertLayerWeights w, int hidden, int intermediate) => new(w,
        PackedLinear.FromWeights(hidden, (w.QueryWeight, w.QueryBias, hidden), (w.KeyWeight, w.KeyBias, hidden), (w.ValueWeight, w.ValueBias, hidden)),
        PackedLinear.FromWeights(w.AttentionDenseWeight, w.AttentionDenseBias, hidden, hidden),
        PackedLinear.FromWeights(w.FfnWeight, w.FfnBias, intermediate, hidden),
        PackedLinear.FromWeights(w.FfnOutputWeight, w.FfnOutputBias, hidden, intermediate));

    /// <summary>The layer's weights as stored (the LayerNorms are read from here).</summary>
    public AlbertLayerWeights Source { get; }

    /// <summary>[Q; K; V]: one GEMM gives [rows, 3H] with Q, K and V side by side.</summary>
    public PackedLinear Qkv { get; }

    public PackedLinear AttentionDense { get; }

    public PackedLinear Ffn { get; }

    public PackedLinear FfnOutput { get; }

    /// <summary>Bytes of the layer's four packed matrices, once packed.</summary>
    public long PackedBytes => Qkv.PackedBytes + AttentionDense.PackedBytes + Ffn.PackedBytes + FfnOutput.PackedBytes;
}

/// <summary>
/// Every matrix the forward pass multiplies by, as <see cref="PackedLinear"/>s over the weights read in place. The
/// encoder's matrices are packed into the GEMM's panels on a background thread from the second forward pass on
/// (<see cref="StartBackgroundPacking"/>); until each is, a product with up to <see cref="GemmRowMajor.MaxRows"/> rows
/// reads it in place (a larger one packs it itself), so a first answer neither waits for the ~30 ms copy nor shares
/// the memory bus with it, and later calls get the faster panels (up to 2x at 8 tokens).
/// The MLM decoder (vocab × E, 15 MB for albert-base) is packed in the background too, but only once the MLM head is used
/// after that (a features-only process never copies it); fill-mask's few masked rows read it in place until then.
/// Results are bit-identical whichever path runs.
/// </summary>
public sealed class AlbertPackedWeights
{
    private readonly PackedLinear? _decoder;

    /// <param name="packInBackground">Whether <see cref="StartBackgroundPacking"/> packs the encoder's matrices on a
    /// thread-pool thread (false: each is packed by the first product with more than <see cref="GemmRowMajor.MaxRows"/> rows).</param>
    public AlbertPackedWeights(AlbertWeights weights, AlbertConfig config, bool packInBackground = true)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(config);
        var e = weights.Embeddings;
        MappingIn = PackedLinear.FromWeights(e.MappingInWeight, e.MappingInBias, config.HiddenSize, config.EmbeddingSize);
        Groups = Array.ConvertAll(weights.Groups, group => Array.ConvertAll(group, layer => AlbertPackedLayer.Pack(layer, config.HiddenSize, config.IntermediateSize)));
        if (weights.Pooler is { } pooler)
            Pooler = PackedLinear.FromWeights(pooler.Weight, pooler.Bias, config.HiddenSize, config.HiddenSize);
        if (weights.MlmHead is { } mlm)
        {
            MlmDense = PackedLinear.FromWeights(mlm.DenseWeight, mlm.DenseBias, config.EmbeddingSize, config.HiddenSize);
            // The tied word embeddings, vocab × E.
            _decoder = PackedLinear.FromWeights(mlm.DecoderWeight, mlm.DecoderBias, config.VocabSize, config.EmbeddingSize);
        }
        _packInBackground = packInBackground;
    }

    private readonly bool _packInBackground;
    private Task? _backgroundPacking;

    /// <summary>
    /// Starts packing the encoder's matrices on a thread-pool thread, once (later calls do nothing); the engine calls it
    /// at its second forward pass. Does nothing when the instance was made with packInBackground: false.
    /// </summary>
    public void StartBackgroundPacking()
    {
        if (!_packInBackground || Volatile.Read(ref _backgroundPacking) is not null) return;
        var task = new Task(PackEncoder);
        if (Interlocked.CompareExchange(ref _backgroundPacking, task, null) is null) task.Start(TaskScheduler.Default);
    }

    /// <summary>The background packing (completed when it was never started or is done), for tests and warm-up.</summary>
    public Task BackgroundPacking => Volatile.Read(ref _backgroundPacking) ?? Task.CompletedTask;

    /// <summary>Packs every encoder matrix now (those already packed are skipped); the decoder stays as it is.</summary>
    public void PackEncoder()
    {
        foreach (var group in Groups)
            foreach (var layer in group)
            {
                layer.Qkv.EnsurePacked();
                layer.AttentionDense.EnsurePacked();
                layer.Ffn.EnsurePacked();
                layer.FfnOutput.EnsurePacked();
            }
        MappingIn.EnsurePacked();
        Pooler?.EnsurePacked();
        MlmDense?.EnsurePacked();
    }

    /// <summary>embedding_hidden_mapping_in: E → H.</summary>
    public PackedLinear MappingIn { get; }

    /// <summary>Groups[g][i]: inner layer i of layer group g.</summary>
    public AlbertPackedLayer[][] Groups { get; }

    public PackedLinear? Pooler { get; }

    /// <summary>The MLM head's dense H → E.</summary>
    public PackedLinear? MlmDense { get; }

    /// <summary>
    /// The tied decoder E → vocab. Asked for once background packing has started, it is queued for packing too (once).
    /// </summary>
    public PackedLinear Decoder
    {
        get
        {
            PackedLinear decoder = _decoder ?? throw new InvalidOperationException("The checkpoint has no MLM head.");
            if (Volatile.Read(ref _backgroundPacking) is not null && !decoder.IsPacked && Interlocked.Exchange(ref _decoderQueued, 1) == 0)
                ThreadPool.UnsafeQueueUserWorkItem(static linear => linear.EnsurePacked(), decoder, preferLocal: false);
            return decoder;
        }
    }

    private int _decoderQueued;

    /// <summary>Bytes of packed copies made so far (each matrix counts once a product with many rows has packed it).</summary>
    public long PackedBytes => Sum(static linear => linear.IsPacked ? linear.PackedBytes : 0);

    /// <summary>Bytes the packed copies take once every matrix is packed (the most this process can add for them).</summary>
    public long PackedBytesWhenAllPacked => Sum(static linear => linear.PackedBytes);

    private long Sum(Func<PackedLinear, long> bytes)
    {
        long total = bytes(MappingIn) + (Pooler is null ? 0 : bytes(Pooler)) + (MlmDense is null ? 0 : bytes(MlmDense))
            + (_decoder is null ? 0 : bytes(_decoder));
        foreach (var group in Groups)
            foreach (var layer in group)
                total += bytes(layer.Qkv) + bytes(layer.AttentionDense) + bytes(layer.Ffn) + bytes(layer.FfnOutput);
        return total;
    }
}
