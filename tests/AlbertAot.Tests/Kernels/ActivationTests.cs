using System;
using System.Runtime.Intrinsics;
using AlbertAot.Kernels;
using Xunit;
using Xunit.Abstractions;

namespace AlbertAot.Tests.Kernels;

/// <summary>
/// Every <see cref="AlbertActivation"/> through <see cref="Activations.Apply"/> against a float64 formula, the
/// vectorised ones also against their plain <c>...Scalar</c> references and width by width on a dense grid, and
/// the non-finite inputs. Tolerance: 2e-6 absolute for the vectorised activations over [-12, 12] (the target);
/// 2e-6 + 2⁻²³·|y| for the others, whose float result alone rounds by up to half an ulp (relu² of 12 is 144).
/// </summary>
public class ActivationTests
{
    private const double AbsoluteTolerance = 2e-6;
    private readonly ITestOutputHelper _output;

    public ActivationTests(ITestOutputHelper output) => _output = output;

    /// <summary>The activations with explicit vector paths, by name.</summary>
    public enum Vectorised { Gelu, GeluTanh, QuickGelu, Silu, Laplace }

    public static TheoryData<AlbertActivation, int> EveryActivationAndLength()
    {
        var data = new TheoryData<AlbertActivation, int>();
        foreach (AlbertActivation activation in Enum.GetValues<AlbertActivation>())
            foreach (int n in KernelTestData.Lengths)
                data.Add(activation, n);
        return data;
    }

    public static TheoryData<Vectorised, int> VectorisedAndLength()
    {
        var data = new TheoryData<Vectorised, int>();
        foreach (Vectorised op in Enum.GetValues<Vectorised>())
            foreach (int n in KernelTestData.Lengths)
                data.Add(op, n);
        return data;
    }

    public static TheoryData<Vectorised> EveryVectorised()
    {
        var data = new TheoryData<Vectorised>();
        foreach (Vectorised op in Enum.GetValues<Vectorised>()) data.Add(op);
        return data;
    }

    /// <summary>The float64 formulas, as HF's ACT2FN defines them.</summary>
    internal static double Reference(AlbertActivation activation, double x)
    {
        const double k = 0.79788456080286535588; // √(2/π)
        switch (activation)
        {
            case AlbertActivation.Gelu: return x * KernelTestData.NormalCdf(x);
            case AlbertActivation.GeluTanh: return 0.5 * x * (1.0 + Math.Tanh(k * (x + 0.044715 * x * x * x)));
            case AlbertActivation.GeluClipped10: return Math.Clamp(x * KernelTestData.NormalCdf(x), -10.0, 10.0);
            case AlbertActivation.QuickGelu: return x / (1.0 + Math.Exp(-1.702 * x));
            case AlbertActivation.Relu: return Math.Max(x, 0.0);
            case AlbertActivation.Relu6: return Math.Clamp(x, 0.0, 6.0);
            case AlbertActivation.ReluSquared: return x > 0 ? x * x : 0.0;
            case AlbertActivation.LeakyRelu: return x >= 0 ? x : 0.01 * x;
            case AlbertActivation.Silu: return x / (1.0 + Math.Exp(-x));
            case AlbertActivation.Mish: return x * Math.Tanh(x > 20 ? x : Math.Log(1.0 + Math.Exp(x)));
            case AlbertActivation.Tanh: return Math.Tanh(x);
            case AlbertActivation.Sigmoid: return 1.0 / (1.0 + Math.Exp(-x));
            case AlbertActivation.Laplace: return KernelTestData.NormalCdf((x - 0.707107) / 0.282095);
            case AlbertActivation.Identity: return x;
            default: throw new ArgumentOutOfRangeException(nameof(activation));
        }
    }

    private static AlbertActivation ToActivation(Vectorised op) => op switch
    {
        Vectorised.Gelu => AlbertActivation.Gelu,
        Vectorised.GeluTanh => AlbertActivation.GeluTanh,
        Vectorised.QuickGelu => AlbertActivation.QuickGelu,
        Vectorised.Silu => AlbertActivation.Silu,
        _ => AlbertActivation.Laplace,
    };

    private static bool IsVectorised(AlbertActivation activation) => activation is AlbertActivation.Gelu or
        AlbertActivation.GeluTanh or AlbertActivation.GeluClipped10 or AlbertActivation.QuickGelu or
        AlbertActivation.Silu or AlbertActivation.Laplace;

    private static double Tolerance(AlbertActivation activation, double reference) =>
        IsVectorised(activation) ? AbsoluteTolerance : AbsoluteTolerance + Math.Abs(reference) * Math.Pow(2, -23);

