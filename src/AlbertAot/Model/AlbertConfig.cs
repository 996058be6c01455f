namespace AlbertAot;

/// <summary>Activation functions HF's <c>ACT2FN</c> offers that ALBERT configs can name in <c>hidden_act</c>.</summary>
public enum AlbertActivation
{
    /// <summary><c>gelu</c>, <c>gelu_python</c>: x·Φ(x) with the exact (erf) normal CDF.</summary>
    Gelu,
    /// <summary><c>gelu_new</c>, <c>gelu_pytorch_tanh</c>, <c>gelu_fast</c>, <c>gelu_accurate</c>: the tanh approximation of GELU.</summary>
    GeluTanh,
    /// <summary><c>gelu_10</c>: exact GELU clipped to [-10, 10].</summary>
    GeluClipped10,
    /// <summary><c>quick_gelu</c>: x·σ(1.702x).</summary>
    QuickGelu,
    /// <summary><c>relu</c>.</summary>
    Relu,
    /// <summary><c>relu6</c>: min(max(x, 0), 6).</summary>
    Relu6,
    /// <summary><c>relu2</c>: relu(x)².</summary>
    ReluSquared,
    /// <summary><c>leaky_relu</c> with PyTorch's default slope 0.01.</summary>
    LeakyRelu,
    /// <summary><c>silu</c>, <c>swish</c>: x·σ(x).</summary>
    Silu,
    /// <summary><c>mish</c>: x·tanh(softplus(x)).</summary>
    Mish,
    /// <summary><c>tanh</c>.</summary>
    Tanh,
    /// <summary><c>sigmoid</c>.</summary>
    Sigmoid,
    /// <summary><c>laplace</c>: 0.5·(1 + erf((x − 0.707107) / (0.282095·√2))).</summary>
    Laplace,
    /// <summary><c>linear</c>: the identity.</summary>
    Identity,
}

/// <summary>
/// An ALBERT checkpoint's config.json as the model was compiled against it. Generated model classes
/// expose the same values as constants; this record is for code that handles any model.
/// </summary>
public sealed record AlbertConfig(
    string CheckpointName,
    int VocabSize,
    int EmbeddingSize,
    int HiddenSize,
    int NumHiddenLayers,
    int NumHiddenGroups,
    int InnerGroupNum,
    int NumAttentionHeads,
    int IntermediateSize,
    int MaxPositionEmbeddings,
    int TypeVocabSize,
    float LayerNormEps,
    string HiddenAct,
    AlbertActivation Activation,
    int PadTokenId)
{
    /// <summary>Width of one attention head: <c>hidden_size / num_attention_heads</c>.</summary>
    public int HeadSize => HiddenSize / NumAttentionHeads;

    /// <summary>HF's schedule: layer <paramref name="layer"/> runs group <c>int(layer / (layers / groups))</c>.</summary>
    public int GroupOfLayer(int layer) => (int)(layer / ((double)NumHiddenLayers / NumHiddenGroups));
}
