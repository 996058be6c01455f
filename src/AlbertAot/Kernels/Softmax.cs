using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace AlbertAot.Kernels;

/// <summary>Softmax over a row, in place, with the maximum subtracted first as PyTorch does.</summary>
public static class Softmax
{
    public static void Row(Span<float> x) => Normalize(x, flushSubnormals: false);

    /// <summary>
    /// <see cref="Row"/> with every probability below float32's smallest normal number (2⁻¹²⁶ ≈ 1.2e-38) set to 0, right
    /// after the exponential. Attention rows of long sequences hold many such subnormal values (scores more than ~87
    /// below the row's maximum), and x64 CPUs take a microcode assist, ~100 cycles, for every multiply that reads one:
    /// the context product then ran 3× slower at 512 tokens. .NET cannot set the FTZ/DAZ flags ONNX Runtime sets, so
    /// the values are flushed here. What is dropped is below 2⁻¹²⁶ of a sum that is at least 1: no normal result changes.
    /// </summary>
    public static void RowFlushingSubnormals(Span<float> x) => Normalize(x, flushSubnormals: true);

    private static void Normalize(Span<float> x, bool flushSubnormals)
    {
        // With HF's additive mask (float32 min, not −inf) a fully masked row stays finite: every score is ~min,
        // so the row becomes uniform, which is HF's defined behaviour.
        float max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, x);
        TensorPrimitives.Exp(x, x);
        if (flushSubnormals) FlushSubnormals(x);
        float sum = TensorPrimitives.Sum(x);
        TensorPrimitives.Multiply(x, 1f / sum, x);
        if (flushSubnormals) FlushSubnormals(x);
    }

    /// <summary>Sets every value of magnitude below 2⁻¹²⁶ (float32's subnormals) to +0.</summary>
    internal static void FlushSubnormals(Span<float> x)
    {
        const float smallestNormal = 1.17549435E-38f;
        int i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            Span<Vector<float>> vectors = MemoryMarshal.Cast<float, Vector<float>>(x);
            var limit = new Vector<float>(smallestNormal);
            for (int v = 0; v < vectors.Length; v++)
                vectors[v] = Vector.ConditionalSelect(Vector.LessThan(Vector.Abs(vectors[v]), limit), Vector<float>.Zero, vectors[v]);
            i = vectors.Length * Vector<float>.Count;
        }
        for (; i < x.Length; i++)
            if (MathF.Abs(x[i]) < smallestNormal) x[i] = 0f;
    }
}
