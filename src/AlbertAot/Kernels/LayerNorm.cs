using System;
using System.Numerics.Tensors;

namespace AlbertAot.Kernels;

/// <summary>nn.LayerNorm over the last dimension: y = (x − mean) / sqrt(var + eps)·γ + β, biased variance as PyTorch.</summary>
public static class LayerNorm
{
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> y,
        int rows, int width, float eps)
    {
        for (int r = 0; r < rows; r++)
            NormalizeRow(x.Slice(r * width, width), gamma, beta, y.Slice(r * width, width), eps);
    }

    /// <summary>The post-LN residual: y = LayerNorm(x + residual). <paramref name="y"/> may alias either input.</summary>
    public static void ForwardWithResidual(ReadOnlySpan<float> x, ReadOnlySpan<float> residual, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> beta, Span<float> y, int rows, int width, float eps)
    {
        for (int r = 0; r < rows; r++)
        {
            Span<float> yr = y.Slice(r * width, width);
            TensorPrimitives.Add(x.Slice(r * width, width), residual.Slice(r * width, width), yr);
            NormalizeRow(yr, gamma, beta, yr, eps);
        }
    }

    private static void NormalizeRow(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> y, float eps)
    {
        // Two passes (mean, then the centred sum of squares): stable where E[x²] − E[x]² would cancel.
        float mean = TensorPrimitives.Sum(x) / x.Length;
        TensorPrimitives.Subtract(x, mean, y);
        float variance = TensorPrimitives.SumOfSquares(y) / x.Length;
        float inverseStd = 1f / MathF.Sqrt(variance + eps);
        TensorPrimitives.Multiply(y, inverseStd, y);
        TensorPrimitives.MultiplyAdd(y, gamma, beta, y);
    }

    /// <summary>The plain loops in double precision: the reference the fast path is tested against.</summary>
    internal static void ForwardScalar(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> y,
        int rows, int width, float eps)
    {
        for (int r = 0; r < rows; r++)
        {
            double mean = 0, variance = 0;
            for (int i = 0; i < width; i++) mean += x[r * width + i];
            mean /= width;
            for (int i = 0; i < width; i++) variance += (x[r * width + i] - mean) * (x[r * width + i] - mean);
            variance /= width;
            double inverseStd = 1 / Math.Sqrt(variance + eps);
            for (int i = 0; i < width; i++)
                y[r * width + i] = (float)((x[r * width + i] - mean) * inverseStd * gamma[i] + beta[i]);
        }
    }
}
