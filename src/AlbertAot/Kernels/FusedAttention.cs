using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AlbertAot.Runtime;

namespace AlbertAot.Kernels;

/// <summary>
/// Multi-head attention over the output of the fused Q/K/V projection: qkv is [batch·seq, 3·hidden] with Q, K and V
/// side by side in each row, heads side by side within each. context = softmax(Q·Kᵀ/√d + mask)·V per (batch row,
/// head), written to [batch·seq, hidden]. Register-blocked: K of one head is transposed once into scratch so that
/// four query rows' scores come out a vector of keys at a time, and four rows of context accumulate over the keys
/// in registers. Nothing bigger than one head's scores is materialised. (batch row, head) pairs are split across
/// the pool's threads; each pair is computed the same way whichever thread runs it.
/// </summary>
public static class FusedAttention
{
    private const int RowBlock = 4;

    /// <summary>Floats of scratch one thread needs (<see cref="Forward"/> takes threads × this).</summary>
    public static int ScratchPerThread(int seq, int headSize)
    {
        int padded = RoundUp(seq, 16);
        return headSize * padded + RowBlock * padded;
    }

    /// <param name="maskBias">[batch, seq]: 0 where attention_mask is 1, float32 min where it is 0 (HF's additive mask).</param>
    /// <param name="scratch">At least (pool threads) × <see cref="ScratchPerThread"/> floats.</param>
    public static void Forward(float[] qkv, float[] maskBias, float[] context, float[] scratch,
        int batch, int seq, int heads, int headSize, ComputePool? pool)
    {
        int hidden = heads * headSize;
        int threads = pool?.ThreadCount ?? 1;
        if (qkv.Length < batch * seq * 3 * hidden || context.Length < batch * seq * hidden || maskBias.Length < batch * seq ||
            scratch.Length < threads * ScratchPerThread(seq, headSize))
            throw new ArgumentException($"FusedAttention buffers are too small for batch {batch}, seq {seq}, {heads} heads of {headSize}.");

        var body = new Body(qkv, maskBias, context, scratch, batch, seq, heads, headSize, threads);
        int parts = Math.Min(threads, batch * heads);
        if (pool is null || parts == 1) body.Execute(0, 1);
        else pool.Run(body, parts);
    }

    private readonly struct Body(float[] qkv, float[] maskBias, float[] context, float[] scratch,
        int batch, int seq, int heads, int headSize, int parts) : IComputeBody
    {
        public void Execute(int part) => Execute(part, Math.Min(parts, batch * heads));

        public void Execute(int part, int partCount)
        {
            int items = batch * heads;
            int perThread = ScratchPerThread(seq, headSize);
            Span<float> own = scratch.AsSpan(part * perThread, perThread);
            for (int item = part * items / partCount; item < (part + 1) * items / partCount; item++)
                Head(qkv, maskBias, context, own, item / heads, item % heads, seq, heads, headSize);
        }
    }

    /// <summary>One (batch row, head), on the widest vectors that divide the head size.</summary>
    private static void Head(float[] qkv, float[] maskBias, float[] context, Span<float> scratch, int b, int h, int seq, int heads, int headSize)
    {
        if (Simd512.IsAccelerated && headSize % Simd512.Count == 0) Head<Simd512>(qkv, maskBias, context, scratch, b, h, seq, heads, headSize);
        else if (Simd256.IsAccelerated && headSize % Simd256.Count == 0) Head<Simd256>(qkv, maskBias, context, scratch, b, h, seq, heads, headSize);
        else if (Simd128.IsAccelerated && headSize % Simd128.Count == 0) Head<Simd128>(qkv, maskBias, context, scratch, b, h, seq, heads, headSize);
        else Head<Simd1>(qkv, maskBias, context, scratch, b, h, seq, heads, headSize);
    }

