using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace AlbertAot.Kernels;

/// <summary>
/// The operations of the INT8 micro-kernel (<see cref="GemmInt8Kernel{TLanes, THeight}"/>) over one width and one
/// instruction: each int32 lane of a panel step holds the four int8 weights W[col, 4s .. 4s + 3]; the activations of a
/// row for that step are four bytes broadcast to every lane; <see cref="DotAdd"/> adds the exact dot product of the
/// four pairs to each lane. The epilogue (<see cref="Store"/>) is the same arithmetic in every tier:
/// <c>y = (float)(acc − correction) · (rowScale · colScale[j]) + bias[j]</c>, a rounded multiply then a rounded add,
/// never fused, so every tier gives the same bits.
/// </summary>
internal unsafe interface IInt8Lanes<TSelf> where TSelf : struct, IInt8Lanes<TSelf>
{
    /// <summary>Int32 lanes (columns) per vector.</summary>
    static abstract int Count { get; }
    /// <summary>Whether the activation bytes are q + 128 (u8, VNNI) rather than q (s8); then acc − 128·Σq is the exact sum.</summary>
    static abstract bool Unsigned { get; }
    /// <summary>Whether the kernel should prefetch the panel (x64: Sse.Prefetch0).</summary>
    static abstract bool Prefetch { get; }
    static abstract TSelf Zero { get; }
    static abstract TSelf Load(int* source);
    /// <summary>Four activation bytes (one 32-bit word, k = 4s .. 4s + 3) in every lane.</summary>
    static abstract TSelf Broadcast(int activations);
    /// <summary>acc + Σ_t byte_t(a)·byte_t(w) per lane, exactly.</summary>
    static abstract TSelf DotAdd(TSelf acc, TSelf a, TSelf w);
    /// <summary>c[j] = (float)(acc[j] − (Unsigned ? 128·sums[j] : 0)) · (rowScale · colScales[j]) + bias[j].</summary>
    static abstract void Store(TSelf acc, int* sums, float rowScale, float* colScales, float* bias, float* c);
}

/// <summary>
/// x64 AVX-VNNI on ymm: vpdpbusd (u8 activations × s8 weights, four products per lane, no saturation). .NET 10 has no
/// 512-bit VNNI API (no Avx512Vnni; AvxVnni has no V512; Avx10v1/AvxVnniInt8 are not supported on this CPU). With
/// AVX-512 the JIT keeps accumulators in ymm16-23 too (moving them through ymm0-15 around each vpdpbusd), which is why
/// an 8-row tile still pays off.
/// </summary>
internal readonly unsafe struct Int8Vnni256(Vector256<int> v) : IInt8Lanes<Int8Vnni256>
{
    private readonly Vector256<int> _v = v;
    public static int Count => 8;
    public static bool Unsigned => true;
    public static bool Prefetch => Sse.IsSupported;
    public static Int8Vnni256 Zero => default;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Int8Vnni256 Load(int* source) => new(Vector256.Load(source));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Int8Vnni256 Broadcast(int activations) => new(Vector256.Create(activations));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Int8Vnni256 DotAdd(Int8Vnni256 acc, Int8Vnni256 a, Int8Vnni256 w) =>
        new(AvxVnni.MultiplyWideningAndAdd(acc._v, a._v.AsByte(), w._v.AsSByte()));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Int8Vnni256 acc, int* sums, float rowScale, float* colScales, float* bias, float* c) =>
        Int8Epilogue.Store256(acc._v - Vector256.ShiftLeft(Vector256.Load(sums), 7), rowScale, colScales, bias, c);
}

/// <summary>ARM64 dot product (sdot: s8 × s8, four products per lane).</summary>
internal readonly unsafe struct Int8Dot128(Vector128<int> v) : IInt8Lanes<Int8Dot128>
{
    private readonly Vector128<int> _v = v;
    public static int Count => 4;
    public static bool Unsigned => false;
    public static bool Prefetch => false;
    public static Int8Dot128 Zero => default;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Int8Dot128 Load(int* source) => new(Vector128.Load(source));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Int8Dot128 Broadcast(int activations) => new(Vector128.Create(activations));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Int8Dot128 DotAdd(Int8Dot128 acc, Int8Dot128 a, Int8Dot128 w) =>
        new(Dp.DotProduct(acc._v, a._v.AsSByte(), w._v.AsSByte()));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Int8Dot128 acc, int* sums, float rowScale, float* colScales, float* bias, float* c) =>
        Int8Epilogue.Store128(acc._v, rowScale, colScales, bias, c);
}