    private static void Fast(Vectorised op, Span<float> x)
    {
        switch (op)
        {
            case Vectorised.Gelu: Activations.Gelu(x); break;
            case Vectorised.GeluTanh: Activations.GeluTanh(x); break;
            case Vectorised.QuickGelu: Activations.QuickGelu(x); break;
            case Vectorised.Silu: Activations.Silu(x); break;
            default: Activations.Laplace(x); break;
        }
    }

    private static void Plain(Vectorised op, Span<float> x)
    {
        switch (op)
        {
            case Vectorised.Gelu: Activations.GeluScalar(x); break;
            case Vectorised.GeluTanh: Activations.GeluTanhScalar(x); break;
            case Vectorised.QuickGelu: Activations.QuickGeluScalar(x); break;
            case Vectorised.Silu: Activations.SiluScalar(x); break;
            default: Activations.LaplaceScalar(x); break;
        }
    }

    [Theory]
    [MemberData(nameof(EveryActivationAndLength))]
    public void ApplyMatchesTheFloat64Formula(AlbertActivation activation, int n)
    {
        var random = new Random(1000 * (int)activation + n);
        float[] input = KernelTestData.Uniform(random, n, -12f, 12f);
        float[] y = (float[])input.Clone();
        Activations.Apply(activation, y);
        for (int i = 0; i < n; i++)
        {
            double expected = Reference(activation, input[i]);
            Assert.True(Math.Abs(y[i] - expected) <= Tolerance(activation, expected),
                $"{activation}({input[i]:R}) at {i} of {n}: got {y[i]:R}, float64 {expected:R}, error {Math.Abs(y[i] - expected):E3}.");
        }
    }

    [Theory]
    [MemberData(nameof(VectorisedAndLength))]
    public void VectorPathMatchesThePlainReference(Vectorised op, int n)
    {
        var random = new Random(77 * (int)op + n);
        float[] fast = KernelTestData.Uniform(random, n, -12f, 12f);
        float[] plain = (float[])fast.Clone();
        Fast(op, fast);
        Plain(op, plain);
        for (int i = 0; i < n; i++)
            Assert.True(Math.Abs(fast[i] - plain[i]) <= AbsoluteTolerance,
                $"{op} at {i} of {n}: vector path {fast[i]:R}, plain reference {plain[i]:R}.");
    }

    /// <summary>
    /// The max abs error against float64 over [-12, 12] in steps of 2⁻¹² (98,305 points), for the whole driver and for
    /// each form of the operator on its own (scalar, and every vector width this CPU accelerates).
    /// </summary>
    [Theory]
    [MemberData(nameof(EveryVectorised))]
    public void MaxErrorOnADenseGridIsWithinTolerance(Vectorised op)
    {
        const int steps = 12 * 4096;
        var x = new float[2 * steps + 1];
        for (int i = 0; i < x.Length; i++) x[i] = (i - steps) / 4096f;
        AlbertActivation activation = ToActivation(op);

        float[] y = (float[])x.Clone();
        Fast(op, y);
        Report("driver", y);
        Report("scalar", ScalarForm(op, x));
        if (Vector128.IsHardwareAccelerated) Report("Vector128", ByWidth(op, x, 4));
        if (Vector256.IsHardwareAccelerated) Report("Vector256", ByWidth(op, x, 8));
        if (Vector512.IsHardwareAccelerated) Report("Vector512", ByWidth(op, x, 16));

        void Report(string form, float[] result)
        {
            double max = 0;
            float at = 0;
            for (int i = 0; i < x.Length; i++)
            {
                double error = Math.Abs(result[i] - Reference(activation, x[i]));
                if (error > max) { max = error; at = x[i]; }
            }
            _output.WriteLine($"{op} {form}: max abs error vs float64 {max:E3} at x = {at:R}");
            Assert.True(max <= AbsoluteTolerance, $"{op} {form}: max abs error {max:E3} at x = {at:R}.");
        }
    }

    private static float[] ScalarForm(Vectorised op, float[] x)
    {
        var y = new float[x.Length];
        for (int i = 0; i < x.Length; i++)
            y[i] = op switch
            {
                Vectorised.Gelu => ActivationOperators.GeluOperator.Invoke(x[i]),
                Vectorised.GeluTanh => ActivationOperators.GeluTanhOperator.Invoke(x[i]),
                Vectorised.QuickGelu => ActivationOperators.QuickGeluOperator.Invoke(x[i]),
                Vectorised.Silu => ActivationOperators.SiluOperator.Invoke(x[i]),
                _ => ActivationOperators.LaplaceOperator.Invoke(x[i]),
            };
        return y;
    }

