namespace AlbertAot.Weights;

/// <summary>Storage types of safetensors tensors the runtime reads. Everything is computed in float32.</summary>
public enum TensorDType
{
    F32,
    /// <summary>IEEE half: widened to float32 once, at first use.</summary>
    F16,
    /// <summary>bfloat16 (the upper half of a float32): widened to float32 once, at first use.</summary>
    BF16,
    /// <summary>int8, with a float32 scale per row (<see cref="AlbertPrecision.Int8"/> checkpoints converted at build time).</summary>
    I8,
}
