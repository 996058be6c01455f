using System;
using System.Threading;
using AlbertAot.Kernels;

namespace AlbertAot.Weights;

/// <summary>
/// One ALBERT layer's matrices repacked once into the GEMM's panel layout: Q, K and V fused into one [3H, H] product,
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
        PackedLinear.PackConcatenated(hidden,
            w.QueryWeight.Span, w.QueryBias.Span, hidden,
            w.KeyWeight.Span, w.KeyBias.Span, hidden,
            w.ValueWeight.Span, w.ValueBias.Span, hidden),
        PackedLinear.Pack(w.AttentionDenseWeight.Span, w.AttentionDenseBias.Span, hidden, hidden),
        PackedLinear.Pack(w.FfnWeight.Span, w.FfnBias.Span, intermediate, hidden),
        PackedLinear.Pack(w.FfnOutputWeight.Span, w.FfnOutputBias.Span, hidden, intermediate));

    /// <summary>The layer's weights as stored (the LayerNorms are read from here).</summary>
    public AlbertLayerWeights Source { get; }

    /// <summary>[Q; K; V]: one GEMM gives [rows, 3H] with Q, K and V side by side.</summary>
    public PackedLinear Qkv { get; }

    public PackedLinear AttentionDense { get; }

    public PackedLinear Ffn { get; }

    public PackedLinear FfnOutput { get; }

    public long PackedBytes => Qkv.PackedBytes + AttentionDense.PackedBytes + Ffn.PackedBytes + FfnOutput.PackedBytes;
}

/// <summary>
/// Every matrix the forward pass multiplies by, packed once when the model is first used. The MLM decoder (the tied
/// word embeddings, vocab × E) is packed when MLM logits are first asked for, so an encoder-only use never pays for it.
/// </summary>
public sealed class AlbertPackedWeights
{
    private readonly WeightTensor? _decoderWeight, _decoderBias;
    private readonly int _vocab, _embedding;
    private PackedLinear? _decoder;

    public AlbertPackedWeights(AlbertWeights weights, AlbertConfig config)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(config);
        var e = weights.Embeddings;
        MappingIn = PackedLinear.Pack(e.MappingInWeight.Span, e.MappingInBias.Span, config.HiddenSize, config.EmbeddingSize);
        Groups = Array.ConvertAll(weights.Groups, group => Array.ConvertAll(group, layer => AlbertPackedLayer.Pack(layer, config.HiddenSize, config.IntermediateSize)));
        if (weights.Pooler is { } pooler)
            Pooler = PackedLinear.Pack(pooler.Weight.Span, pooler.Bias.Span, config.HiddenSize, config.HiddenSize);
        if (weights.MlmHead is { } mlm)
        {
            MlmDense = PackedLinear.Pack(mlm.DenseWeight.Span, mlm.DenseBias.Span, config.EmbeddingSize, config.HiddenSize);
            _decoderWeight = mlm.DecoderWeight;
            _decoderBias = mlm.DecoderBias;
        }
        _vocab = config.VocabSize;
        _embedding = config.EmbeddingSize;
    }

    /// <summary>embedding_hidden_mapping_in: E → H.</summary>
    public PackedLinear MappingIn { get; }

    /// <summary>Groups[g][i]: inner layer i of layer group g.</summary>
    public AlbertPackedLayer[][] Groups { get; }

    public PackedLinear? Pooler { get; }

    /// <summary>The MLM head's dense H → E.</summary>
    public PackedLinear? MlmDense { get; }

    /// <summary>The tied decoder E → vocab, packed at its first use (thread-safe; one copy).</summary>
    public PackedLinear Decoder
    {
        get
        {
            if (_decoderWeight is null) throw new InvalidOperationException("The checkpoint has no MLM head.");
            PackedLinear? decoder = Volatile.Read(ref _decoder);
            if (decoder is not null) return decoder;
            decoder = PackedLinear.Pack(_decoderWeight.Span, _decoderBias!.Span, _vocab, _embedding);
            return Interlocked.CompareExchange(ref _decoder, decoder, null) ?? decoder;
        }
    }

    /// <summary>Bytes of packed copies made so far (the decoder counts once it is packed).</summary>
    public long PackedBytes
    {
        get
        {
            long total = MappingIn.PackedBytes + (Pooler?.PackedBytes ?? 0) + (MlmDense?.PackedBytes ?? 0) + (Volatile.Read(ref _decoder)?.PackedBytes ?? 0);
            foreach (var group in Groups)
                foreach (var layer in group) total += layer.PackedBytes;
            return total;
        }
    }
}
