using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace AlbertAot.Kernels;

/// <summary>
/// The vectorised activations, TensorPrimitives-style: one struct per operation with a scalar, a Vector128, a
/// Vector256 and a Vector512 form, and one driver (<see cref="InPlace{TOperator}"/>) that walks a span with the
/// widest accelerated vectors first, then the narrower ones, then the scalar form for the last few elements.
/// </summary>
/// <remarks>
/// Polynomials use MultiplyAddEstimate (a fused multiply-add where the hardware has one, a multiply and an add
/// where it has not): never Vector*.FusedMultiplyAdd, whose software fallback is 100x slower. Exponentials use
/// Vector*.Exp (AOCL's expf, evaluated in double: about 1 ulp; 0 below −103.97, +∞ above 88.72, NaN for NaN).
/// The scalar forms mirror the vector forms in float with MathF.Exp and a plain multiply and add (MathF.FusedMultiplyAdd
/// is a software routine on a CPU without FMA), so every tier computes the same formula.
/// </remarks>
internal static class ActivationOperators
{
    internal interface IUnaryOperator
    {
        static abstract float Invoke(float x);
        static abstract Vector128<float> Invoke(Vector128<float> x);
        static abstract Vector256<float> Invoke(Vector256<float> x);
        static abstract Vector512<float> Invoke(Vector512<float> x);
    }

