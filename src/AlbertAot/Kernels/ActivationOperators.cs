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
/// <see cref="ExpOperator"/> (float arithmetic, within 1.2e-7 relative; 0 below −103.97, +∞ from 88.73 on, NaN for NaN).
/// The scalar forms mirror the vector forms in float with the same exponential and a plain multiply and add (MathF.FusedMultiplyAdd
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
    // Chebyshev fit erfc(z) = t·exp(−z² + P(t)) has a relative error below 1.2e-7 for every z ≥ 0. HalfErfc gives
    // h = 0.5·erfc(|x|/√2), and then
    //   Φ(x) = h for x < 0 (no cancellation: tiny values keep their relative accuracy), 1 − h for x ≥ 0;
    //   gelu(x) = x·h for x < 0, x − x·h for x ≥ 0 (one rounding of a value near x, not x times a rounded Φ).
    // z² is computed as 0.5·x² (one rounding fewer than (x/√2)²); t = 2√2/(2√2 + |x|).
    // For |x| < 1.15 the fit loses accuracy to rounding (P(t) sums terms of up to 1.5 to nearly 0 as z → 0, so erfc
    // there is off by up to 2.7e-7), and h comes from the Maclaurin series of Φ instead: h = 0.5 − |x|·S(x²).
    // Measured against float64 (x in steps of 2⁻¹⁶ over [0, 20]), erfc = 2h, and so erf, is then within 8.7e-8
    // absolute everywhere (1.1e-7 with the switch at 1 or 1.5); the relative error of erfc stays below 1e-5 while
    // erfc is a normal float (x² rounds by a relative 6e-8 and multiplies the exponent's error by up to 77).
    // Limits: |x| = ∞ gives t = 0 and exp(−∞) = 0, so h = 0; x² overflowing to ∞ (|x| > 1.8e19) gives the same;
    // NaN propagates through t. In x − x·h, x is capped at 64 (h = 0 from |x| = 14.4 on) so +∞ gives ∞ − 64·0 = ∞,
    // not ∞·0; x·h at x = −∞ is −∞·0 = NaN, what the formula 0.5·x·(1 + erf(x/√2)) gives.
    // ---------------------------------------------------------------------------------------------------------
    private const float TwoSqrt2 = 2.8284271247461903f, Cap = 64f, SeriesLimit = 1.15f;
    private const double InvSqrt2Pi = 0.39894228040143267794; // φ(0) = 1/√(2π)
    // Φ(x) − 0.5 = x·Σ Sₙ·(x²)ⁿ, Sₙ = φ(0)·(−1)ⁿ / (2ⁿ·n!·(2n + 1)): the Maclaurin series, to n = 11 (the next term
    // is below 3e-13 for |x| < 1.15).
    private const float S0 = (float)InvSqrt2Pi, S1 = (float)(-InvSqrt2Pi / 6), S2 = (float)(InvSqrt2Pi / 40),
        S3 = (float)(-InvSqrt2Pi / 336), S4 = (float)(InvSqrt2Pi / 3456), S5 = (float)(-InvSqrt2Pi / 42240),
        S6 = (float)(InvSqrt2Pi / 599040), S7 = (float)(-InvSqrt2Pi / 9676800), S8 = (float)(InvSqrt2Pi / 175472640),
        S9 = (float)(-InvSqrt2Pi / 3530096640), S10 = (float)(InvSqrt2Pi / 78033715200), S11 = (float)(-InvSqrt2Pi / 1880240947200);
    private const float P0 = -1.26551223f, P1 = 1.00002368f, P2 = 0.37409196f, P3 = 0.09678418f, P4 = -0.18628806f,
        P5 = 0.27886807f, P6 = -1.13520398f, P7 = 1.48851587f, P8 = -0.82215223f, P9 = 0.17087277f;

    /// <summary>0.5·erfc(|x|/√2) = Φ(−|x|).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float HalfErfc(float x)
    {
        float ax = MathF.Abs(x), u = ax * ax;
        // Plain multiplies and adds: MathF.FusedMultiplyAdd is a software routine on a CPU without FMA.
        if (ax < SeriesLimit)
        {
            float q = (((((((((S11 * u + S10) * u + S9) * u + S8) * u + S7) * u + S6) * u + S5) * u + S4) * u + S3) * u + S2) * u + S1;
            return 0.5f - ax * (q * u + S0);
        }
        float t = TwoSqrt2 / (TwoSqrt2 + ax);
        float p = ((((((((P9 * t + P8) * t + P7) * t + P6) * t + P5) * t + P4) * t + P3) * t + P2) * t + P1) * t + P0;
        return 0.5f * t * ExpOperator.Invoke(u * -0.5f + p);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> HalfErfc(Vector128<float> x)
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
        Vector128<float> u = ax * ax;
        Vector128<float> large = Vector128.Create(0.5f) * t * ExpOperator.Invoke(Vector128.MultiplyAddEstimate(u, Vector128.Create(-0.5f), p));
        Vector128<float> q = Vector128.Create(S11);
        q = Vector128.MultiplyAddEstimate(q, u, Vector128.Create(S10));
        q = Vector128.MultiplyAddEstimate(q, u, Vector128.Create(S9));
        q = Vector128.MultiplyAddEstimate(q, u, Vector128.Create(S8));
        q = Vector128.MultiplyAddEstimate(q, u, Vector128.Create(S7));
        q = Vector128.MultiplyAddEstimate(q, u, Vector128.Create(S6));
        q = Vector128.MultiplyAddEstimate(q, u, Vector128.Create(S5));
        q = Vector128.MultiplyAddEstimate(q, u, Vector128.Create(S4));
        q = Vector128.MultiplyAddEstimate(q, u, Vector128.Create(S3));
        q = Vector128.MultiplyAddEstimate(q, u, Vector128.Create(S2));
        q = Vector128.MultiplyAddEstimate(q, u, Vector128.Create(S1));
        q = Vector128.MultiplyAddEstimate(q, u, Vector128.Create(S0));
        Vector128<float> small = Vector128.Create(0.5f) - ax * q;
        return Vector128.ConditionalSelect(Vector128.LessThan(ax, Vector128.Create(SeriesLimit)), small, large);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> HalfErfc(Vector256<float> x)
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
        Vector256<float> u = ax * ax;
        Vector256<float> large = Vector256.Create(0.5f) * t * ExpOperator.Invoke(Vector256.MultiplyAddEstimate(u, Vector256.Create(-0.5f), p));
        Vector256<float> q = Vector256.Create(S11);
        q = Vector256.MultiplyAddEstimate(q, u, Vector256.Create(S10));
        q = Vector256.MultiplyAddEstimate(q, u, Vector256.Create(S9));
        q = Vector256.MultiplyAddEstimate(q, u, Vector256.Create(S8));
        q = Vector256.MultiplyAddEstimate(q, u, Vector256.Create(S7));
        q = Vector256.MultiplyAddEstimate(q, u, Vector256.Create(S6));
        q = Vector256.MultiplyAddEstimate(q, u, Vector256.Create(S5));
        q = Vector256.MultiplyAddEstimate(q, u, Vector256.Create(S4));
        q = Vector256.MultiplyAddEstimate(q, u, Vector256.Create(S3));
        q = Vector256.MultiplyAddEstimate(q, u, Vector256.Create(S2));
        q = Vector256.MultiplyAddEstimate(q, u, Vector256.Create(S1));
        q = Vector256.MultiplyAddEstimate(q, u, Vector256.Create(S0));
        Vector256<float> small = Vector256.Create(0.5f) - ax * q;
        return Vector256.ConditionalSelect(Vector256.LessThan(ax, Vector256.Create(SeriesLimit)), small, large);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> HalfErfc(Vector512<float> x)
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
        Vector512<float> u = ax * ax;
        Vector512<float> large = Vector512.Create(0.5f) * t * ExpOperator.Invoke(Vector512.MultiplyAddEstimate(u, Vector512.Create(-0.5f), p));
        Vector512<float> q = Vector512.Create(S11);
        q = Vector512.MultiplyAddEstimate(q, u, Vector512.Create(S10));
        q = Vector512.MultiplyAddEstimate(q, u, Vector512.Create(S9));
        q = Vector512.MultiplyAddEstimate(q, u, Vector512.Create(S8));
        q = Vector512.MultiplyAddEstimate(q, u, Vector512.Create(S7));
        q = Vector512.MultiplyAddEstimate(q, u, Vector512.Create(S6));
        q = Vector512.MultiplyAddEstimate(q, u, Vector512.Create(S5));
        q = Vector512.MultiplyAddEstimate(q, u, Vector512.Create(S4));
        q = Vector512.MultiplyAddEstimate(q, u, Vector512.Create(S3));
        q = Vector512.MultiplyAddEstimate(q, u, Vector512.Create(S2));
        q = Vector512.MultiplyAddEstimate(q, u, Vector512.Create(S1));
        q = Vector512.MultiplyAddEstimate(q, u, Vector512.Create(S0));
        Vector512<float> small = Vector512.Create(0.5f) - ax * q;
        return Vector512.ConditionalSelect(Vector512.LessThan(ax, Vector512.Create(SeriesLimit)), small, large);
    }

    /// <summary>gelu(x) = x·Φ(x). +∞ → +∞, −∞ → −∞·0 = NaN (as the scalar formula), NaN → NaN.</summary>
    internal readonly struct GeluOperator : IUnaryOperator
    {
        public static float Invoke(float x)
        {
            float h = HalfErfc(x);
            return x < 0f ? x * h : x - MathF.Min(x, Cap) * h;
        }

        public static Vector128<float> Invoke(Vector128<float> x)
        {
            Vector128<float> h = HalfErfc(x);
            return Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128<float>.Zero), x * h,
                x - Vector128.MinNative(x, Vector128.Create(Cap)) * h);
        }

        public static Vector256<float> Invoke(Vector256<float> x)
        {
            Vector256<float> h = HalfErfc(x);
            return Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), x * h,
                x - Vector256.MinNative(x, Vector256.Create(Cap)) * h);
        }

        public static Vector512<float> Invoke(Vector512<float> x)
        {
            Vector512<float> h = HalfErfc(x);
            return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), x * h,
                x - Vector512.MinNative(x, Vector512.Create(Cap)) * h);
        }
    }

    /// <summary>laplace(x) = Φ((x − mu)/sigma). −∞ → 0, +∞ → 1, NaN → NaN.</summary>
    internal readonly struct LaplaceOperator : IUnaryOperator
    {
        private const float Mu = (float)Activations.LaplaceMu, InverseSigma = (float)(1.0 / Activations.LaplaceSigma);

        public static float Invoke(float x)
        {
            float y = (x - Mu) * InverseSigma, h = HalfErfc(y);
            return y < 0f ? h : 1f - h;
        }

        public static Vector128<float> Invoke(Vector128<float> x)
        {
            Vector128<float> y = (x - Vector128.Create(Mu)) * Vector128.Create(InverseSigma), h = HalfErfc(y);
            return Vector128.ConditionalSelect(Vector128.LessThan(y, Vector128<float>.Zero), h, Vector128<float>.One - h);
        }

        public static Vector256<float> Invoke(Vector256<float> x)
        {
            Vector256<float> y = (x - Vector256.Create(Mu)) * Vector256.Create(InverseSigma), h = HalfErfc(y);
            return Vector256.ConditionalSelect(Vector256.LessThan(y, Vector256<float>.Zero), h, Vector256<float>.One - h);
        }

        public static Vector512<float> Invoke(Vector512<float> x)
        {
            Vector512<float> y = (x - Vector512.Create(Mu)) * Vector512.Create(InverseSigma), h = HalfErfc(y);
            return Vector512.ConditionalSelect(Vector512.LessThan(y, Vector512<float>.Zero), h, Vector512<float>.One - h);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // The sigmoid forms x·σ(a·x) = x / (1 + e) with e = exp(−a·x), a > 0; gelu_new is one of them through
    // 0.5·(1 + tanh(u)) = σ(2u), with −2u = x·(−2k − 2k·0.044715·x²), k = √(2/π).
    // XSigmoid(x, e), r = 1/(1 + e):  x·r for x ≤ 0;  x − x·r·e for x > 0 (x·r·e = x·σ(−ax) is small there, so the
    // result is one rounding of a value near x instead of x divided by a rounded 1 + e: half an ulp, not 1.2).
    // Limits: exp overflowing to +∞ for very negative x gives r = 0 and x·0 = −0 (the exact limit); x = −∞ gives
    // −∞·0 = NaN, as the scalar formulas x/(1 + exp(−ax)) do (−∞/∞); x = +∞ gives e = 0 and, with x capped at 64
    // in the correction, ∞ − 0 = ∞; NaN propagates.
    // ---------------------------------------------------------------------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float XSigmoid(float x, float e)
    {
        float r = 1f / (1f + e);
        return x > 0f ? x - MathF.Min(x, Cap) * r * e : x * r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> XSigmoid(Vector128<float> x, Vector128<float> e)
    {
        Vector128<float> r = Vector128<float>.One / (Vector128<float>.One + e);
        return Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<float>.Zero),
            x - Vector128.MinNative(x, Vector128.Create(Cap)) * r * e, x * r);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> XSigmoid(Vector256<float> x, Vector256<float> e)
    {
        Vector256<float> r = Vector256<float>.One / (Vector256<float>.One + e);
        return Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero),
            x - Vector256.MinNative(x, Vector256.Create(Cap)) * r * e, x * r);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> XSigmoid(Vector512<float> x, Vector512<float> e)
    {
        Vector512<float> r = Vector512<float>.One / (Vector512<float>.One + e);
        return Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero),
            x - Vector512.MinNative(x, Vector512.Create(Cap)) * r * e, x * r);
    }

    /// <summary>silu(x) = x·σ(x).</summary>
    internal readonly struct SiluOperator : IUnaryOperator
    {
        public static float Invoke(float x) => XSigmoid(x, ExpOperator.Invoke(-x));
        public static Vector128<float> Invoke(Vector128<float> x) => XSigmoid(x, ExpOperator.Invoke(-x));
        public static Vector256<float> Invoke(Vector256<float> x) => XSigmoid(x, ExpOperator.Invoke(-x));
        public static Vector512<float> Invoke(Vector512<float> x) => XSigmoid(x, ExpOperator.Invoke(-x));
    }

    /// <summary>quick_gelu(x) = x·σ(1.702·x).</summary>
    internal readonly struct QuickGeluOperator : IUnaryOperator
    {
        private const float MinusA = -1.702f;
        public static float Invoke(float x) => XSigmoid(x, ExpOperator.Invoke(MinusA * x));
        public static Vector128<float> Invoke(Vector128<float> x) => XSigmoid(x, ExpOperator.Invoke(Vector128.Create(MinusA) * x));
        public static Vector256<float> Invoke(Vector256<float> x) => XSigmoid(x, ExpOperator.Invoke(Vector256.Create(MinusA) * x));
        public static Vector512<float> Invoke(Vector512<float> x) => XSigmoid(x, ExpOperator.Invoke(Vector512.Create(MinusA) * x));
    }

    /// <summary>gelu_new(x) = 0.5·x·(1 + tanh(k·(x + 0.044715·x³))) = x·σ(2k·x·(1 + 0.044715·x²)).</summary>
    internal readonly struct GeluTanhOperator : IUnaryOperator
    {
        private const float MinusTwoK = (float)(-2.0 * 0.79788456080286535588);
        private const float MinusTwoKC = (float)(-2.0 * 0.79788456080286535588 * 0.044715);

        public static float Invoke(float x) => XSigmoid(x, ExpOperator.Invoke(x * (x * x * MinusTwoKC + MinusTwoK)));

        public static Vector128<float> Invoke(Vector128<float> x) =>
            XSigmoid(x, ExpOperator.Invoke(x * Vector128.MultiplyAddEstimate(x * x, Vector128.Create(MinusTwoKC), Vector128.Create(MinusTwoK))));

        public static Vector256<float> Invoke(Vector256<float> x) =>
            XSigmoid(x, ExpOperator.Invoke(x * Vector256.MultiplyAddEstimate(x * x, Vector256.Create(MinusTwoKC), Vector256.Create(MinusTwoK))));

        public static Vector512<float> Invoke(Vector512<float> x) =>
            XSigmoid(x, ExpOperator.Invoke(x * Vector512.MultiplyAddEstimate(x * x, Vector512.Create(MinusTwoKC), Vector512.Create(MinusTwoK))));
    }
}