    private static void Head<TVec>(float[] qkv, float[] maskBias, float[] context, Span<float> scratch, int b, int h, int seq, int heads, int headSize)
        where TVec : struct, ISimdVector<TVec>
    {
        int hidden = heads * headSize, stride = 3 * hidden, padded = RoundUp(seq, TVec.Count);
        int rowBase = b * seq;
        ref float q0 = ref MemoryMarshal.GetArrayDataReference(qkv);
        ref float kt = ref MemoryMarshal.GetReference(scratch);
        Span<float> scoreRows = scratch.Slice(headSize * padded, RowBlock * padded);
        ref float scores = ref MemoryMarshal.GetReference(scoreRows);
        ReadOnlySpan<float> mask = maskBias.AsSpan(rowBase, seq);
        float scale = 1f / MathF.Sqrt(headSize);

        // Kᵀ of this head: kt[c, j] = K[j, c], keys padded with zeros to whole vectors.
        for (int j = 0; j < padded; j++)
        {
            int k = (rowBase + j) * stride + hidden + h * headSize;
            for (int c = 0; c < headSize; c++)
                Unsafe.Add(ref kt, c * padded + j) = j < seq ? qkv[k + c] : 0f;
        }

        for (int i0 = 0; i0 < seq; i0 += RowBlock)
        {
            int rows = Math.Min(RowBlock, seq - i0);
            // Query rows i0 .. i0 + 3 (the last repeated when fewer remain; its results are not used).
            ref float qa = ref Unsafe.Add(ref q0, (rowBase + i0) * stride + h * headSize);
            ref float qb = ref Unsafe.Add(ref q0, (rowBase + i0 + Math.Min(1, rows - 1)) * stride + h * headSize);
            ref float qc = ref Unsafe.Add(ref q0, (rowBase + i0 + Math.Min(2, rows - 1)) * stride + h * headSize);
            ref float qd = ref Unsafe.Add(ref q0, (rowBase + i0 + Math.Min(3, rows - 1)) * stride + h * headSize);

            // Scores: a vector of keys at a time, four query rows sharing each load of Kᵀ.
            for (int jc = 0; jc < padded; jc += TVec.Count)
            {
                TVec a = TVec.Zero, bb = TVec.Zero, cc = TVec.Zero, d = TVec.Zero;
                for (int c = 0; c < headSize; c++)
                {
                    TVec keys = TVec.Load(ref kt, (nuint)(c * padded + jc));
                    a = TVec.MultiplyAdd(TVec.Broadcast(Unsafe.Add(ref qa, c)), keys, a);
                    bb = TVec.MultiplyAdd(TVec.Broadcast(Unsafe.Add(ref qb, c)), keys, bb);
                    cc = TVec.MultiplyAdd(TVec.Broadcast(Unsafe.Add(ref qc, c)), keys, cc);
                    d = TVec.MultiplyAdd(TVec.Broadcast(Unsafe.Add(ref qd, c)), keys, d);
                }
                a.Store(ref scores, (nuint)jc);
                bb.Store(ref scores, (nuint)(padded + jc));
                cc.Store(ref scores, (nuint)(2 * padded + jc));
                d.Store(ref scores, (nuint)(3 * padded + jc));
            }

            // softmax(scores/√d + mask) per row: HF's additive mask keeps a fully masked row finite (uniform).
            for (int r = 0; r < rows; r++)
            {
                Span<float> row = scoreRows.Slice(r * padded, seq);
                TensorPrimitives.MultiplyAdd(row, scale, mask, row);
                Softmax.Row(row);
            }

            // Context: four rows at a time, a vector of the head's columns per pass, summed over the keys.
            ref float pa = ref scores;
            ref float pb = ref Unsafe.Add(ref scores, Math.Min(1, rows - 1) * padded);
            ref float pc = ref Unsafe.Add(ref scores, Math.Min(2, rows - 1) * padded);
            ref float pd = ref Unsafe.Add(ref scores, Math.Min(3, rows - 1) * padded);
            ref float ctx = ref MemoryMarshal.GetArrayDataReference(context);
            for (int dc = 0; dc < headSize; dc += TVec.Count)
            {
                TVec a = TVec.Zero, bb = TVec.Zero, cc = TVec.Zero, d = TVec.Zero;
                for (int j = 0; j < seq; j++)
                {
                    TVec values = TVec.Load(ref q0, (nuint)((rowBase + j) * stride + 2 * hidden + h * headSize + dc));
                    a = TVec.MultiplyAdd(TVec.Broadcast(Unsafe.Add(ref pa, j)), values, a);
                    bb = TVec.MultiplyAdd(TVec.Broadcast(Unsafe.Add(ref pb, j)), values, bb);
                    cc = TVec.MultiplyAdd(TVec.Broadcast(Unsafe.Add(ref pc, j)), values, cc);
                    d = TVec.MultiplyAdd(TVec.Broadcast(Unsafe.Add(ref pd, j)), values, d);
                }
                int outBase = (rowBase + i0) * hidden + h * headSize + dc;
                a.Store(ref ctx, (nuint)outBase);
                if (rows > 1) bb.Store(ref ctx, (nuint)(outBase + hidden));
                if (rows > 2) cc.Store(ref ctx, (nuint)(outBase + 2 * hidden));
                if (rows > 3) d.Store(ref ctx, (nuint)(outBase + 3 * hidden));
            }
        }
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
