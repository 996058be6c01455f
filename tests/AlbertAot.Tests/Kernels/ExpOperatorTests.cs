using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.Intrinsics;
using AlbertAot.Kernels;
using Xunit;
using Xunit.Abstractions;

namespace AlbertAot.Tests.Kernels;

/// <summary>
/// <see cref="ExpOperator"/>, the float exponential under the activations and the softmax, in its scalar form and in
/// every vector width this CPU accelerates, against float64's Math.Exp: within 1.2e-7 relative (about one ulp; measured 8.0e-8 on the AVX2 machine) wherever
/// exp(x) is a normal float, within one subnormal step (2⁻¹⁴⁹) below that, and the limits (0, +∞, NaN) exactly.
/// </summary>
public class ExpOperatorTests
{
    private const double RelativeTolerance = 1.2e-7;
    private const double SubnormalStep = 1.401298464324817e-45; // 2⁻¹⁴⁹
    private readonly ITestOutputHelper _output;

    public ExpOperatorTests(ITestOutputHelper output) => _output = output;

    /// <summary>The forms this CPU runs: the scalar one and each accelerated vector width, element by element.</summary>
    private static IEnumerable<(string Name, Func<float[], float[]> Exp)> Forms() =>
        FlushingForms().Select(form => (form.Name, form.Exp));

    /// <summary>Each form's plain exponential beside its flushing one (<see cref="ExpOperator.InvokeFlushing(float)"/>).</summary>
    private static IEnumerable<(string Name, Func<float[], float[]> Exp, Func<float[], float[]> Flushing)> FlushingForms()
    {
        yield return ("scalar", x => Array.ConvertAll(x, ExpOperator.Invoke), x => Array.ConvertAll(x, ExpOperator.InvokeFlushing));
        if (Vector128.IsHardwareAccelerated) yield return ("Vector128", x => ByWidth(x, 4), x => ByWidth(x, 4, flushing: true));
        if (Vector256.IsHardwareAccelerated) yield return ("Vector256", x => ByWidth(x, 8), x => ByWidth(x, 8, flushing: true));
        if (Vector512.IsHardwareAccelerated) yield return ("Vector512", x => ByWidth(x, 16), x => ByWidth(x, 16, flushing: true));
    }

    private static float[] ByWidth(float[] x, int width, bool flushing = false)
    {
        var y = new float[x.Length];
        for (int i = 0; i < x.Length; i += width)
        {
            var lanes = new float[width];
            Array.Copy(x, i, lanes, 0, Math.Min(width, x.Length - i));
            float[] result = width switch
            {
                4 => Vector128Result(flushing ? ExpOperator.InvokeFlushing(Vector128.Create(lanes)) : ExpOperator.Invoke(Vector128.Create(lanes))),
                8 => Vector256Result(flushing ? ExpOperator.InvokeFlushing(Vector256.Create(lanes)) : ExpOperator.Invoke(Vector256.Create(lanes))),
                _ => Vector512Result(flushing ? ExpOperator.InvokeFlushing(Vector512.Create(lanes)) : ExpOperator.Invoke(Vector512.Create(lanes))),
            };
            Array.Copy(result, 0, y, i, Math.Min(width, x.Length - i));
        }
        return y;
    }

    private static float[] Vector128Result(Vector128<float> v) { var a = new float[4]; v.CopyTo(a); return a; }
    private static float[] Vector256Result(Vector256<float> v) { var a = new float[8]; v.CopyTo(a); return a; }
    private static float[] Vector512Result(Vector512<float> v) { var a = new float[16]; v.CopyTo(a); return a; }

    /// <summary>x from −110 to 92 in steps of 2⁻¹⁰, plus every float in [−1, 1] at steps of 2⁻²⁰ (where r is small).</summary>
    private static float[] Grid()
    {
        var x = new List<float>();
        for (int i = -110 * 1024; i <= 92 * 1024; i++) x.Add(i / 1024f);
        for (int i = -(1 << 20); i <= 1 << 20; i += 7) x.Add(i / (float)(1 << 20));
        return x.ToArray();
    }