    /// <summary>x[i] = TOperator(x[i]) for every i, widest vectors first.</summary>
    internal static void InPlace<TOperator>(Span<float> x) where TOperator : struct, IUnaryOperator
    {
        ref float r = ref MemoryMarshal.GetReference(x);
        int n = x.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
                TOperator.Invoke(Vector512.LoadUnsafe(ref r, (nuint)i)).StoreUnsafe(ref r, (nuint)i);
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                TOperator.Invoke(Vector256.LoadUnsafe(ref r, (nuint)i)).StoreUnsafe(ref r, (nuint)i);
        if (Vector128.IsHardwareAccelerated)
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
                TOperator.Invoke(Vector128.LoadUnsafe(ref r, (nuint)i)).StoreUnsafe(ref r, (nuint)i);
        for (; i < n; i++)
            Unsafe.Add(ref r, i) = TOperator.Invoke(Unsafe.Add(ref r, i));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Φ(x), the standard normal CDF, = 0.5·erfc(−x/√2). With z = |x|/√2 and t = 2/(2 + z), Numerical Recipes'
    // Chebyshev fit erfc(z) = t·exp(−z² + P(t)) has a relative error below 1.2e-7 for every z ≥ 0, so
    //   Φ(x) = 0.5·erfc(z) for x < 0 (no cancellation: tiny values keep their relative accuracy),
    //   Φ(x) = 1 − 0.5·erfc(z) for x ≥ 0.
    // z² is computed as 0.5·x² (one rounding fewer than (x/√2)²); t = 2√2/(2√2 + |x|).
    // Limits: |x| = ∞ gives t = 0 and exp(−∞) = 0, so Φ(−∞) = 0 and Φ(+∞) = 1; x² overflowing to ∞ (|x| > 1.8e19)
    // gives the same; NaN propagates through t.
    // ---------------------------------------------------------------------------------------------------------
    private const float TwoSqrt2 = 2.8284271247461903f;
    private const float P0 = -1.26551223f, P1 = 1.00002368f, P2 = 0.37409196f, P3 = 0.09678418f, P4 = -0.18628806f,
        P5 = 0.27886807f, P6 = -1.13520398f, P7 = 1.48851587f, P8 = -0.82215223f, P9 = 0.17087277f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float NormalCdf(float x)
    {
        float ax = MathF.Abs(x);
        float t = TwoSqrt2 / (TwoSqrt2 + ax);
        float p = P9;
        p = p * t + P8; // plain multiply and add: MathF.FusedMultiplyAdd is a software routine where the CPU has no FMA
        p = p * t + P7;
        p = p * t + P6;
        p = p * t + P5;
        p = p * t + P4;
        p = p * t + P3;
        p = p * t + P2;
        p = p * t + P1;
        p = p * t + P0;
        float halfErfc = 0.5f * t * MathF.Exp(ax * ax * -0.5f + p);
        return x < 0f ? halfErfc : 1f - halfErfc;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> NormalCdf(Vector128<float> x)
    {
        Vector128<float> ax = Vector128.Abs(x);
        Vector128<float> t = Vector128.Create(TwoSqrt2) / (Vector128.Create(TwoSqrt2) + ax);
        Vector128<float> p = Vector128.Create(P9);
        p = Vector128.MultiplyAddEstimate(p, t, Vector128.Create(P8));
        p = Vector128.MultiplyAddEstimate(p, t, Vector128.Create(P7));
        p = Vector128.MultiplyAddEstimate(p, t, Vector128.Create(P6));
        p = Vector128.MultiplyAddEstimate(p, t, Vector128.Create(P5));
        p = Vector128.MultiplyAddEstimate(p, t, Vector128.Create(P4));
        p = Vector128.MultiplyAddEstimate(p, t, Vector128.Create(P3));
        p = Vector128.MultiplyAddEstimate(p, t, Vector128.Create(P2));
        p = Vector128.MultiplyAddEstimate(p, t, Vector128.Create(P1));
        p = Vector128.MultiplyAddEstimate(p, t, Vector128.Create(P0));
        Vector128<float> halfErfc = Vector128.Create(0.5f) * t * Vector128.Exp(Vector128.MultiplyAddEstimate(ax * ax, Vector128.Create(-0.5f), p));
        return Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128<float>.Zero), halfErfc, Vector128<float>.One - halfErfc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> NormalCdf(Vector256<float> x)
    {
        Vector256<float> ax = Vector256.Abs(x);
        Vector256<float> t = Vector256.Create(TwoSqrt2) / (Vector256.Create(TwoSqrt2) + ax);
        Vector256<float> p = Vector256.Create(P9);
        p = Vector256.MultiplyAddEstimate(p, t, Vector256.Create(P8));
        p = Vector256.MultiplyAddEstimate(p, t, Vector256.Create(P7));
        p = Vector256.MultiplyAddEstimate(p, t, Vector256.Create(P6));
        p = Vector256.MultiplyAddEstimate(p, t, Vector256.Create(P5));
        p = Vector256.MultiplyAddEstimate(p, t, Vector256.Create(P4));
        p = Vector256.MultiplyAddEstimate(p, t, Vector256.Create(P3));
        p = Vector256.MultiplyAddEstimate(p, t, Vector256.Create(P2));
        p = Vector256.MultiplyAddEstimate(p, t, Vector256.Create(P1));
        p = Vector256.MultiplyAddEstimate(p, t, Vector256.Create(P0));
        Vector256<float> halfErfc = Vector256.Create(0.5f) * t * Vector256.Exp(Vector256.MultiplyAddEstimate(ax * ax, Vector256.Create(-0.5f), p));
        return Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), halfErfc, Vector256<float>.One - halfErfc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> NormalCdf(Vector512<float> x)
    {
        Vector512<float> ax = Vector512.Abs(x);
        Vector512<float> t = Vector512.Create(TwoSqrt2) / (Vector512.Create(TwoSqrt2) + ax);
        Vector512<float> p = Vector512.Create(P9);
        p = Vector512.MultiplyAddEstimate(p, t, Vector512.Create(P8));
        p = Vector512.MultiplyAddEstimate(p, t, Vector512.Create(P7));
        p = Vector512.MultiplyAddEstimate(p, t, Vector512.Create(P6));
        p = Vector512.MultiplyAddEstimate(p, t, Vector512.Create(P5));
        p = Vector512.MultiplyAddEstimate(p, t, Vector512.Create(P4));
        p = Vector512.MultiplyAddEstimate(p, t, Vector512.Create(P3));
        p = Vector512.MultiplyAddEstimate(p, t, Vector512.Create(P2));
        p = Vector512.MultiplyAddEstimate(p, t, Vector512.Create(P1));
        p = Vector512.MultiplyAddEstimate(p, t, Vector512.Create(P0));
        Vector512<float> halfErfc = Vector512.Create(0.5f) * t * Vector512.Exp(Vector512.MultiplyAddEstimate(ax * ax, Vector512.Create(-0.5f), p));
        return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), halfErfc, Vector512<float>.One - halfErfc);
    }

    /// <summary>gelu(x) = x·Φ(x). +∞ → +∞, −∞ → −∞·0 = NaN (as the scalar formula), NaN → NaN.</summary>
    internal readonly struct GeluOperator : IUnaryOperator
    {
        public static float Invoke(float x) => x * NormalCdf(x);
        public static Vector128<float> Invoke(Vector128<float> x) => x * NormalCdf(x);
        public static Vector256<float> Invoke(Vector256<float> x) => x * NormalCdf(x);
        public static Vector512<float> Invoke(Vector512<float> x) => x * NormalCdf(x);
    }

