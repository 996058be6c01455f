using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AlbertAot.Kernels;

/// <summary>
/// The vector operations of the BF16 micro-kernels over one width: load words of two bfloat16 each, widen the low
/// halves (a shift left by 16) and the high halves (a mask with 0xFFFF0000) to float32 exactly, and the FP32 kernels'
/// multiply-add (MultiplyAddEstimate: a hardware FMA where the CPU has one, a multiply and an add otherwise, never the
/// software FMA), so a BF16 kernel is bit-identical to the FP32 kernel of its tier over the widened weights.
/// </summary>
internal unsafe interface IBf16Vector<TSelf> where TSelf : struct, IBf16Vector<TSelf>
{
    /// <summary>Float32 lanes (= words) per vector.</summary>
    static abstract int Count { get; }
    /// <summary>Whether the kernel should prefetch the panel (x64: Sse.Prefetch0).</summary>
    static abstract bool Prefetch { get; }
    static abstract TSelf Zero { get; }
    /// <summary>Count words, kept as raw bits.</summary>
    static abstract TSelf LoadWords(uint* source);
    /// <summary>The low halves of raw words, widened: bits &lt;&lt; 16.</summary>
    static abstract TSelf Low(TSelf words);
    /// <summary>The high halves of raw words, widened: bits &amp; 0xFFFF0000.</summary>
    static abstract TSelf High(TSelf words);
    static abstract TSelf Broadcast(float value);
    static abstract TSelf MultiplyAdd(TSelf a, TSelf b, TSelf addend);
    /// <summary>(this + Load(bias)) stored at destination.</summary>
    void AddStore(float* bias, float* destination);
}

internal readonly unsafe struct Bf16x512(Vector512<float> v) : IBf16Vector<Bf16x512>
{
    private readonly Vector512<float> _v = v;
    public static int Count => 16;
    public static bool Prefetch => Sse.IsSupported;
    public static Bf16x512 Zero => default;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Bf16x512 LoadWords(uint* source) => new(Vector512.Load(source).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Bf16x512 Low(Bf16x512 w) => new(Vector512.ShiftLeft(w._v.AsUInt32(), 16).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Bf16x512 High(Bf16x512 w) => new((w._v.AsUInt32() & Vector512.Create(0xFFFF0000u)).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Bf16x512 Broadcast(float value) => new(Vector512.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Bf16x512 MultiplyAdd(Bf16x512 a, Bf16x512 b, Bf16x512 c) => new(Vector512.MultiplyAddEstimate(a._v, b._v, c._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void AddStore(float* bias, float* destination) => (_v + Vector512.Load(bias)).Store(destination);
}

internal readonly unsafe struct Bf16x256(Vector256<float> v) : IBf16Vector<Bf16x256>
{
    private readonly Vector256<float> _v = v;
    public static int Count => 8;
    public static bool Prefetch => Sse.IsSupported;
    public static Bf16x256 Zero => default;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Bf16x256 LoadWords(uint* source) => new(Vector256.Load(source).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Bf16x256 Low(Bf16x256 w) => new(Vector256.ShiftLeft(w._v.AsUInt32(), 16).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Bf16x256 High(Bf16x256 w) => new((w._v.AsUInt32() & Vector256.Create(0xFFFF0000u)).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Bf16x256 Broadcast(float value) => new(Vector256.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Bf16x256 MultiplyAdd(Bf16x256 a, Bf16x256 b, Bf16x256 c) => new(Vector256.MultiplyAddEstimate(a._v, b._v, c._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void AddStore(float* bias, float* destination) => (_v + Vector256.Load(bias)).Store(destination);
}

internal readonly unsafe struct Bf16x128(Vector128<float> v) : IBf16Vector<Bf16x128>
{
    private readonly Vector128<float> _v = v;
    public static int Count => 4;
    public static bool Prefetch => false; // as GemmKernel128
    public static Bf16x128 Zero => default;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Bf16x128 LoadWords(uint* source) => new(Vector128.Load(source).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Bf16x128 Low(Bf16x128 w) => new(Vector128.ShiftLeft(w._v.AsUInt32(), 16).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Bf16x128 High(Bf16x128 w) => new((w._v.AsUInt32() & Vector128.Create(0xFFFF0000u)).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Bf16x128 Broadcast(float value) => new(Vector128.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Bf16x128 MultiplyAdd(Bf16x128 a, Bf16x128 b, Bf16x128 c) => new(Vector128.MultiplyAddEstimate(a._v, b._v, c._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void AddStore(float* bias, float* destination) => (_v + Vector128.Load(bias)).Store(destination);
}

/// <summary>One word at a time, a plain multiply and add (the order of GemmKernelScalar).</summary>
internal readonly unsafe struct Bf16x1(float v) : IBf16Vector<Bf16x1>
{
    private readonly float _v = v;
    public static int Count => 1;
    public static bool Prefetch => false;
    public static Bf16x1 Zero => default;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Bf16x1 LoadWords(uint* source) => new(BitConverter.UInt32BitsToSingle(*source));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Bf16x1 Low(Bf16x1 w) => new(BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(w._v) << 16));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Bf16x1 High(Bf16x1 w) => new(BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(w._v) & 0xFFFF0000u));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Bf16x1 Broadcast(float value) => new(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Bf16x1 MultiplyAdd(Bf16x1 a, Bf16x1 b, Bf16x1 c) => new(a._v * b._v + c._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void AddStore(float* bias, float* destination) => *destination = _v + *bias;
}