/// <summary>
/// The widening fallback on Vector512 (no 512-bit VNNI API in .NET 10). x64: bytes 0/2 and 1/3 of each lane
/// sign-extended into int16 halves (shifts by 8), then two vpmaddwd (int16 pairs summed exactly into int32); elsewhere
/// each byte sign-extended by a shift left and an arithmetic shift right (the BF16 trick for int8), int32 multiplies
/// and adds. s8 × s8. The same for <see cref="Int8Widen256"/> (AVX2) and <see cref="Int8Widen128"/> (SSE2, NEON).
/// </summary>
internal readonly unsafe struct Int8Widen512(Vector512<int> v) : IInt8Lanes<Int8Widen512>
{
    private readonly Vector512<int> _v = v;
    public static int Count => 16;
    public static bool Unsigned => false;
    public static bool Prefetch => Sse.IsSupported;
    public static Int8Widen512 Zero => default;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Int8Widen512 Load(int* source) => new(Vector512.Load(source));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Int8Widen512 Broadcast(int activations) => new(Vector512.Create(activations));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Int8Widen512 DotAdd(Int8Widen512 acc, Int8Widen512 a, Int8Widen512 w)
    {
        if (Avx512BW.IsSupported)
        {
            // Bytes 0 and 2 (1 and 3) of each lane sign-extended into its two int16 halves, then vpmaddwd: exact pairs.
            Vector512<short> x16 = a._v.AsInt16(), y16 = w._v.AsInt16();
            Vector512<short> xe = Avx512BW.ShiftRightArithmetic(Avx512BW.ShiftLeftLogical(x16, 8), 8), xo = Avx512BW.ShiftRightArithmetic(x16, 8);
            Vector512<short> ye = Avx512BW.ShiftRightArithmetic(Avx512BW.ShiftLeftLogical(y16, 8), 8), yo = Avx512BW.ShiftRightArithmetic(y16, 8);
            return new(acc._v + Avx512BW.MultiplyAddAdjacent(xe, ye) + Avx512BW.MultiplyAddAdjacent(xo, yo));
        }
        Vector512<int> x = a._v, y = w._v;
        return new(acc._v
            + Vector512.ShiftRightArithmetic(Vector512.ShiftLeft(x, 24), 24) * Vector512.ShiftRightArithmetic(Vector512.ShiftLeft(y, 24), 24)
            + Vector512.ShiftRightArithmetic(Vector512.ShiftLeft(x, 16), 24) * Vector512.ShiftRightArithmetic(Vector512.ShiftLeft(y, 16), 24)
            + Vector512.ShiftRightArithmetic(Vector512.ShiftLeft(x, 8), 24) * Vector512.ShiftRightArithmetic(Vector512.ShiftLeft(y, 8), 24)
            + Vector512.ShiftRightArithmetic(x, 24) * Vector512.ShiftRightArithmetic(y, 24));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Int8Widen512 acc, int* sums, float rowScale, float* colScales, float* bias, float* c) =>
        (Vector512.ConvertToSingle(acc._v) * (Vector512.Create(rowScale) * Vector512.Load(colScales)) + Vector512.Load(bias)).Store(c);
}

/// <summary>The widening fallback on Vector256 (AVX2 without VNNI). s8 × s8.</summary>
internal readonly unsafe struct Int8Widen256(Vector256<int> v) : IInt8Lanes<Int8Widen256>
{
    private readonly Vector256<int> _v = v;
    public static int Count => 8;
    public static bool Unsigned => false;
    public static bool Prefetch => Sse.IsSupported;
    public static Int8Widen256 Zero => default;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Int8Widen256 Load(int* source) => new(Vector256.Load(source));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Int8Widen256 Broadcast(int activations) => new(Vector256.Create(activations));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Int8Widen256 DotAdd(Int8Widen256 acc, Int8Widen256 a, Int8Widen256 w)
    {
        if (Avx2.IsSupported)
        {
            Vector256<short> x16 = a._v.AsInt16(), y16 = w._v.AsInt16();
            Vector256<short> xe = Avx2.ShiftRightArithmetic(Avx2.ShiftLeftLogical(x16, 8), 8), xo = Avx2.ShiftRightArithmetic(x16, 8);
            Vector256<short> ye = Avx2.ShiftRightArithmetic(Avx2.ShiftLeftLogical(y16, 8), 8), yo = Avx2.ShiftRightArithmetic(y16, 8);
            return new(acc._v + Avx2.MultiplyAddAdjacent(xe, ye) + Avx2.MultiplyAddAdjacent(xo, yo));
        }
        Vector256<int> x = a._v, y = w._v;
        return new(acc._v
            + Vector256.ShiftRightArithmetic(Vector256.ShiftLeft(x, 24), 24) * Vector256.ShiftRightArithmetic(Vector256.ShiftLeft(y, 24), 24)
            + Vector256.ShiftRightArithmetic(Vector256.ShiftLeft(x, 16), 24) * Vector256.ShiftRightArithmetic(Vector256.ShiftLeft(y, 16), 24)
            + Vector256.ShiftRightArithmetic(Vector256.ShiftLeft(x, 8), 24) * Vector256.ShiftRightArithmetic(Vector256.ShiftLeft(y, 8), 24)
            + Vector256.ShiftRightArithmetic(x, 24) * Vector256.ShiftRightArithmetic(y, 24));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Int8Widen256 acc, int* sums, float rowScale, float* colScales, float* bias, float* c) =>
        Int8Epilogue.Store256(acc._v, rowScale, colScales, bias, c);
}