    /// <summary>laplace(x) = Φ((x − mu)/sigma). ±∞ → 1 or 0, NaN → NaN.</summary>
    internal readonly struct LaplaceOperator : IUnaryOperator
    {
        private const float Mu = (float)Activations.LaplaceMu, InverseSigma = (float)(1.0 / Activations.LaplaceSigma);
        public static float Invoke(float x) => NormalCdf((x - Mu) * InverseSigma);
        public static Vector128<float> Invoke(Vector128<float> x) => NormalCdf((x - Vector128.Create(Mu)) * Vector128.Create(InverseSigma));
        public static Vector256<float> Invoke(Vector256<float> x) => NormalCdf((x - Vector256.Create(Mu)) * Vector256.Create(InverseSigma));
        public static Vector512<float> Invoke(Vector512<float> x) => NormalCdf((x - Vector512.Create(Mu)) * Vector512.Create(InverseSigma));
    }

    // ---------------------------------------------------------------------------------------------------------
    // The sigmoid forms: x·σ(a·x) = x / (1 + exp(−a·x)), and gelu_new through 0.5·(1 + tanh(u)) = σ(2u):
    //   gelu_new(x) = x / (1 + exp(−2u)), −2u = x·(−2k − 2k·0.044715·x²), k = √(2/π).
    // exp overflowing to +∞ for very negative x gives x/∞ = −0 (the exact limit); x = −∞ gives −∞/∞ = NaN, as the
    // scalar formulas do (−∞·0); x = +∞ gives ∞/1 = ∞; NaN propagates.
    // ---------------------------------------------------------------------------------------------------------

    /// <summary>silu(x) = x·σ(x).</summary>
    internal readonly struct SiluOperator : IUnaryOperator
    {
        public static float Invoke(float x) => x / (1f + MathF.Exp(-x));
        public static Vector128<float> Invoke(Vector128<float> x) => x / (Vector128<float>.One + Vector128.Exp(-x));
        public static Vector256<float> Invoke(Vector256<float> x) => x / (Vector256<float>.One + Vector256.Exp(-x));
        public static Vector512<float> Invoke(Vector512<float> x) => x / (Vector512<float>.One + Vector512.Exp(-x));
    }

    /// <summary>quick_gelu(x) = x·σ(1.702·x).</summary>
    internal readonly struct QuickGeluOperator : IUnaryOperator
    {
        private const float MinusA = -1.702f;
        public static float Invoke(float x) => x / (1f + MathF.Exp(MinusA * x));
        public static Vector128<float> Invoke(Vector128<float> x) => x / (Vector128<float>.One + Vector128.Exp(Vector128.Create(MinusA) * x));
        public static Vector256<float> Invoke(Vector256<float> x) => x / (Vector256<float>.One + Vector256.Exp(Vector256.Create(MinusA) * x));
        public static Vector512<float> Invoke(Vector512<float> x) => x / (Vector512<float>.One + Vector512.Exp(Vector512.Create(MinusA) * x));
    }

    /// <summary>gelu_new(x) = 0.5·x·(1 + tanh(k·(x + 0.044715·x³))) = x / (1 + exp(−2k·x·(1 + 0.044715·x²))).</summary>
    internal readonly struct GeluTanhOperator : IUnaryOperator
    {
        private const float MinusTwoK = (float)(-2.0 * 0.79788456080286535588);
        private const float MinusTwoKC = (float)(-2.0 * 0.79788456080286535588 * 0.044715);

        public static float Invoke(float x) => x / (1f + MathF.Exp(x * (x * x * MinusTwoKC + MinusTwoK)));

        public static Vector128<float> Invoke(Vector128<float> x) =>
            x / (Vector128<float>.One + Vector128.Exp(x * Vector128.MultiplyAddEstimate(x * x, Vector128.Create(MinusTwoKC), Vector128.Create(MinusTwoK))));

        public static Vector256<float> Invoke(Vector256<float> x) =>
            x / (Vector256<float>.One + Vector256.Exp(x * Vector256.MultiplyAddEstimate(x * x, Vector256.Create(MinusTwoKC), Vector256.Create(MinusTwoK))));

        public static Vector512<float> Invoke(Vector512<float> x) =>
            x / (Vector512<float>.One + Vector512.Exp(x * Vector512.MultiplyAddEstimate(x * x, Vector512.Create(MinusTwoKC), Vector512.Create(MinusTwoK))));
    }
}
