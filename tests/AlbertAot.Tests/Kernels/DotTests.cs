using System;
using AlbertAot.Kernels;
using Xunit;

namespace AlbertAot.Tests.Kernels;

/// <summary>
/// Dot.Compute (Vector512/256/128 and the scalar tail) against Dot.Scalar and a float64 sum. Tolerance: 1e-5 of
/// Σ|aᵢ·bᵢ| (the size of the terms, not of a sum that may cancel to nearly nothing).
/// </summary>
public class DotTests
{
    private const double RelativeTolerance = 1e-5;

    public static TheoryData<int> Lengths() => KernelTestData.LengthData();

    [Theory]
    [MemberData(nameof(Lengths))]
    public void VectorPathMatchesScalarAndFloat64(int n)
    {
        var random = new Random(n);
        for (int trial = 0; trial < 4; trial++)
        {
            float offset = trial == 3 ? 2f : 0f; // trial 3: all terms positive, no cancellation
            float[] a = KernelTestData.Normal(random, n, 1f, offset), b = KernelTestData.Normal(random, n, 3f, offset);
            double exact = 0, magnitude = 0;
            for (int i = 0; i < n; i++)
            {
                exact += (double)a[i] * b[i];
                magnitude += Math.Abs((double)a[i] * b[i]);
            }
            float fast = Dot.Compute(a, b), plain = Dot.Scalar(a, b);
            double tolerance = RelativeTolerance * magnitude;
            Assert.True(Math.Abs(fast - exact) <= tolerance, $"n {n}: Dot.Compute {fast:R}, float64 {exact:R}, Σ|ab| {magnitude:R}.");
            Assert.True(Math.Abs(plain - exact) <= tolerance, $"n {n}: Dot.Scalar {plain:R}, float64 {exact:R}.");
            Assert.True(Math.Abs(fast - plain) <= 2 * tolerance, $"n {n}: Dot.Compute {fast:R}, Dot.Scalar {plain:R}.");
        }
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void ReadsOnlyItsOwnElementsAtAnyOffset(int n)
    {
        // A slice in the middle of a larger buffer surrounded by NaN: an over-read would poison the result.
        var random = new Random(500 + n);
        for (int start = 0; start < 3; start++)
        {
            var a = new float[n + 6];
            var b = new float[n + 6];
            Array.Fill(a, float.NaN);
            Array.Fill(b, float.NaN);
            float[] av = KernelTestData.Uniform(random, n, -1f, 1f), bv = KernelTestData.Uniform(random, n, -1f, 1f);
            av.CopyTo(a, 3 + start - 1);
            bv.CopyTo(b, 3);
            float sliced = Dot.Compute(a.AsSpan(3 + start - 1, n), b.AsSpan(3, n));
            Assert.False(float.IsNaN(sliced));
            Assert.True(Math.Abs(sliced - Dot.Scalar(av, bv)) <= 2 * RelativeTolerance * n, $"n {n}, start {start}.");
        }
    }

    [Fact]
    public void EmptyIsZeroAndMismatchedLengthsThrow()
    {
        Assert.Equal(0f, Dot.Compute(ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty));
        Assert.Throws<ArgumentException>(() => Dot.Compute(new float[3], new float[4]));
    }
}