/// <summary>The widening fallback on Vector128 (SSE, NEON without the dot-product extension). s8 × s8.</summary>
internal readonly unsafe struct Int8Widen128(Vector128<int> v) : IInt8Lanes<Int8Widen128>
{
    private readonly Vector128<int> _v = v;
    public static int Count => 4;
    public static bool Unsigned => false;
    public static bool Prefetch => false;
    public static Int8Widen128 Zero => default;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Int8Widen128 Load(int* source) => new(Vector128.Load(source));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Int8Widen128 Broadcast(int activations) => new(Vector128.Create(activations));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Int8Widen128 DotAdd(Int8Widen128 acc, Int8Widen128 a, Int8Widen128 w)
    {
        if (Sse2.IsSupported)
        {
            Vector128<short> x16 = a._v.AsInt16(), y16 = w._v.AsInt16();
            Vector128<short> xe = Sse2.ShiftRightArithmetic(Sse2.ShiftLeftLogical(x16, 8), 8), xo = Sse2.ShiftRightArithmetic(x16, 8);
            Vector128<short> ye = Sse2.ShiftRightArithmetic(Sse2.ShiftLeftLogical(y16, 8), 8), yo = Sse2.ShiftRightArithmetic(y16, 8);
            return new(acc._v + Sse2.MultiplyAddAdjacent(xe, ye) + Sse2.MultiplyAddAdjacent(xo, yo));
        }
        Vector128<int> x = a._v, y = w._v;
        return new(acc._v
            + Vector128.ShiftRightArithmetic(Vector128.ShiftLeft(x, 24), 24) * Vector128.ShiftRightArithmetic(Vector128.ShiftLeft(y, 24), 24)
            + Vector128.ShiftRightArithmetic(Vector128.ShiftLeft(x, 16), 24) * Vector128.ShiftRightArithmetic(Vector128.ShiftLeft(y, 16), 24)
            + Vector128.ShiftRightArithmetic(Vector128.ShiftLeft(x, 8), 24) * Vector128.ShiftRightArithmetic(Vector128.ShiftLeft(y, 8), 24)
            + Vector128.ShiftRightArithmetic(x, 24) * Vector128.ShiftRightArithmetic(y, 24));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Int8Widen128 acc, int* sums, float rowScale, float* colScales, float* bias, float* c) =>
        Int8Epilogue.Store128(acc._v, rowScale, colScales, bias, c);
}

/// <summary>One lane at a time, plain integer arithmetic: the tier without SIMD. s8 × s8.</summary>
internal readonly unsafe struct Int8x1(int v) : IInt8Lanes<Int8x1>
{
    private readonly int _v = v;
    public static int Count => 1;
    public static bool Unsigned => false;
    public static bool Prefetch => false;
    public static Int8x1 Zero => default;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Int8x1 Load(int* source) => new(*source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Int8x1 Broadcast(int activations) => new(activations);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Int8x1 DotAdd(Int8x1 acc, Int8x1 a, Int8x1 w)
    {
        int x = a._v, y = w._v;
        return new(acc._v + (sbyte)x * (sbyte)y + (sbyte)(x >> 8) * (sbyte)(y >> 8)
                          + (sbyte)(x >> 16) * (sbyte)(y >> 16) + (x >> 24) * (y >> 24));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Int8x1 acc, int* sums, float rowScale, float* colScales, float* bias, float* c)
    {
        float scale = rowScale * *colScales;
        float product = acc._v * scale;
        *c = product + *bias;
    }
}

/// <summary>The shared dequantizing epilogue: (float)acc · (rowScale · colScales) + bias, multiply then add.</summary>
internal static unsafe class Int8Epilogue
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store256(Vector256<int> acc, float rowScale, float* colScales, float* bias, float* c) =>
        (Vector256.ConvertToSingle(acc) * (Vector256.Create(rowScale) * Vector256.Load(colScales)) + Vector256.Load(bias)).Store(c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store128(Vector128<int> acc, float rowScale, float* colScales, float* bias, float* c) =>
        (Vector128.ConvertToSingle(acc) * (Vector128.Create(rowScale) * Vector128.Load(colScales)) + Vector128.Load(bias)).Store(c);
}