    /// <summary>One vector form over all of <paramref name="x"/> (padded with zeros to a whole number of vectors).</summary>
    private static float[] ByWidth(Vectorised op, float[] x, int width)
    {
        var padded = new float[(x.Length + width - 1) / width * width];
        x.CopyTo(padded, 0);
        for (int i = 0; i < padded.Length; i += width)
        {
            switch (width)
            {
                case 4: Apply128(op, Vector128.Create(padded.AsSpan(i, 4))).CopyTo(padded.AsSpan(i, 4)); break;
                case 8: Apply256(op, Vector256.Create(padded.AsSpan(i, 8))).CopyTo(padded.AsSpan(i, 8)); break;
                default: Apply512(op, Vector512.Create(padded.AsSpan(i, 16))).CopyTo(padded.AsSpan(i, 16)); break;
            }
        }
        return padded.AsSpan(0, x.Length).ToArray();
    }

    private static Vector128<float> Apply128(Vectorised op, Vector128<float> v) => op switch
    {
        Vectorised.Gelu => ActivationOperators.GeluOperator.Invoke(v),
        Vectorised.GeluTanh => ActivationOperators.GeluTanhOperator.Invoke(v),
        Vectorised.QuickGelu => ActivationOperators.QuickGeluOperator.Invoke(v),
        Vectorised.Silu => ActivationOperators.SiluOperator.Invoke(v),
        _ => ActivationOperators.LaplaceOperator.Invoke(v),
    };

    private static Vector256<float> Apply256(Vectorised op, Vector256<float> v) => op switch
    {
        Vectorised.Gelu => ActivationOperators.GeluOperator.Invoke(v),
        Vectorised.GeluTanh => ActivationOperators.GeluTanhOperator.Invoke(v),
        Vectorised.QuickGelu => ActivationOperators.QuickGeluOperator.Invoke(v),
        Vectorised.Silu => ActivationOperators.SiluOperator.Invoke(v),
        _ => ActivationOperators.LaplaceOperator.Invoke(v),
    };

    private static Vector512<float> Apply512(Vectorised op, Vector512<float> v) => op switch
    {
        Vectorised.Gelu => ActivationOperators.GeluOperator.Invoke(v),
        Vectorised.GeluTanh => ActivationOperators.GeluTanhOperator.Invoke(v),
        Vectorised.QuickGelu => ActivationOperators.QuickGeluOperator.Invoke(v),
        Vectorised.Silu => ActivationOperators.SiluOperator.Invoke(v),
        _ => ActivationOperators.LaplaceOperator.Invoke(v),
    };

    private static readonly float[] Specials =
    {
        float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, float.MaxValue, float.MinValue,
        1e20f, -1e20f, 2e19f, -2e19f, 1e10f, -1e10f, 150f, -150f, 104f, -104f, 88.8f, -88.8f, 60f, -60f, 20f, -20f,
        12.5f, -12.5f, 1e-30f, -1e-30f, float.Epsilon, -float.Epsilon, 1.17549435e-38f,
    };

    /// <summary>
    /// NaN, ±∞, ±0, subnormals and huge magnitudes, at every position of every length (so in every vector lane and
    /// in the scalar tail): the vector path gives what the plain reference gives (both NaN, the same infinity, or
    /// within 2e-6 + 2⁻²³·|y|), plus the documented limits.
    /// </summary>
    [Theory]
    [MemberData(nameof(EveryVectorised))]
    public void NonFiniteAndHugeInputsFollowTheScalarFormula(Vectorised op)
    {
        foreach (int n in KernelTestData.Lengths)
        {
            if (n > 100) continue;
            for (int shift = 0; shift < Specials.Length; shift++)
            {
                var input = new float[n];
                for (int i = 0; i < n; i++) input[i] = Specials[(i + shift) % Specials.Length];
                float[] fast = (float[])input.Clone(), plain = (float[])input.Clone();
                Fast(op, fast);
                Plain(op, plain);
                for (int i = 0; i < n; i++)
                {
                    bool same = KernelTestData.SameOrBothNaN(fast[i], plain[i]) ||
                                (float.IsFinite(fast[i]) && float.IsFinite(plain[i]) &&
                                 Math.Abs(fast[i] - plain[i]) <= AbsoluteTolerance + Math.Abs(plain[i]) * Math.Pow(2, -23));
                    Assert.True(same, $"{op}({input[i]:R}) at {i} of {n}: vector path {fast[i]:R}, plain reference {plain[i]:R}.");
                }
            }
        }

        float[] limits = { float.NaN, float.PositiveInfinity, float.NegativeInfinity, -1e20f, 1e20f };
        Fast(op, limits);
        Assert.True(float.IsNaN(limits[0]));
        if (op == Vectorised.Laplace)
        {
            Assert.Equal(1f, limits[1]);
            Assert.Equal(0f, limits[2]);
            Assert.Equal(0f, limits[3]);
            Assert.Equal(1f, limits[4]);
        }
        else
        {
            Assert.Equal(float.PositiveInfinity, limits[1]);
            Assert.True(float.IsNaN(limits[2]), $"{op}(−∞) should be NaN (−∞·0), got {limits[2]:R}.");
            Assert.Equal(0f, limits[3]); // −0 == 0
            Assert.Equal(1e20f, limits[4]);
        }
    }

