using System.Linq;
using System;
using AlbertAot.Kernels;
using Xunit;

namespace AlbertAot.Tests.Kernels;

/// <summary>
/// Softmax.Row against a float64 softmax (max subtracted, as PyTorch). Tolerance per element: 1e-5 of the value
/// plus 1e-7 absolute, and the row sums to 1 within 1e-5.
/// </summary>
public class SoftmaxTests
{
    public static TheoryData<int> Lengths() => KernelTestData.LengthData();

    private static double[] Reference(float[] x)
    {
        double max = double.NegativeInfinity;
        foreach (float v in x) max = Math.Max(max, v);
        var p = new double[x.Length];
        double sum = 0;
        for (int i = 0; i < x.Length; i++) sum += p[i] = Math.Exp(x[i] - max);
        for (int i = 0; i < x.Length; i++) p[i] /= sum;
        return p;
    }

    private static void AssertMatches(float[] input, float[] actual)
    {
        double[] expected = Reference(input);
        double total = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            Assert.False(float.IsNaN(actual[i]), $"NaN at {i}.");
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5 * expected[i] + 1e-7,
                $"at {i} of {actual.Length}: got {actual[i]:R}, float64 {expected[i]:R}.");
            total += actual[i];
        }
        Assert.True(Math.Abs(total - 1) <= 1e-5, $"row sums to {total:R}.");
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void RowMatchesFloat64(int n)
    {
        var random = new Random(n);
        float[] input = KernelTestData.Normal(random, n, 3f, 1f);
        float[] p = (float[])input.Clone();
        Softmax.Row(p);
        AssertMatches(input, p);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void FullyMaskedRowIsUniform(int n)
    {
        // HF's additive mask is float32 min, not −∞: a row whose every key is masked holds float.MinValue plus
        // scores that are far below its ulp (2e31), so every value rounds to float.MinValue and the row is uniform.
        var random = new Random(100 + n);
        var p = new float[n];
        for (int i = 0; i < n; i++) p[i] = float.MinValue + (float)(random.NextDouble() * 20 - 10);
        Softmax.Row(p);
        for (int i = 0; i < n; i++)
        {
            Assert.False(float.IsNaN(p[i]), $"NaN at {i}.");
            Assert.True(Math.Abs(p[i] - 1.0 / n) <= 1e-6 / n, $"at {i}: {p[i]:R}, uniform is {1.0 / n:R}.");
        }
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void PartlyMaskedRowIgnoresTheMaskedValues(int n)
    {
        var random = new Random(200 + n);
        float[] input = KernelTestData.Normal(random, n, 2f);
        for (int i = 1; i < n; i += 3) input[i] += float.MinValue;
        float[] p = (float[])input.Clone();
        Softmax.Row(p);
        AssertMatches(input, p);
        for (int i = 1; i < n; i += 3) Assert.Equal(0f, p[i]);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void OneHugeValueTakesEverything(int n)
    {
        var random = new Random(300 + n);
        foreach (float huge in new[] { 1e30f, float.MaxValue })
        {
            float[] p = KernelTestData.Normal(random, n, 5f);
            int at = random.Next(n);
            p[at] = huge;
            if (n > 1) p[(at + 1) % n] = float.MinValue; // MinValue − MaxValue = −∞, exp(−∞) = 0: still no NaN
            Softmax.Row(p);
            for (int i = 0; i < n; i++)
                Assert.Equal(i == at ? 1f : 0f, p[i]);
        }
    }

    [Fact]
    public void FlushingVariantEqualsRowExceptForSubnormalProbabilities()
    {
        var random = new Random(7);
        for (int length = 1; length < 70; length += 3)
        {
            var scores = new float[length];
            for (int i = 0; i < length; i++) scores[i] = (float)(random.NextDouble() * 8 - 4);
            float[] plain = (float[])scores.Clone(), flushed = (float[])scores.Clone();
            Softmax.Row(plain);
            Softmax.RowFlushingSubnormals(flushed);
            Assert.Equal(plain, flushed); // no subnormals in a row of moderate scores: bit for bit the same
        }

        // Scores 90-100 below the maximum: exp gives subnormals, which the flushing variant sets to 0.
        var wide = new float[40];
        for (int i = 0; i < wide.Length; i++) wide[i] = i == 0 ? 0f : -90f - i % 10;
        float[] a = (float[])wide.Clone(), b = (float[])wide.Clone();
        Softmax.Row(a);
        Softmax.RowFlushingSubnormals(b);
        Assert.Contains(a, v => v > 0 && v < 1.17549435E-38f);
        Assert.All(b, v => Assert.True(v == 0f || v >= 1.17549435E-38f, $"{v} is subnormal"));
        Assert.Equal(a[0], b[0]);
        for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) < 1.2e-38f);
    }

    [Fact]
    public void FlushSubnormalsZeroesOnlySubnormals()
    {
        float[] x = [1e-39f, -1e-39f, 1.17549435E-38f, -2e-38f, 0f, 1f, float.Epsilon, -float.Epsilon, 3e-38f, 1e-45f, 5e-40f, 2f, 7e-39f, 1e-37f, -1e-37f, 4e-39f, 1e-20f];
        float[] expected = x.Select(v => MathF.Abs(v) < 1.17549435E-38f ? 0f : v).ToArray();
        Softmax.FlushSubnormals(x);
        Assert.Equal(expected, x);
    }
}