    [Fact]
    public void EveryFormIsWithinAnUlpOfFloat64()
    {
        float[] x = Grid();
        foreach (var (name, exp) in Forms())
        {
            float[] y = exp(x);
            double maxRelative = 0, maxSubnormal = 0;
            float at = 0;
            for (int i = 0; i < x.Length; i++)
            {
                double expected = Math.Exp(x[i]);
                if (expected > float.MaxValue * (1 + 2e-7))
                {
                    Assert.True(float.IsPositiveInfinity(y[i]), $"{name}: exp({x[i]:R}) = {expected:R} overflows float, got {y[i]:R}.");
                    continue;
                }
                Assert.True(float.IsFinite(y[i]) && y[i] >= 0, $"{name}: exp({x[i]:R}) gave {y[i]:R}.");
                if (expected >= 1.1754943508222875e-38)
                {
                    double relative = Math.Abs(y[i] - expected) / expected;
                    if (relative > maxRelative) { maxRelative = relative; at = x[i]; }
                }
                else
                {
                    maxSubnormal = Math.Max(maxSubnormal, Math.Abs(y[i] - expected));
                }
            }
            _output.WriteLine($"{name}: max relative error {maxRelative:E3} at x = {at:R}; below the normals {maxSubnormal / SubnormalStep:F2} steps of 2^-149");
            Assert.True(maxRelative <= RelativeTolerance, $"{name}: relative error {maxRelative:E3} at x = {at:R}.");
            Assert.True(maxSubnormal <= SubnormalStep, $"{name}: subnormal results off by {maxSubnormal:E3}.");
        }
    }

    [Fact]
    public void LimitsAreExact()
    {
        float[] x = [0f, -0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 88.8f, 1e30f, -104f, -1e30f, float.MaxValue, float.MinValue, 1f];
        foreach (var (name, exp) in Forms())
        {
            float[] y = exp(x);
            Assert.Equal(1f, y[0]);
            Assert.Equal(1f, y[1]);
            Assert.True(float.IsNaN(y[2]), $"{name}: exp(NaN) = {y[2]:R}.");
            Assert.Equal(float.PositiveInfinity, y[3]);
            Assert.Equal(0f, y[4]);
            Assert.Equal(float.PositiveInfinity, y[5]);
            Assert.Equal(float.PositiveInfinity, y[6]);
            Assert.Equal(0f, y[7]);
            Assert.Equal(0f, y[8]);
            Assert.Equal(float.PositiveInfinity, y[9]);
            Assert.Equal(0f, y[10]);
            Assert.True(Math.Abs(y[11] / Math.E - 1) <= RelativeTolerance, $"{name}: exp(1) = {y[11]:R}.");
        }
    }

    /// <summary>
    /// The softmax's flushing form, over x ≤ 0 (its domain: a score minus the row's maximum): bit for bit the same form's
    /// exp wherever that is a normal float, +0 wherever it is subnormal or 0. Every x from −110 to 0 at steps of 2⁻¹⁶
    /// (the band from −88 to −87.3 where the results cross 2⁻¹²⁶ at steps of 2⁻²⁴), and the limits.
    /// </summary>
    [Fact]
    public void FlushingFormIsExpWithSubnormalsZeroed()
    {
        var grid = new List<float>();
        for (int i = -110 << 16; i <= 0; i++) grid.Add(i / 65536f);
        for (int i = -88 << 24; i <= -87 << 24; i += 3) grid.Add(i / 16777216f);
        grid.AddRange([-0f, float.NegativeInfinity, float.MinValue, -1e30f, -104f, -87.33654475f, -87.33654f, -87.3365479f]);
        float[] x = grid.ToArray();
        foreach (var (name, exp, flushing) in FlushingForms())
        {
            float[] plain = exp(x), flushed = flushing(x);
            int zeroed = 0;
            for (int i = 0; i < x.Length; i++)
            {
                float expected = plain[i] < 1.17549435E-38f ? 0f : plain[i];
                if (expected == 0f && plain[i] != 0f) zeroed++;
                Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(flushed[i]),
                    $"{name}: x = {x[i]:R}: exp {plain[i]:R}, flushing form {flushed[i]:R} (expected {expected:R}).");
            }
            Assert.True(zeroed > 1000, $"{name}: only {zeroed} subnormal results were flushed: the grid misses the band.");
            Assert.True(float.IsNaN(flushing([float.NaN])[0]), $"{name}: NaN must stay NaN.");
        }
    }
}
