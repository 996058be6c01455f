using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace AlbertAot.Kernels;

/// <summary>Softmax over a row, in place, with the maximum subtracted first as PyTorch does.</summary>
public static class Softmax
{
    public static void Row(Span<float> x) => Normalize(x, flushSubnormals: false);

    /// <summary>
    /// <see cref="Row"/> with every probability below float32's smallest normal number (2⁻¹²⁶ ≈ 1.2e-38) set to 0, right
    /// after the exponential. Attention rows of long sequences hold many such subnormal values (scores more than ~87
    /// below the row's maximum), and x64 CPUs take a microcode assist, ~100 cycles, for every multiply that reads one:
    /// the context product then ran 3× slower at 512 tokens. .NET cannot set the FTZ/DAZ flags ONNX Runtime sets, so
    /// the values are flushed here. What is dropped is below 2⁻¹²⁶ of a sum that is at least 1: no normal result changes.
    /// </summary>
    public static void RowFlushingSubnormals(Span<float> x) => Normalize(x, flushSubnormals: true);

    private static void Normalize(Span<float> x, bool flushSubnormals)
    {
        // With HF's additive mask (float32 min, not −inf) a fully masked row stays finite: every score is ~min,
        // so the row becomes uniform, which is HF's defined behaviour.
        float max = TensorPrimitives.Max(x);
        float sum = flushSubnormals ? ExpAndSum<Flushing>(x, max) : ExpAndSum<Keeping>(x, max);
        TensorPrimitives.Multiply(x, 1f / sum, x);
        if (flushSubnormals) FlushSubnormals(x);
    }

    private const float SmallestNormal = 1.17549435E-38f;

    /// <summary>Whether <see cref="ExpAndSum{TFlush}"/> sets exponentials below 2⁻¹²⁶ to 0 (a compile-time constant).</summary>
    private interface IFlush { static abstract bool Flush { get; } }
    private readonly struct Flushing : IFlush { public static bool Flush => true; }
    private readonly struct Keeping : IFlush { public static bool Flush => false; }

    /// <summary>
    /// x[i] = exp(x[i] − max) (0 where that is subnormal, when flushing), returning the sum: one pass over the row
    /// instead of subtract, exponential, flush and sum (the row is read once from L1, not four times). Flushing uses
    /// <see cref="ExpOperator.InvokeFlushing(Vector256{float})"/>, which never forms the subnormal it drops: the plain
    /// exponential followed by a compare took a microcode assist for each (AOT profile of a 512-token forward on the
    /// AVX2 Zen 3: this pass 2.66 → 1.68 % of the time, 1.2 → 0.67 ns a score; in-process over rows of scores spread
    /// down to −300, softmax 2.0 → 1.1 ns a score, and unchanged where no score is 87 below the maximum).
    /// </summary>
    private static float ExpAndSum<TFlush>(Span<float> x, float max) where TFlush : struct, IFlush
    {
        ref float r = ref MemoryMarshal.GetReference(x);
        int n = x.Length, i = 0;
        float sum = 0f;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            Vector512<float> m = Vector512.Create(max), total = Vector512<float>.Zero;
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Vector512<float> d = Vector512.LoadUnsafe(ref r, (nuint)i) - m;
                Vector512<float> e = TFlush.Flush ? ExpOperator.InvokeFlushing(d) : ExpOperator.Invoke(d);
                e.StoreUnsafe(ref r, (nuint)i);
                total += e;
            }
            sum += Vector512.Sum(total);
        }
        if (Vector256.IsHardwareAccelerated && n - i >= Vector256<float>.Count)
        {
            Vector256<float> m = Vector256.Create(max), total = Vector256<float>.Zero;
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> d = Vector256.LoadUnsafe(ref r, (nuint)i) - m;
                Vector256<float> e = TFlush.Flush ? ExpOperator.InvokeFlushing(d) : ExpOperator.Invoke(d);
                e.StoreUnsafe(ref r, (nuint)i);
                total += e;
            }
            sum += Vector256.Sum(total);
        }
        if (Vector128.IsHardwareAccelerated && n - i >= Vector128<float>.Count)
        {
            Vector128<float> m = Vector128.Create(max), total = Vector128<float>.Zero;
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                Vector128<float> d = Vector128.LoadUnsafe(ref r, (nuint)i) - m;
                Vector128<float> e = TFlush.Flush ? ExpOperator.InvokeFlushing(d) : ExpOperator.Invoke(d);
                e.StoreUnsafe(ref r, (nuint)i);
                total += e;
            }
            sum += Vector128.Sum(total);
        }
        for (; i < n; i++)
        {
            float d = Unsafe.Add(ref r, i) - max;
            float e = TFlush.Flush ? ExpOperator.InvokeFlushing(d) : ExpOperator.Invoke(d);
            Unsafe.Add(ref r, i) = e;
            sum += e;
        }
        return sum;
    }

    /// <summary>Sets every value of magnitude below 2⁻¹²⁶ (float32's subnormals) to +0.</summary>
    internal static void FlushSubnormals(Span<float> x)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            Span<Vector<float>> vectors = MemoryMarshal.Cast<float, Vector<float>>(x);
            var limit = new Vector<float>(SmallestNormal);
            for (int v = 0; v < vectors.Length; v++)
                vectors[v] = Vector.ConditionalSelect(Vector.LessThan(Vector.Abs(vectors[v]), limit), Vector<float>.Zero, vectors[v]);
            i = vectors.Length * Vector<float>.Count;
        }
        for (; i < x.Length; i++)
            if (MathF.Abs(x[i]) < SmallestNormal) x[i] = 0f;
    }
}
