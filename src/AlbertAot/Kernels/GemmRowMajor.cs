using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace AlbertAot.Kernels;

/// <summary>
/// <see cref="Gemm"/> for few rows (up to <see cref="MaxRows"/>), reading the weights where they are, in PyTorch's
/// [out, in] layout: no packed copy. A short sequence reads each weight once per product either way (the product is
/// bound by memory, not by arithmetic), so the copy buys nothing there, while making it costs the cold start ~30 ms
/// and the process 28 MB for albert-base.
/// </summary>
/// <remarks>
/// The rows are transposed into a small [in, rows] scratch, so one vector holds one input column of every row; each
/// weight W[o, k] is broadcast and multiplied into it. Every output is therefore still summed sequentially over k in
/// FP32 from zero, with the same multiply-add, then the bias is added, then the activation over a whole 48-column
/// panel row: bit-identical to the panel kernels on the same ISA tier, so a result does not depend on which path ran.
/// Per k: 1 vector load and 8 broadcasts for 8 multiply-adds (or 2 and 4 for two vectors of rows), over 8 (4) weight
/// rows streamed front to back.
/// </remarks>
internal static unsafe class GemmRowMajor
{
    /// <summary>Most rows this path takes; more go to the packed panels (packed at that first use).</summary>
    public const int MaxRows = 16;

    private const int MaxOutputs = 8; // weight rows per tile: 8 with one vector of rows, 4 with two (8 accumulators either way)

    // The transposed rows, per thread (the pool's threads each transpose for their own column range); grows once.
    [ThreadStatic] private static float[]? t_transposed;

    /// <summary>Columns [columnStart, columnEnd) of y = epilogue(x·Wᵀ + b) for rows ≤ <see cref="MaxRows"/>, from W in place.</summary>
    public static void Drive<TVec>(float* x, nint ldx, PackedLinear w, float* y, nint ldy, int rows,
        GemmEpilogue epilogue, int columnStart, int columnEnd) where TVec : struct, ISimdVector<TVec>
    {
        const int P = PackedLinear.PanelWidth;
        int k = w.InFeatures;
        // One vector of rows when they fit, else two (Vector256 holds 8 rows, Vector128 4, the scalar tier 1).
        int vectors = rows <= TVec.Count ? 1 : 2;
        int block = vectors * TVec.Count;
        PackedLinear.SourcePart[] sources = w.Sources!;
        float* tile = stackalloc float[MaxRows * P];
        float* sums = stackalloc float[MaxOutputs * 16]; // outputs × block ≤ 8 × 16 (one vector) or 4 × 32 (two)
        int outputs = vectors == 1 ? 8 : 4;

        for (int r0 = 0; r0 < rows; r0 += block)
        {
            int h = Math.Min(block, rows - r0);
            float[] transposed = Transpose(x + r0 * ldx, ldx, h, k, block);
            fixed (float* xt = transposed)
            {
                int firstPanel = columnStart / P, endPanel = (columnEnd + P - 1) / P;
                for (int panel = firstPanel; panel < endPanel; panel++)
                {
                    int c0 = panel * P, lo = Math.Max(columnStart, c0), hi = Math.Min(columnEnd, c0 + P);
                    new Span<float>(tile, h * P).Clear(); // columns outside [lo, hi) are activated but never stored
                    for (int o = lo; o < hi; o += outputs)
                    {
                        // A short last tile repeats its last row (computed, never stored).
                        int n = Math.Min(outputs, hi - o);
                        float* w0 = Row(sources, k, o), w1 = Row(sources, k, o + Math.Min(1, n - 1)),
                               w2 = Row(sources, k, o + Math.Min(2, n - 1)), w3 = Row(sources, k, o + Math.Min(3, n - 1));
                        if (vectors == 1)
                        {
                            float* w4 = Row(sources, k, o + Math.Min(4, n - 1)), w5 = Row(sources, k, o + Math.Min(5, n - 1)),
                                   w6 = Row(sources, k, o + Math.Min(6, n - 1)), w7 = Row(sources, k, o + Math.Min(7, n - 1));
                            Tile8x1<TVec>(xt, k, w0, w1, w2, w3, w4, w5, w6, w7, sums, Next(sources, k, o + 8, columnEnd));
                        }
                        else Tile4x2<TVec>(xt, k, w0, w1, w2, w3, sums, Next(sources, k, o + 4, columnEnd));
                        // sums[j·block + i] = Σ_k x[i, k]·W[o + j, k]; add the bias as the panel kernels do.
                        for (int j = 0; j < n; j++)
                        {
                            float bias = Bias(sources, o + j);
                            for (int i = 0; i < h; i++) tile[i * P + (o + j - c0)] = sums[j * block + i] + bias;
                        }
                    }
                    if (epilogue != GemmEpilogue.None) Gemm.ApplyEpilogue(epilogue, tile, P, h);
                    for (int i = 0; i < h; i++)
                        new ReadOnlySpan<float>(tile + i * P + (lo - c0), hi - lo).CopyTo(new Span<float>(y + (r0 + i) * ldy + lo, hi - lo));
                }
            }
        }
    }

