using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AlbertAot.Kernels;

/// <summary>
/// The few vector operations the register-blocked kernels need, over one width. Kernels are written once, generic
/// over this interface, and instantiated for Vector512, Vector256 and Vector128 (the JIT and ILC specialise each
/// instantiation, so the abstraction costs nothing). MultiplyAdd is MultiplyAddEstimate: a hardware FMA where the
/// CPU has one, a multiply and an add otherwise, never the software FMA fallback.
/// </summary>
internal interface ISimdVector<TSelf> where TSelf : struct, ISimdVector<TSelf>
{
    static abstract int Count { get; }
    static abstract bool IsAccelerated { get; }
    static abstract TSelf Zero { get; }
    static abstract TSelf Load(ref float source, nuint offset);
    static abstract TSelf Broadcast(float value);
    static abstract TSelf MultiplyAdd(TSelf a, TSelf b, TSelf addend);
    void Store(ref float destination, nuint offset);
}

internal readonly struct Simd512(Vector512<float> v) : ISimdVector<Simd512>
{
    private readonly Vector512<float> _v = v;
    public static int Count => Vector512<float>.Count;
    public static bool IsAccelerated => Vector512.IsHardwareAccelerated;
    public static Simd512 Zero => default;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 Load(ref float source, nuint offset) => new(Vector512.LoadUnsafe(ref source, offset));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 Broadcast(float value) => new(Vector512.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 MultiplyAdd(Simd512 a, Simd512 b, Simd512 c) => new(Vector512.MultiplyAddEstimate(a._v, b._v, c._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(ref float destination, nuint offset) => _v.StoreUnsafe(ref destination, offset);
}

internal readonly struct Simd256(Vector256<float> v) : ISimdVector<Simd256>
{
    private readonly Vector256<float> _v = v;
    public static int Count => Vector256<float>.Count;
    public static bool IsAccelerated => Vector256.IsHardwareAccelerated;
    public static Simd256 Zero => default;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 Load(ref float source, nuint offset) => new(Vector256.LoadUnsafe(ref source, offset));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 Broadcast(float value) => new(Vector256.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 MultiplyAdd(Simd256 a, Simd256 b, Simd256 c) => new(Vector256.MultiplyAddEstimate(a._v, b._v, c._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(ref float destination, nuint offset) => _v.StoreUnsafe(ref destination, offset);
}

internal readonly struct Simd128(Vector128<float> v) : ISimdVector<Simd128>
{
    private readonly Vector128<float> _v = v;
    public static int Count => Vector128<float>.Count;
    public static bool IsAccelerated => Vector128.IsHardwareAccelerated;
    public static Simd128 Zero => default;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 Load(ref float source, nuint offset) => new(Vector128.LoadUnsafe(ref source, offset));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 Broadcast(float value) => new(Vector128.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 MultiplyAdd(Simd128 a, Simd128 b, Simd128 c) => new(Vector128.MultiplyAddEstimate(a._v, b._v, c._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(ref float destination, nuint offset) => _v.StoreUnsafe(ref destination, offset);
}

/// <summary>One float at a time: the tier without SIMD, written in the same shape as the vector tiers.</summary>
internal readonly struct Simd1(float v) : ISimdVector<Simd1>
{
    private readonly float _v = v;
    public static int Count => 1;
    public static bool IsAccelerated => true;
    public static Simd1 Zero => default;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd1 Load(ref float source, nuint offset) => new(Unsafe.Add(ref source, offset));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd1 Broadcast(float value) => new(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd1 MultiplyAdd(Simd1 a, Simd1 b, Simd1 c) => new(a._v * b._v + c._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(ref float destination, nuint offset) => Unsafe.Add(ref destination, offset) = _v;
}
