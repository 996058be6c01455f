using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AlbertAot.Kernels;

/// <summary>
/// exp(x) in float arithmetic (Cephes' expf), in a scalar, a Vector128, a Vector256 and a Vector512 form: the
/// exponential under gelu, gelu_new, silu, quick_gelu and the attention softmax.
/// </summary>
/// <remarks>
/// Why not Vector*.Exp / TensorPrimitives.Exp: .NET evaluates the float exponential in double (AOCL's expf: each
/// vector is widened into two, run through a double polynomial and narrowed back). On the AVX2 machine of the
/// benchmarks (in-process, best of 20 over 393 216 values) TensorPrimitives.Exp took 1.0-1.3 ns an element and this
/// float form 0.56-0.71; gelu_new went from 3.4 to 1.2 ns an element, the attention softmax over 512-wide rows from
/// 1.55 to 1.05 ns a score, and the exact GELU's share of a 128-token forward from 5.2 to 3.1 % (AOT profile).
/// Accuracy: within 1.2e-7 relative of the true value (8.0e-8 measured against float64 on a dense grid in
/// ExpOperatorTests) wherever the result is a normal float; subnormal results (x below −87.34) are within one
/// step of 2⁻¹⁴⁹, results below half the smallest subnormal (x below −103.97) are 0; +∞ from x = 88.73 on
/// (where exp overflows float), NaN → NaN. Every form runs the same operations, so tiers differ only by the
/// fused multiply-adds the vector forms use where the hardware has them.
/// Method: n = round(x·log₂e); r = x − n·ln 2 with ln 2 split in two (C1 has 9 significant bits, so n·C1 is exact
/// for |n| ≤ 256 and r needs no fused multiply-add); exp(r) by Cephes' degree-7 polynomial on |r| ≤ ln2/2; then
/// scaled by 2ⁿ as 2^⌊n/2⌋·2^(n−⌊n/2⌋), two normal factors, so results down in the subnormals round once, correctly.
/// n is rounded by adding and subtracting 1.5·2²³ (no SSE4.1 round instruction, no float→int conversion needed:
/// the sum's low bits are n).
/// </remarks>
internal readonly struct ExpOperator : ActivationOperators.IUnaryOperator
{
    // Clamped here, x·log₂e stays within ±150.2, far inside the ±2²² the rounding trick needs.
    private const float Lowest = -104f, Highest = 89.5f; // exp(−104) < 2⁻¹⁵⁰ rounds to 0; 89.5 overflows for any r
    private const float Log2E = 1.44269504088896341f;
    private const float C1 = 0.693359375f, C2 = -2.12194440e-4f; // C1 + C2 = ln 2
    private const float Round = 12582912f; // 1.5·2²³: adding it rounds a float below 2²² to an integer
    private const int RoundBits = 0x4B400000; // its bits
    private const float E0 = 1.9875691500e-4f, E1 = 1.3981999507e-3f, E2 = 8.3334519073e-3f, E3 = 4.1665795894e-2f,
        E4 = 1.6666665459e-1f, E5 = 5.0000001201e-1f;

    // The flushing form (softmax): x clamped to [FlushLowest, 0] keeps n in [−127, 0], so 2ⁿ⁺² is a normal float.
    private const float FlushLowest = -88f; // n = round(−88·log₂e) = −127; exp(−88)·4 < 2⁻¹²⁴: flushed like any x below
    private const int FlushBias = 127 + 2 - RoundBits; // e + 127 + 2, straight from k's bits
    private const float FlushLimit = 4.70197740E-38f; // 2⁻¹²⁴: exp(x)·4 below it is exp(x) below 2⁻¹²⁶, a subnormal
    private const float Quarter = 0.25f;

    public static float Invoke(float x)
    {
        if (float.IsNaN(x)) return x;
        float y = Reduced(MathF.Min(MathF.Max(x, Lowest), Highest), out int kBits);
        int e = kBits - RoundBits, half = e >> 1;
        return y * BitConverter.Int32BitsToSingle((half + 127) << 23) * BitConverter.Int32BitsToSingle((e - half + 127) << 23);
    }

    /// <summary>
    /// exp(x) for x ≤ 0 where the result is a normal float, and +0 where it would be subnormal (below 2⁻¹²⁶); NaN → NaN.
    /// The same bits as <see cref="Invoke(float)"/> followed by a flush of subnormals, without ever forming one: x64
    /// cores take a microcode assist (~100 cycles on the AVX2 Zen 3 of the benchmarks) for a multiply whose result is
    /// subnormal, and the softmax of a long attention row makes many of them. How: the result is formed scaled by 4,
    /// y·2ⁿ⁺² (normal for every n ≥ −127), compared with 2⁻¹²⁴, and only then scaled back by ¼ (exact: the kept values
    /// stay normal).
    /// </summary>
    public static float InvokeFlushing(float x)
    {
        if (float.IsNaN(x)) return x;
        float y = Reduced(MathF.Min(MathF.Max(x, FlushLowest), 0f), out int kBits);
        float t = y * BitConverter.Int32BitsToSingle((kBits + FlushBias) << 23);
        return t < FlushLimit ? 0f : t * Quarter;
    }

    /// <summary>
    /// The part both forms share, on the clamped argument c: y = exp(r) for r = c − n·ln 2, n = round(c·log₂e), and
    /// <paramref name="kBits"/> the bits of c·log₂e + 1.5·2²³, which are <see cref="RoundBits"/> + n. The caller scales
    /// y by 2ⁿ.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Reduced(float c, out int kBits)
    {
        float k = c * Log2E + Round;
        float n = k - Round;
        float r = c - n * C1;
        r -= n * C2;
        float p = ((((E0 * r + E1) * r + E2) * r + E3) * r + E4) * r + E5;
        kBits = BitConverter.SingleToInt32Bits(k);
        return p * (r * r) + r + 1f;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Invoke(Vector128<float> x)
    {
        Vector128<float> c = Vector128.MinNative(Vector128.MaxNative(x, Vector128.Create(Lowest)), Vector128.Create(Highest));
        Vector128<float> y = Reduced(c, out Vector128<int> kBits);
        Vector128<int> e = kBits - Vector128.Create(RoundBits), half = Vector128.ShiftRightArithmetic(e, 1);
        Vector128<float> s1 = Vector128.ShiftLeft(half + Vector128.Create(127), 23).AsSingle();
        Vector128<float> s2 = Vector128.ShiftLeft(e - half + Vector128.Create(127), 23).AsSingle();
        return Vector128.ConditionalSelect(Vector128.Equals(x, x), y * s1 * s2, x);
    }

    /// <inheritdoc cref="InvokeFlushing(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> InvokeFlushing(Vector128<float> x)
    {
        Vector128<float> c = Vector128.MinNative(Vector128.MaxNative(x, Vector128.Create(FlushLowest)), Vector128<float>.Zero);
        Vector128<float> y = Reduced(c, out Vector128<int> kBits);
        Vector128<float> t = y * Vector128.ShiftLeft(kBits + Vector128.Create(FlushBias), 23).AsSingle();
        t = Vector128.AndNot(t, Vector128.LessThan(t, Vector128.Create(FlushLimit))) * Vector128.Create(Quarter);
        return Vector128.ConditionalSelect(Vector128.Equals(x, x), t, x);
    }

    /// <inheritdoc cref="Reduced(float, out int)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Reduced(Vector128<float> c, out Vector128<int> kBits)
    {
        Vector128<float> k = Vector128.MultiplyAddEstimate(c, Vector128.Create(Log2E), Vector128.Create(Round));
        Vector128<float> n = k - Vector128.Create(Round);
        Vector128<float> r = Vector128.MultiplyAddEstimate(n, Vector128.Create(-C1), c);
        r = Vector128.MultiplyAddEstimate(n, Vector128.Create(-C2), r);
        Vector128<float> p = Vector128.MultiplyAddEstimate(Vector128.Create(E0), r, Vector128.Create(E1));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(E2));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(E3));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(E4));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(E5));
        kBits = k.AsInt32();
        return Vector128.MultiplyAddEstimate(p, r * r, r) + Vector128<float>.One;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Invoke(Vector256<float> x)
    {
        Vector256<float> c = Vector256.MinNative(Vector256.MaxNative(x, Vector256.Create(Lowest)), Vector256.Create(Highest));
        Vector256<float> y = Reduced(c, out Vector256<int> kBits);
        Vector256<int> e = kBits - Vector256.Create(RoundBits), half = Vector256.ShiftRightArithmetic(e, 1);
        Vector256<float> s1 = Vector256.ShiftLeft(half + Vector256.Create(127), 23).AsSingle();
        Vector256<float> s2 = Vector256.ShiftLeft(e - half + Vector256.Create(127), 23).AsSingle();
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), y * s1 * s2, x);
    }

    /// <inheritdoc cref="InvokeFlushing(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> InvokeFlushing(Vector256<float> x)
    {
        Vector256<float> c = Vector256.MinNative(Vector256.MaxNative(x, Vector256.Create(FlushLowest)), Vector256<float>.Zero);
        Vector256<float> y = Reduced(c, out Vector256<int> kBits);
        Vector256<float> t = y * Vector256.ShiftLeft(kBits + Vector256.Create(FlushBias), 23).AsSingle();
        t = Vector256.AndNot(t, Vector256.LessThan(t, Vector256.Create(FlushLimit))) * Vector256.Create(Quarter);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), t, x);
    }

    /// <inheritdoc cref="Reduced(float, out int)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Reduced(Vector256<float> c, out Vector256<int> kBits)
    {
        Vector256<float> k = Vector256.MultiplyAddEstimate(c, Vector256.Create(Log2E), Vector256.Create(Round));
        Vector256<float> n = k - Vector256.Create(Round);
        Vector256<float> r = Vector256.MultiplyAddEstimate(n, Vector256.Create(-C1), c);
        r = Vector256.MultiplyAddEstimate(n, Vector256.Create(-C2), r);
        Vector256<float> p = Vector256.MultiplyAddEstimate(Vector256.Create(E0), r, Vector256.Create(E1));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(E2));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(E3));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(E4));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(E5));
        kBits = k.AsInt32();
        return Vector256.MultiplyAddEstimate(p, r * r, r) + Vector256<float>.One;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Invoke(Vector512<float> x)
    {
        Vector512<float> c = Vector512.MinNative(Vector512.MaxNative(x, Vector512.Create(Lowest)), Vector512.Create(Highest));
        Vector512<float> y = Reduced(c, out Vector512<int> kBits);
        Vector512<int> e = kBits - Vector512.Create(RoundBits), half = Vector512.ShiftRightArithmetic(e, 1);
        Vector512<float> s1 = Vector512.ShiftLeft(half + Vector512.Create(127), 23).AsSingle();
        Vector512<float> s2 = Vector512.ShiftLeft(e - half + Vector512.Create(127), 23).AsSingle();
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), y * s1 * s2, x);
    }

    /// <inheritdoc cref="InvokeFlushing(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> InvokeFlushing(Vector512<float> x)
    {
        Vector512<float> c = Vector512.MinNative(Vector512.MaxNative(x, Vector512.Create(FlushLowest)), Vector512<float>.Zero);
        Vector512<float> y = Reduced(c, out Vector512<int> kBits);
        Vector512<float> t = y * Vector512.ShiftLeft(kBits + Vector512.Create(FlushBias), 23).AsSingle();
        t = Vector512.AndNot(t, Vector512.LessThan(t, Vector512.Create(FlushLimit))) * Vector512.Create(Quarter);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), t, x);
    }

    /// <inheritdoc cref="Reduced(float, out int)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Reduced(Vector512<float> c, out Vector512<int> kBits)
    {
        Vector512<float> k = Vector512.MultiplyAddEstimate(c, Vector512.Create(Log2E), Vector512.Create(Round));
        Vector512<float> n = k - Vector512.Create(Round);
        Vector512<float> r = Vector512.MultiplyAddEstimate(n, Vector512.Create(-C1), c);
        r = Vector512.MultiplyAddEstimate(n, Vector512.Create(-C2), r);
        Vector512<float> p = Vector512.MultiplyAddEstimate(Vector512.Create(E0), r, Vector512.Create(E1));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(E2));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(E3));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(E4));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(E5));
        kBits = k.AsInt32();
        return Vector512.MultiplyAddEstimate(p, r * r, r) + Vector512<float>.One;
    }
}