    /// <summary>x[0..rows) → [k, block] (rows beyond <paramref name="rows"/> zero).</summary>
    private static float[] Transpose(float* x, nint ldx, int rows, int k, int block)
    {
        int length = k * block;
        float[]? transposed = t_transposed;
        if (transposed is null || transposed.Length < length) t_transposed = transposed = new float[Math.Max(length, 4096)];
        fixed (float* t = transposed)
        {
            for (int p = 0; p < k; p++)
            {
                float* column = t + p * block;
                for (int i = 0; i < rows; i++) column[i] = x[i * ldx + p];
                for (int i = rows; i < block; i++) column[i] = 0f;
            }
        }
        return transposed;
    }

    /// <summary>Row <paramref name="o"/> of the concatenated weights.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float* Row(PackedLinear.SourcePart[] sources, int k, int o)
    {
        foreach (PackedLinear.SourcePart part in sources)
            if (o < part.Start + part.Count)
                return part.Weight.Data + (nint)(o - part.Start) * k;
        throw new ArgumentOutOfRangeException(nameof(o));
    }

    /// <summary>The next tile's first weight row (its rows follow it in memory within a part), for the prefetch; null at the end.</summary>
    private static float* Next(PackedLinear.SourcePart[] sources, int k, int o, int columnEnd) => o < columnEnd ? Row(sources, k, o) : null;

    private static float Bias(PackedLinear.SourcePart[] sources, int o)
    {
        foreach (PackedLinear.SourcePart part in sources)
            if (o < part.Start + part.Count) return part.Bias is null ? 0f : part.Bias.Span[o - part.Start];
        throw new ArgumentOutOfRangeException(nameof(o));
    }

