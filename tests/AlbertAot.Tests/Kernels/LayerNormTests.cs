using System;
using AlbertAot.Kernels;
using Xunit;

namespace AlbertAot.Tests.Kernels;

/// <summary>
/// LayerNorm.Forward and ForwardWithResidual against LayerNorm.ForwardScalar (the plain loops in double) and a
/// float64 formula written here, with ALBERT's eps 1e-12. Tolerance per element: 1e-5·(|γ|·(|x̂| + 1) + |β|), x̂ the
/// normalised value (the float sum of a row carries about 1e-7 relative error, times |x̂| after normalising).
/// </summary>
public class LayerNormTests
{
    private const float Eps = 1e-12f;

    public static TheoryData<int> Lengths() => KernelTestData.LengthData();

    /// <summary>y = (x − mean)/sqrt(var + eps)·γ + β per row, in double, with its tolerance.</summary>
    private static (double[] Expected, double[] Tolerance) Reference(float[] x, float[] gamma, float[] beta, int rows, int width, double eps)
    {
        var expected = new double[rows * width];
        var tolerance = new double[rows * width];
        for (int r = 0; r < rows; r++)
        {
            double mean = 0, variance = 0;
            for (int i = 0; i < width; i++) mean += x[r * width + i];
            mean /= width;
            for (int i = 0; i < width; i++) variance += (x[r * width + i] - mean) * (x[r * width + i] - mean);
            variance /= width;
            for (int i = 0; i < width; i++)
            {
                double normalised = (x[r * width + i] - mean) / Math.Sqrt(variance + eps);
                expected[r * width + i] = normalised * gamma[i] + beta[i];
                tolerance[r * width + i] = 1e-5 * (Math.Abs(gamma[i]) * (Math.Abs(normalised) + 1) + Math.Abs(beta[i]));
            }
        }
        return (expected, tolerance);
    }

