using System;
using System.Numerics.Tensors;

namespace AlbertAot.Kernels;

/// <summary>Softmax over a row, in place, with the maximum subtracted first as PyTorch does.</summary>
public static class Softmax
{
    public static void Row(Span<float> x)
    {
        // With HF's additive mask (float32 min, not −inf) a fully masked row stays finite: every score is ~min,
        // so the row becomes uniform, which is HF's defined behaviour.
        float max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, x);
        TensorPrimitives.Exp(x, x);
        float sum = TensorPrimitives.Sum(x);
        TensorPrimitives.Multiply(x, 1f / sum, x);
    }
}
