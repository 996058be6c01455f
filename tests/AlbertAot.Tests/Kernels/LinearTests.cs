using System;
using AlbertAot.Kernels;
using Xunit;

namespace AlbertAot.Tests.Kernels;

/// <summary>
/// Linear.Forward against Linear.ForwardScalar and a float64 triple loop, W in PyTorch's [out, in] layout.
/// Tolerance per output: 1e-5 of Σₖ|x·w| + |b|.
/// </summary>
public class LinearTests
{
    private const double RelativeTolerance = 1e-5;

    public static TheoryData<int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int>();
        foreach (int inFeatures in KernelTestData.Lengths)
        {
            data.Add(1, inFeatures, 5);
            data.Add(3, inFeatures, 17);
        }
        data.Add(8, 128, 768);   // ALBERT's embedding projection, E → H
        data.Add(2, 768, 64);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void FastPathMatchesScalarAndFloat64(int rows, int inFeatures, int outFeatures)
    {
        var random = new Random(rows * 10007 + inFeatures * 31 + outFeatures);
        float[] x = KernelTestData.Normal(random, rows * inFeatures);
        float[] w = KernelTestData.Normal(random, outFeatures * inFeatures, 0.05f);
        float[] b = KernelTestData.Normal(random, outFeatures, 0.1f);
        var fast = new float[rows * outFeatures];
        var plain = new float[rows * outFeatures];
        Linear.Forward(x, w, b, fast, rows, inFeatures, outFeatures);
        Linear.ForwardScalar(x, w, b, plain, rows, inFeatures, outFeatures);

        for (int r = 0; r < rows; r++)
            for (int o = 0; o < outFeatures; o++)
            {
                double exact = b[o], magnitude = Math.Abs(b[o]);
                for (int k = 0; k < inFeatures; k++)
                {
                    double term = (double)x[r * inFeatures + k] * w[o * inFeatures + k];
                    exact += term;
                    magnitude += Math.Abs(term);
                }
                double tolerance = RelativeTolerance * magnitude;
                int at = r * outFeatures + o;
                Assert.True(Math.Abs(fast[at] - exact) <= tolerance, $"[{r}, {o}]: Forward {fast[at]:R}, float64 {exact:R}.");
                Assert.True(Math.Abs(plain[at] - exact) <= tolerance, $"[{r}, {o}]: ForwardScalar {plain[at]:R}, float64 {exact:R}.");
            }
    }

    [Fact]
    public void WritesOnlyItsRowsWhenYIsLonger()
    {
        float[] x = { 1, 2, 3, 4 }; // 2 rows of 2
        float[] w = { 1, 0, 0, 1, 1, 1 }; // 3 outputs
        float[] b = { 0.5f, -0.5f, 0 };
        var y = new float[8];
        y[6] = y[7] = 42f;
        Linear.Forward(x, w, b, y, 2, 2, 3);
        Assert.Equal(new float[] { 1.5f, 1.5f, 3f, 3.5f, 3.5f, 7f, 42f, 42f }, y);
    }

    [Fact]
    public void WrongShapesThrow()
    {
        Assert.Throws<ArgumentException>(() => Linear.Forward(new float[4], new float[5], new float[3], new float[6], 2, 2, 3));
        Assert.Throws<ArgumentException>(() => Linear.Forward(new float[4], new float[6], new float[2], new float[6], 2, 2, 3));
        Assert.Throws<ArgumentException>(() => Linear.Forward(new float[3], new float[6], new float[3], new float[6], 2, 2, 3));
        Assert.Throws<ArgumentException>(() => Linear.Forward(new float[4], new float[6], new float[3], new float[5], 2, 2, 3));
    }
}
