namespace AlbertAot;

/// <summary>
/// How a compiled model stores and multiplies by its large matrices (<see cref="AlbertModelAttribute.Precision"/>). The
/// weights are converted at build time, by the MSBuild step, so the binary carries them in this precision. LayerNorms,
/// biases, position and token-type embeddings and the task classifiers stay float32 in every precision, and every
/// activation is float32 between the products.
/// </summary>
public enum AlbertPrecision
{
    /// <summary>The checkpoint's weights as they are (F16/BF16 storage widened to float32 at load). The default.</summary>
    Float32 = 0,

    /// <summary>
    /// The encoder's linear layers, the pooler, the MLM dense and the word embeddings (the tied decoder) stored as
    /// bfloat16 (round to nearest even), widened to float32 inside the GEMM kernel; float32 accumulation.
    /// </summary>
    BFloat16 = 1,

    /// <summary>
    /// The same matrices as <see cref="BFloat16"/>, quantized symmetrically per output channel (per row of the [out, in]
    /// matrix, the word embeddings per token) to int8 in [−127, 127]; activations quantized per row at run time;
    /// int32 accumulation (VNNI where the CPU has it).
    /// </summary>
    Int8 = 2,
}
