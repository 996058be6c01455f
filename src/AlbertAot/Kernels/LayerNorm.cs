using System;
using System.Numerics.Tensors;
using AlbertAot.Runtime;

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

    /// <summary>
    /// <see cref="ForwardWithResidual(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, float)"/>
    /// over the forward's row ranges on <paramref name="pool"/> (<see cref="RowSplit"/>: each thread normalises the
    /// rows its GEMMs wrote and read next), on the calling thread when the rows are too few to split. Same bits.
    /// </summary>
    public static unsafe void ForwardWithResidual(ReadOnlySpan<float> x, ReadOnlySpan<float> residual, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> beta, Span<float> y, int rows, int width, float eps, ComputePool? pool)
    {
        int parts = RowSplit.Parts(rows, pool);
        if (parts <= 1)
        {
            ForwardWithResidual(x, residual, gamma, beta, y, rows, width, eps);
            return;
        }
        int length = checked(rows * width);
        x = x[..length];
        residual = residual[..length];
        y = y[..length];
        gamma = gamma[..width];
        beta = beta[..width];
        fixed (float* px = x, pr = residual, pg = gamma, pb = beta, py = y)
        {
            var body = new ResidualBody { X = px, Residual = pr, Gamma = pg, Beta = pb, Y = py, Rows = rows, Width = width, Eps = eps, Parts = parts };
            pool!.Run(body, parts);
        }
    }

    /// <summary>One thread's rows of a residual LayerNorm (the arrays stay pinned while <see cref="ComputePool.Run{TBody}"/> runs).</summary>
    private unsafe struct ResidualBody : IComputeBody
    {
        public float* X, Residual, Gamma, Beta, Y;
        public int Rows, Width, Parts;
        public float Eps;

        public readonly void Execute(int part)
        {
            int r0 = RowSplit.Start(Rows, part, Parts), r1 = RowSplit.Start(Rows, part + 1, Parts);
            int offset = r0 * Width, length = (r1 - r0) * Width;
            ForwardWithResidual(new ReadOnlySpan<float>(X + offset, length), new ReadOnlySpan<float>(Residual + offset, length),
                new ReadOnlySpan<float>(Gamma, Width), new ReadOnlySpan<float>(Beta, Width), new Span<float>(Y + offset, length),
                r1 - r0, Width, Eps);
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