    /// <summary>
    /// The erf under gelu and laplace: erfc(|x|/√2) = 2·HalfErfc(x) = 1 − erf(|x|/√2), within 1.2e-7 absolute of
    /// float64 over x in [0, 20] in steps of 2⁻¹⁰ (about 1.5 float ulps of 1), in the scalar form and in every vector
    /// width this CPU accelerates. (The limits, HalfErfc(±∞) = 0 and NaN → NaN, are covered through gelu above.)
    /// </summary>
    [Fact]
    public void ErfIsWithin1e7AbsoluteOnEveryPath()
    {
        const double tolerance = 1.2e-7;
        var x = new float[20 * 1024 + 16];
        for (int i = 0; i < x.Length; i++) x[i] = i / 1024f;
        var paths = new System.Collections.Generic.List<(string Name, float[] Erfc)>();
        paths.Add(("scalar", Array.ConvertAll(x, v => 2f * ActivationOperators.HalfErfc(v))));
        if (Vector128.IsHardwareAccelerated) paths.Add(("Vector128", HalfErfcByWidth(x, 4)));
        if (Vector256.IsHardwareAccelerated) paths.Add(("Vector256", HalfErfcByWidth(x, 8)));
        if (Vector512.IsHardwareAccelerated) paths.Add(("Vector512", HalfErfcByWidth(x, 16)));
        foreach (var (name, erfc) in paths)
        {
            double max = 0;
            float at = 0;
            for (int i = 0; i < x.Length; i++)
            {
                double error = Math.Abs(erfc[i] - KernelTestData.Erfc(x[i] / Math.Sqrt(2.0)));
                if (error > max) { max = error; at = x[i]; }
            }
            _output.WriteLine($"erf {name}: max abs error vs float64 {max:E3} at x = {at:R} (z = x/√2)");
            Assert.True(max <= tolerance, $"erf {name}: max abs error {max:E3} at x = {at:R}.");
        }
    }

    private static float[] HalfErfcByWidth(float[] x, int width)
    {
        var erfc = new float[x.Length];
        for (int i = 0; i + width <= x.Length; i += width)
            switch (width)
            {
                case 4: (2f * ActivationOperators.HalfErfc(Vector128.Create(x.AsSpan(i, 4)))).CopyTo(erfc.AsSpan(i, 4)); break;
                case 8: (2f * ActivationOperators.HalfErfc(Vector256.Create(x.AsSpan(i, 8)))).CopyTo(erfc.AsSpan(i, 8)); break;
                default: (2f * ActivationOperators.HalfErfc(Vector512.Create(x.AsSpan(i, 16)))).CopyTo(erfc.AsSpan(i, 16)); break;
            }
        return erfc;
    }

    [Fact]
    public void TheTestsOwnErfIsAccurate()
    {
        // Values from mpmath at 25 digits.
        Assert.Equal(0.5204998778130465377, KernelTestData.Erf(0.5), 15);
        Assert.Equal(0.9953222650189527342, KernelTestData.Erf(2.0), 15);
        Assert.True(Math.Abs(KernelTestData.Erfc(3.0) / 2.209049699858544137e-5 - 1) < 1e-13);
        Assert.True(Math.Abs(KernelTestData.Erfc(5.0) / 1.537459794428034850e-12 - 1) < 1e-13);
        Assert.True(Math.Abs(KernelTestData.Erfc(10.0) / 2.088487583762544757e-45 - 1) < 1e-13);
        Assert.Equal(1.999977909503001415, KernelTestData.Erfc(-3.0), 15);
    }
}
