using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AlbertAot.Kernels;

/// <summary>
/// nn.Linear: y[r, o] = Σ_k x[r, k]·W[o, k] + b[o], with W in PyTorch's [out, in] layout, read in place.
/// </summary>
public static class Linear
{
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> y,
        int rows, int inFeatures, int outFeatures)
    {
        CheckShapes(x, weight, bias, y, rows, inFeatures, outFeatures);
        ref float w0 = ref MemoryMarshal.GetReference(weight);
        for (int r = 0; r < rows; r++)
        {
            ref float xr = ref Unsafe.Add(ref MemoryMarshal.GetReference(x), r * inFeatures);
            Span<float> yr = y.Slice(r * outFeatures, outFeatures);
            for (int o = 0; o < outFeatures; o++)
                yr[o] = Dot.Compute(ref xr, ref Unsafe.Add(ref w0, o * inFeatures), inFeatures) + bias[o];
        }
    }

    /// <summary>The plain triple loop: the reference the fast path is tested against.</summary>
    internal static void ForwardScalar(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> y,
        int rows, int inFeatures, int outFeatures)
    {
        CheckShapes(x, weight, bias, y, rows, inFeatures, outFeatures);
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < outFeatures; o++)
            {
                float sum = 0f;
                for (int k = 0; k < inFeatures; k++) sum += x[r * inFeatures + k] * weight[o * inFeatures + k];
                y[r * outFeatures + o] = sum + bias[o];
            }
    }

    private static void CheckShapes(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> y,
        int rows, int inFeatures, int outFeatures)
    {
        if (x.Length < rows * inFeatures || weight.Length != outFeatures * inFeatures || bias.Length != outFeatures || y.Length < rows * outFeatures)
            throw new ArgumentException(
                $"Linear [{rows}, {inFeatures}] x [{outFeatures}, {inFeatures}]ᵀ got x {x.Length}, W {weight.Length}, b {bias.Length}, y {y.Length} values.");
    }
}