    private static void AssertClose(double[] expected, double[] tolerance, float[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance[i],
                $"{what} at {i}: got {actual[i]:R}, float64 {expected[i]:R}, tolerance {tolerance[i]:E2}.");
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void ForwardMatchesScalarAndFloat64(int width)
    {
        var random = new Random(width);
        const int rows = 3;
        // Rows with different scales and offsets, as hidden states have.
        float[] x = new float[rows * width];
        for (int r = 0; r < rows; r++)
            KernelTestData.Normal(random, width, 0.5f + 2f * r, r - 1f).CopyTo(x, r * width);
        float[] gamma = KernelTestData.Normal(random, width, 0.2f, 1f), beta = KernelTestData.Normal(random, width, 0.1f);
        var fast = new float[rows * width];
        var plain = new float[rows * width];
        LayerNorm.Forward(x, gamma, beta, fast, rows, width, Eps);
        LayerNorm.ForwardScalar(x, gamma, beta, plain, rows, width, Eps);

        var (expected, tolerance) = Reference(x, gamma, beta, rows, width, Eps);
        AssertClose(expected, tolerance, fast, "Forward");
        AssertClose(expected, tolerance, plain, "ForwardScalar");
    }

    [Fact]
    public void ConstantRowGivesBeta()
    {
        // Zero variance: x − mean is exactly 0, so y = β (eps keeps 1/sqrt finite).
        float[] x = { 3.25f, 3.25f, 3.25f, 3.25f, 3.25f, 3.25f, 3.25f, 3.25f, 3.25f, 3.25f, 3.25f, 3.25f, 3.25f, 3.25f, 3.25f, 3.25f, 3.25f };
        float[] gamma = new float[17], beta = new float[17];
        for (int i = 0; i < 17; i++) { gamma[i] = 1f + i; beta[i] = 0.5f * i - 2f; }
        var y = new float[17];
        LayerNorm.Forward(x, gamma, beta, y, 1, 17, Eps);
        Assert.Equal(beta, y);
    }

    public enum Aliasing { None, YIsX, YIsResidual }

    public static TheoryData<int, Aliasing> ResidualCases()
    {
        var data = new TheoryData<int, Aliasing>();
        foreach (int width in KernelTestData.Lengths)
            foreach (Aliasing aliasing in Enum.GetValues<Aliasing>())
                data.Add(width, aliasing);
        return data;
    }

    [Theory]
    [MemberData(nameof(ResidualCases))]
    public void ForwardWithResidualMatchesFloat64(int width, Aliasing aliasing)
    {
        var random = new Random(10 * width + (int)aliasing);
        const int rows = 4;
        float[] x = KernelTestData.Normal(random, rows * width, 1.5f, 0.3f);
        float[] residual = KernelTestData.Normal(random, rows * width, 0.7f, -0.2f);
        float[] gamma = KernelTestData.Normal(random, width, 0.2f, 1f), beta = KernelTestData.Normal(random, width, 0.1f);

        // The reference normalises the float sum x + residual, as the kernel does.
        var sum = new float[rows * width];
        for (int i = 0; i < sum.Length; i++) sum[i] = x[i] + residual[i];
        var (expected, tolerance) = Reference(sum, gamma, beta, rows, width, Eps);
        var plain = new float[rows * width];
        LayerNorm.ForwardScalar(sum, gamma, beta, plain, rows, width, Eps);
        AssertClose(expected, tolerance, plain, "ForwardScalar of x + residual");

        float[] y;
        switch (aliasing)
        {
            case Aliasing.YIsX:
                y = x;
                LayerNorm.ForwardWithResidual(x, residual, gamma, beta, x, rows, width, Eps);
                break;
            case Aliasing.YIsResidual:
                y = residual;
                LayerNorm.ForwardWithResidual(x, residual, gamma, beta, residual, rows, width, Eps);
                break;
            default:
                y = new float[rows * width];
                float[] xCopy = (float[])x.Clone(), residualCopy = (float[])residual.Clone();
                LayerNorm.ForwardWithResidual(x, residual, gamma, beta, y, rows, width, Eps);
                Assert.Equal(xCopy, x);
                Assert.Equal(residualCopy, residual);
                break;
        }
        AssertClose(expected, tolerance, y, $"ForwardWithResidual ({aliasing})");
    }

    /// <summary>
    /// The pooled residual LayerNorm gives one thread's bits, with rows enough for a row split (300 rows: two, three and
    /// four threads) and too few (100 rows, which runs on the caller), into a separate output and in place.
    /// </summary>
    [Theory]
    [InlineData(300)]
    [InlineData(100)]
    public void PooledResidualEqualsOneThread(int rows)
    {
        const int width = 96;
        var random = new Random(5);
        float[] x = new float[rows * width], residual = new float[rows * width], gamma = new float[width], beta = new float[width];
        foreach (float[] a in new[] { x, residual, gamma, beta })
            for (int i = 0; i < a.Length; i++) a[i] = (float)(random.NextDouble() * 4 - 2);
        var single = new float[rows * width];
        LayerNorm.ForwardWithResidual(x, residual, gamma, beta, single, rows, width, 1e-12f);
        foreach (int threads in new[] { 2, 3, 4 })
        {
            using var pool = new AlbertAot.Runtime.ComputePool(threads);
            var y = new float[rows * width];
            LayerNorm.ForwardWithResidual(x, residual, gamma, beta, y, rows, width, 1e-12f, pool);
            GemmTests.AssertBitEqual(single, y, $"{threads} threads");
            float[] inPlace = (float[])x.Clone();
            LayerNorm.ForwardWithResidual(inPlace, residual, gamma, beta, inPlace, rows, width, 1e-12f, pool);
            GemmTests.AssertBitEqual(single, inPlace, $"{threads} threads, in place");
        }
        Assert.Throws<ArgumentOutOfRangeException>(() =>
        {
            using var pool = new AlbertAot.Runtime.ComputePool(2);
            LayerNorm.ForwardWithResidual(x, residual, gamma, beta, new float[rows * width - 1], rows, width, 1e-12f, pool);
        });
    }
}