    /// <summary>
    /// 8 weight rows × one vector of rows: sums[j·Count + i] = Σ_p xt[p·Count + i]·wj[p]. Eight independent
    /// accumulators keep both FMA pipes busy (four would leave half idle behind the FMA latency).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile8x1<TVec>(float* xt, int k, float* w0, float* w1, float* w2, float* w3,
        float* w4, float* w5, float* w6, float* w7, float* sums, float* next) where TVec : struct, ISimdVector<TVec>
    {
        // The next tile's 8 rows (8·k floats, contiguous within a part) are prefetched 8 floats per k, so they arrive
        // while this tile computes: 8 short interleaved row streams alone defeat the hardware prefetcher.
        if (next is null || !Sse.IsSupported) next = w0; // harmless re-touch of this tile (ARM64: no prefetch)
        TVec s0 = TVec.Zero, s1 = TVec.Zero, s2 = TVec.Zero, s3 = TVec.Zero, s4 = TVec.Zero, s5 = TVec.Zero, s6 = TVec.Zero, s7 = TVec.Zero;
        ref float column = ref *xt;
        for (nint p = 0; p < k; p++)
        {
            if (Sse.IsSupported) Sse.Prefetch0(next + p * 8);
            TVec v = TVec.Load(ref column, (nuint)(p * TVec.Count));
            s0 = TVec.MultiplyAdd(v, TVec.Broadcast(w0[p]), s0);
            s1 = TVec.MultiplyAdd(v, TVec.Broadcast(w1[p]), s1);
            s2 = TVec.MultiplyAdd(v, TVec.Broadcast(w2[p]), s2);
            s3 = TVec.MultiplyAdd(v, TVec.Broadcast(w3[p]), s3);
            s4 = TVec.MultiplyAdd(v, TVec.Broadcast(w4[p]), s4);
            s5 = TVec.MultiplyAdd(v, TVec.Broadcast(w5[p]), s5);
            s6 = TVec.MultiplyAdd(v, TVec.Broadcast(w6[p]), s6);
            s7 = TVec.MultiplyAdd(v, TVec.Broadcast(w7[p]), s7);
        }
        ref float destination = ref *sums;
        nuint n = (nuint)TVec.Count;
        s0.Store(ref destination, 0);
        s1.Store(ref destination, n);
        s2.Store(ref destination, 2 * n);
        s3.Store(ref destination, 3 * n);
        s4.Store(ref destination, 4 * n);
        s5.Store(ref destination, 5 * n);
        s6.Store(ref destination, 6 * n);
        s7.Store(ref destination, 7 * n);
    }

    /// <summary>4 weight rows × two vectors of rows: sums[j·2·Count + i] = Σ_p xt[p·2·Count + i]·wj[p].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile4x2<TVec>(float* xt, int k, float* w0, float* w1, float* w2, float* w3, float* sums, float* next)
        where TVec : struct, ISimdVector<TVec>
    {
        if (next is null) next = w0;
        TVec s00 = TVec.Zero, s01 = TVec.Zero, s10 = TVec.Zero, s11 = TVec.Zero;
        TVec s20 = TVec.Zero, s21 = TVec.Zero, s30 = TVec.Zero, s31 = TVec.Zero;
        ref float column = ref *xt;
        nuint n = (nuint)TVec.Count;
        for (nint p = 0; p < k; p++)
        {
            if (Sse.IsSupported && (p & 1) == 0) Sse.Prefetch0(next + p * 4);
            TVec v0 = TVec.Load(ref column, (nuint)p * 2 * n), v1 = TVec.Load(ref column, (nuint)p * 2 * n + n);
            TVec b0 = TVec.Broadcast(w0[p]), b1 = TVec.Broadcast(w1[p]), b2 = TVec.Broadcast(w2[p]), b3 = TVec.Broadcast(w3[p]);
            s00 = TVec.MultiplyAdd(v0, b0, s00);
            s01 = TVec.MultiplyAdd(v1, b0, s01);
            s10 = TVec.MultiplyAdd(v0, b1, s10);
            s11 = TVec.MultiplyAdd(v1, b1, s11);
            s20 = TVec.MultiplyAdd(v0, b2, s20);
            s21 = TVec.MultiplyAdd(v1, b2, s21);
            s30 = TVec.MultiplyAdd(v0, b3, s30);
            s31 = TVec.MultiplyAdd(v1, b3, s31);
        }
        ref float destination = ref *sums;
        s00.Store(ref destination, 0);
        s01.Store(ref destination, n);
        s10.Store(ref destination, 2 * n);
        s11.Store(ref destination, 3 * n);
        s20.Store(ref destination, 4 * n);
        s21.Store(ref destination, 5 * n);
        s30.Store(ref destination, 6 * n);
        s31.Store(ref destination, 7 * n);
    }
}
