using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using AlbertAot.Runtime;

namespace AlbertAot.Kernels;

/// <summary>
/// Multi-head attention over the output of the fused Q/K/V projection: qkv is [rows, 3·hidden] with Q, K and V side
/// by side in each row, heads side by side within each. context = softmax(Q·Kᵀ/√d + mask)·V per (sequence, head),
/// written to [rows, hidden]. Register-blocked: K of one head is transposed once into scratch and V copied into
/// contiguous rows (on AVX2, chunks of 16 columns), so that four query rows' scores come out two vectors of keys at a
/// time (8 accumulators), and four rows of context accumulate a whole 64-wide head row per key (16 accumulators: the
/// FMA pipes stay full and each V row is read once per block, not once per vector of columns; on AVX2, with 16 ymm
/// registers, a 16-column chunk per block and 8 accumulators). Nothing bigger than one head's scores is materialised.
/// Every score is summed over the head's columns, every context value over the keys, sequentially from
/// zero. (sequence, head) pairs are split across the pool's threads; each pair is computed the same way whichever
/// thread runs it. The sequences are a padded batch (equal lengths, masked) or packed ones of their own lengths
/// (AlbertInputs.SkipPadding).
/// </summary>
public static class FusedAttention
{
    private const int RowBlock = 4;

    /// <summary>Keys are padded to a multiple of this: two vectors of the widest tier.</summary>
    private const int KeyPadding = 32;

    /// <summary>Floats of scratch one thread needs for sequences of up to <paramref name="seq"/> rows (Forward takes threads × this): Kᵀ, V, four score rows.</summary>
    public static int ScratchPerThread(int seq, int headSize)
    {
        int padded = RoundUp(seq, KeyPadding);
        return 2 * headSize * padded + RowBlock * padded;
    }

    /// <param name="maskBias">[batch, seq]: 0 where attention_mask is 1, float32 min where it is 0 (HF's additive mask).</param>
    /// <param name="scratch">At least (pool threads) × <see cref="ScratchPerThread"/> floats.</param>
    public static void Forward(float[] qkv, float[] maskBias, float[] context, float[] scratch,
        int batch, int seq, int heads, int headSize, ComputePool? pool)
    {
        if (batch < 1 || seq < 1) throw new ArgumentOutOfRangeException(nameof(batch), $"Attention over batch {batch}, seq {seq}: both must be positive.");
        Run(qkv, maskBias, context, scratch, null, batch, seq, batch * seq, heads, headSize, pool);
    }

    /// <summary>
    /// Sequences of different lengths packed one after another (padding left out): sequence i is the rows
    /// [<paramref name="sequenceStarts"/>[i], <paramref name="sequenceStarts"/>[i + 1]) of qkv and context, and attends
    /// to its own rows only. Each sequence's result is that of a batch of one of its length.
    /// </summary>
    /// <param name="maskBias">[rows]: the additive mask of each row as a key (0 for every real token).</param>
    /// <param name="sequenceStarts">At least <paramref name="sequences"/> + 1 increasing row offsets from 0.</param>
    /// <param name="scratch">At least (pool threads) × <see cref="ScratchPerThread"/> of the longest sequence.</param>
    public static void Forward(float[] qkv, float[] maskBias, float[] context, float[] scratch,
        int[] sequenceStarts, int sequences, int heads, int headSize, ComputePool? pool)
    {
        ArgumentNullException.ThrowIfNull(sequenceStarts);
        if (sequences < 1 || sequenceStarts.Length < sequences + 1 || sequenceStarts[0] != 0)
            throw new ArgumentException($"sequenceStarts must hold {sequences} + 1 row offsets from 0 (it holds {sequenceStarts.Length}).", nameof(sequenceStarts));
        int longest = 0;
        for (int i = 0; i < sequences; i++)
        {
            int length = sequenceStarts[i + 1] - sequenceStarts[i];
            if (length < 1)
                throw new ArgumentException($"Sequence {i} spans rows [{sequenceStarts[i]}, {sequenceStarts[i + 1]}): a sequence needs at least one row.", nameof(sequenceStarts));
            longest = Math.Max(longest, length);
        }
        Run(qkv, maskBias, context, scratch, sequenceStarts, sequences, longest, sequenceStarts[sequences], heads, headSize, pool);
    }

    /// <param name="starts">Null: <paramref name="sequences"/> sequences of <paramref name="longest"/> rows each.</param>
    private static void Run(float[] qkv, float[] maskBias, float[] context, float[] scratch, int[]? starts, int sequences, int longest,
        int rows, int heads, int headSize, ComputePool? pool)
    {
        int hidden = heads * headSize;
        int threads = pool?.ThreadCount ?? 1;
        if (qkv.Length < (long)rows * 3 * hidden || context.Length < (long)rows * hidden || maskBias.Length < rows ||
            scratch.Length < (long)threads * ScratchPerThread(longest, headSize))
            throw new ArgumentException(
                $"FusedAttention buffers are too small for {rows} rows in {sequences} sequences of up to {longest}, {heads} heads of {headSize}.");

        var body = new Body(qkv, maskBias, context, scratch, starts, sequences, longest, heads, headSize, threads);
        int parts = Math.Min(threads, sequences * heads);
        if (pool is null || parts == 1) body.Execute(0, 1);
        else pool.Run(body, parts);
    }

    /// <summary>(sequence, head) pairs split evenly across the parts; each part uses its own slice of scratch.</summary>
    private readonly struct Body(float[] qkv, float[] maskBias, float[] context, float[] scratch, int[]? starts, int sequences,
        int longest, int heads, int headSize, int parts) : IComputeBody
    {
        public void Execute(int part) => Execute(part, Math.Min(parts, sequences * heads));

        public void Execute(int part, int partCount)
        {
            int items = sequences * heads;
            int perThread = ScratchPerThread(longest, headSize);
            Span<float> own = scratch.AsSpan(part * perThread, perThread);
            for (int item = part * items / partCount; item < (part + 1) * items / partCount; item++)
            {
                int sequence = item / heads;
                int start = starts is null ? sequence * longest : starts[sequence];
                int length = starts is null ? longest : starts[sequence + 1] - start;
                Head(qkv, maskBias, context, own, start, length, item % heads, heads, headSize);
            }
        }
    }

    /// <summary>One (sequence, head), on the widest vectors that divide the head size.</summary>
    private static void Head(float[] qkv, float[] maskBias, float[] context, Span<float> scratch, int rowBase, int seq, int h, int heads, int headSize)
    {
        if (Simd512.IsAccelerated && headSize % Simd512.Count == 0) Head<Simd512>(qkv, maskBias, context, scratch, rowBase, seq, h, heads, headSize);
        else if (Simd256.IsAccelerated && headSize % Simd256.Count == 0) Head<Simd256>(qkv, maskBias, context, scratch, rowBase, seq, h, heads, headSize);
        else if (Simd128.IsAccelerated && headSize % Simd128.Count == 0) Head<Simd128>(qkv, maskBias, context, scratch, rowBase, seq, h, heads, headSize);
        else Head<Simd1>(qkv, maskBias, context, scratch, rowBase, seq, h, heads, headSize);
    }

    /// <summary>Head h of the sequence of <paramref name="seq"/> rows from <paramref name="rowBase"/>.</summary>
    private static void Head<TVec>(float[] qkv, float[] maskBias, float[] context, Span<float> scratch, int rowBase, int seq, int h, int heads, int headSize)
        where TVec : struct, ISimdVector<TVec>
    {
        int hidden = heads * headSize, stride = 3 * hidden, padded = RoundUp(seq, KeyPadding);
        ref float q0 = ref MemoryMarshal.GetArrayDataReference(qkv);
        ref float kt = ref MemoryMarshal.GetReference(scratch);
        ref float v = ref Unsafe.Add(ref kt, headSize * padded);
        Span<float> scoreRows = scratch.Slice(2 * headSize * padded, RowBlock * padded);
        ref float scores = ref MemoryMarshal.GetReference(scoreRows);
        ReadOnlySpan<float> mask = maskBias.AsSpan(rowBase, seq);
        float scale = 1f / MathF.Sqrt(headSize);
        nuint n = (nuint)TVec.Count;

        // Kᵀ of this head in blocks of two vectors of keys: kt[jb, c, jj] = K[jb·2n + jj, c], keys padded with zeros to
        // whole blocks (a block's 64 columns are contiguous: the score loop reads it front to back from L1, where rows of
        // a plain Kᵀ lie 4·seq bytes apart); V's rows of this head side by side: v[j, c] = V[j, c] (the qkv rows are
        // 3·hidden apart; the context loop then reads V front to back), or on AVX2 in chunks of 16 columns (ChunkedV).
        int block = 2 * TVec.Count;
        bool chunkedV = ChunkedV<TVec>(headSize);
        for (int j = 0; j < padded; j++)
        {
            int k = (rowBase + j) * stride + hidden + h * headSize;
            ref float column = ref Unsafe.Add(ref kt, j / block * block * headSize + j % block);
            for (int c = 0; c < headSize; c++)
                Unsafe.Add(ref column, c * block) = j < seq ? qkv[k + c] : 0f;
            if (j >= seq) continue;
            if (chunkedV)
            {
                // v[q, j, ·] = V[j, 16q .. 16q + 16): each AVX2 context block reads its 16 columns of every key in order.
                for (int q = 0; q < headSize; q += ContextChunk)
                    qkv.AsSpan(k + hidden + q, ContextChunk).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref v, q * seq + j * ContextChunk), ContextChunk));
            }
            else
            {
                qkv.AsSpan(k + hidden, headSize).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref v, j * headSize), headSize));
            }
        }

        for (int i0 = 0; i0 < seq; i0 += RowBlock)
        {
            int rows = Math.Min(RowBlock, seq - i0);
            // Query rows i0 .. i0 + 3 (the last repeated when fewer remain; its results are not used).
            ref float qa = ref Unsafe.Add(ref q0, (rowBase + i0) * stride + h * headSize);
            ref float qb = ref Unsafe.Add(ref q0, (rowBase + i0 + Math.Min(1, rows - 1)) * stride + h * headSize);
            ref float qc = ref Unsafe.Add(ref q0, (rowBase + i0 + Math.Min(2, rows - 1)) * stride + h * headSize);
            ref float qd = ref Unsafe.Add(ref q0, (rowBase + i0 + Math.Min(3, rows - 1)) * stride + h * headSize);

            // Scores: two vectors of keys at a time, four query rows sharing each load of Kᵀ.
            if (typeof(TVec) == typeof(Simd256))
                Scores256(ref qa, ref qb, ref qc, ref qd, ref kt, padded, headSize, ref scores);
            else
            for (nuint jc = 0; jc < (nuint)padded; jc += 2 * n)
            {
                TVec a0 = TVec.Zero, b0 = TVec.Zero, c0 = TVec.Zero, d0 = TVec.Zero;
                TVec a1 = TVec.Zero, b1 = TVec.Zero, c1 = TVec.Zero, d1 = TVec.Zero;
                for (int c = 0; c < headSize; c++)
                {
                    nuint at = jc * (nuint)headSize + (nuint)c * 2 * n;
                    TVec keys0 = TVec.Load(ref kt, at), keys1 = TVec.Load(ref kt, at + n);
                    TVec qav = TVec.Broadcast(Unsafe.Add(ref qa, c)), qbv = TVec.Broadcast(Unsafe.Add(ref qb, c));
                    TVec qcv = TVec.Broadcast(Unsafe.Add(ref qc, c)), qdv = TVec.Broadcast(Unsafe.Add(ref qd, c));
                    a0 = TVec.MultiplyAdd(qav, keys0, a0);
                    a1 = TVec.MultiplyAdd(qav, keys1, a1);
                    b0 = TVec.MultiplyAdd(qbv, keys0, b0);
                    b1 = TVec.MultiplyAdd(qbv, keys1, b1);
                    c0 = TVec.MultiplyAdd(qcv, keys0, c0);
                    c1 = TVec.MultiplyAdd(qcv, keys1, c1);
                    d0 = TVec.MultiplyAdd(qdv, keys0, d0);
                    d1 = TVec.MultiplyAdd(qdv, keys1, d1);
                }
                nuint p = (nuint)padded;
                a0.Store(ref scores, jc);
                a1.Store(ref scores, jc + n);
                b0.Store(ref scores, p + jc);
                b1.Store(ref scores, p + jc + n);
                c0.Store(ref scores, 2 * p + jc);
                c1.Store(ref scores, 2 * p + jc + n);
                d0.Store(ref scores, 3 * p + jc);
                d1.Store(ref scores, 3 * p + jc + n);
            }

            // softmax(scores/√d + mask) per row: HF's additive mask keeps a fully masked row finite (uniform).
            for (int r = 0; r < rows; r++)
            {
                Span<float> row = scoreRows.Slice(r * padded, seq);
                TensorPrimitives.MultiplyAdd(row, scale, mask, row);
                Softmax.RowFlushingSubnormals(row); // subnormal probabilities would slow the context product 3x
            }

            ref float pa = ref scores;
            ref float pb = ref Unsafe.Add(ref scores, Math.Min(1, rows - 1) * padded);
            ref float pc = ref Unsafe.Add(ref scores, Math.Min(2, rows - 1) * padded);
            ref float pd = ref Unsafe.Add(ref scores, Math.Min(3, rows - 1) * padded);
            ref float ctx = ref MemoryMarshal.GetArrayDataReference(context);
            int outBase = (rowBase + i0) * hidden + h * headSize;
            int dc = 0;
            if (chunkedV)
                for (; dc < headSize; dc += ContextChunk)
                    Context256(ref Unsafe.Add(ref v, dc * seq), ContextChunk, seq, ref pa, ref pb, ref pc, ref pd, ref ctx, outBase + dc, hidden, rows);
            else if (typeof(TVec) == typeof(Simd256))
                for (; dc + ContextChunk <= headSize; dc += ContextChunk)
                    Context256(ref Unsafe.Add(ref v, dc), headSize, seq, ref pa, ref pb, ref pc, ref pd, ref ctx, outBase + dc, hidden, rows);
            // Context: four rows × four vectors of the head's columns (a whole 64-wide row on AVX-512) per key.
            for (; dc + 4 * TVec.Count <= headSize; dc += 4 * TVec.Count)
                Context4<TVec>(ref v, headSize, dc, seq, ref pa, ref pb, ref pc, ref pd, ref ctx, outBase, hidden, rows);
            // Then one vector of columns at a time (head sizes that are not a multiple of four vectors).
            for (; dc < headSize; dc += TVec.Count)
            {
                TVec a = TVec.Zero, bb = TVec.Zero, cc = TVec.Zero, d = TVec.Zero;
                for (int j = 0; j < seq; j++)
                {
                    TVec values = TVec.Load(ref v, (nuint)(j * headSize + dc));
                    a = TVec.MultiplyAdd(TVec.Broadcast(Unsafe.Add(ref pa, j)), values, a);
                    bb = TVec.MultiplyAdd(TVec.Broadcast(Unsafe.Add(ref pb, j)), values, bb);
                    cc = TVec.MultiplyAdd(TVec.Broadcast(Unsafe.Add(ref pc, j)), values, cc);
                    d = TVec.MultiplyAdd(TVec.Broadcast(Unsafe.Add(ref pd, j)), values, d);
                }
                StoreRows(a, bb, cc, d, ref ctx, outBase + dc, hidden, rows);
            }
        }
    }

    /// <summary>Context columns [dc, dc + 4·Count) of four rows: Σ_j p[r, j]·V[j, ·], 16 accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Context4<TVec>(ref float v, int headSize, int dc, int seq, ref float pa, ref float pb, ref float pc, ref float pd,
        ref float ctx, int outBase, int hidden, int rows) where TVec : struct, ISimdVector<TVec>
    {
        nuint n = (nuint)TVec.Count;
        TVec a0 = TVec.Zero, a1 = TVec.Zero, a2 = TVec.Zero, a3 = TVec.Zero;
        TVec b0 = TVec.Zero, b1 = TVec.Zero, b2 = TVec.Zero, b3 = TVec.Zero;
        TVec c0 = TVec.Zero, c1 = TVec.Zero, c2 = TVec.Zero, c3 = TVec.Zero;
        TVec d0 = TVec.Zero, d1 = TVec.Zero, d2 = TVec.Zero, d3 = TVec.Zero;
        for (int j = 0; j < seq; j++)
        {
            nuint at = (nuint)(j * headSize + dc);
            TVec v0 = TVec.Load(ref v, at), v1 = TVec.Load(ref v, at + n), v2 = TVec.Load(ref v, at + 2 * n), v3 = TVec.Load(ref v, at + 3 * n);
            TVec p = TVec.Broadcast(Unsafe.Add(ref pa, j));
            a0 = TVec.MultiplyAdd(p, v0, a0); a1 = TVec.MultiplyAdd(p, v1, a1); a2 = TVec.MultiplyAdd(p, v2, a2); a3 = TVec.MultiplyAdd(p, v3, a3);
            p = TVec.Broadcast(Unsafe.Add(ref pb, j));
            b0 = TVec.MultiplyAdd(p, v0, b0); b1 = TVec.MultiplyAdd(p, v1, b1); b2 = TVec.MultiplyAdd(p, v2, b2); b3 = TVec.MultiplyAdd(p, v3, b3);
            p = TVec.Broadcast(Unsafe.Add(ref pc, j));
            c0 = TVec.MultiplyAdd(p, v0, c0); c1 = TVec.MultiplyAdd(p, v1, c1); c2 = TVec.MultiplyAdd(p, v2, c2); c3 = TVec.MultiplyAdd(p, v3, c3);
            p = TVec.Broadcast(Unsafe.Add(ref pd, j));
            d0 = TVec.MultiplyAdd(p, v0, d0); d1 = TVec.MultiplyAdd(p, v1, d1); d2 = TVec.MultiplyAdd(p, v2, d2); d3 = TVec.MultiplyAdd(p, v3, d3);
        }
        int o = outBase + dc, step = TVec.Count;
        StoreRows(a0, b0, c0, d0, ref ctx, o, hidden, rows);
        StoreRows(a1, b1, c1, d1, ref ctx, o + step, hidden, rows);
        StoreRows(a2, b2, c2, d2, ref ctx, o + 2 * step, hidden, rows);
        StoreRows(a3, b3, c3, d3, ref ctx, o + 3 * step, hidden, rows);
    }

    /// <summary>
    /// Scores of four query rows against all keys on AVX2, sixteen keys at a time from Kᵀ's blocks (16 wide, one per
    /// head column).
    /// </summary>
    private static void Scores256(ref float qa, ref float qb, ref float qc, ref float qd, ref float kt, int padded, int headSize,
        ref float scores)
    {
        nuint p = (nuint)padded;
        for (nuint jc = 0; jc < p; jc += 16)
        {
            Block4x16(ref qa, ref qb, ref qc, ref qd, ref Unsafe.Add(ref kt, jc * (nuint)headSize), 16, headSize,
                out var a0, out var a1, out var b0, out var b1, out var c0, out var c1, out var d0, out var d1);
            a0.StoreUnsafe(ref scores, jc); a1.StoreUnsafe(ref scores, jc + 8);
            b0.StoreUnsafe(ref scores, p + jc); b1.StoreUnsafe(ref scores, p + jc + 8);
            c0.StoreUnsafe(ref scores, 2 * p + jc); c1.StoreUnsafe(ref scores, 2 * p + jc + 8);
            d0.StoreUnsafe(ref scores, 3 * p + jc); d1.StoreUnsafe(ref scores, 3 * p + jc + 8);
        }
    }

    /// <summary>
    /// Sixteen context columns of four rows on AVX2: Σ_j p[r, j]·v[j·stride .. j·stride + 16), stored at
    /// ctx[o + r·hidden].
    /// </summary>
    private static void Context256(ref float v, int stride, int seq, ref float pa, ref float pb, ref float pc, ref float pd,
        ref float ctx, int o, int hidden, int rows)
    {
        Block4x16(ref pa, ref pb, ref pc, ref pd, ref v, stride, seq,
            out var a0, out var a1, out var b0, out var b1, out var c0, out var c1, out var d0, out var d1);
        StoreRows(new Simd256(a0), new Simd256(b0), new Simd256(c0), new Simd256(d0), ref ctx, o, hidden, rows);
        StoreRows(new Simd256(a1), new Simd256(b1), new Simd256(c1), new Simd256(d1), ref ctx, o + 8, hidden, rows);
    }

    /// <summary>
    /// The 4 × 16 block both AVX2 loops are made of: row r's two vectors = Σ_i x_r[i]·m[i·stride .. i·stride + 16), summed
    /// in i from zero. 8 accumulators in plain Vector256 locals: the generic loops' Simd256 wrapper compiled to a register
    /// copy after every FMA, and their four-vector context block needs 21 of AVX2's 16 ymm registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block4x16(ref float xa, ref float xb, ref float xc, ref float xd, ref float m, nint stride, int count,
        out Vector256<float> a0, out Vector256<float> a1, out Vector256<float> b0, out Vector256<float> b1,
        out Vector256<float> c0, out Vector256<float> c1, out Vector256<float> d0, out Vector256<float> d1)
    {
        Vector256<float> sa0 = default, sa1 = default, sb0 = default, sb1 = default;
        Vector256<float> sc0 = default, sc1 = default, sd0 = default, sd1 = default;
        for (int i = 0; i < count; i++)
        {
            Vector256<float> m0 = Vector256.LoadUnsafe(ref m), m1 = Vector256.LoadUnsafe(ref m, 8);
            m = ref Unsafe.Add(ref m, stride);
            Vector256<float> x = Vector256.Create(Unsafe.Add(ref xa, i));
            sa0 = Vector256.MultiplyAddEstimate(x, m0, sa0); sa1 = Vector256.MultiplyAddEstimate(x, m1, sa1);
            x = Vector256.Create(Unsafe.Add(ref xb, i));
            sb0 = Vector256.MultiplyAddEstimate(x, m0, sb0); sb1 = Vector256.MultiplyAddEstimate(x, m1, sb1);
            x = Vector256.Create(Unsafe.Add(ref xc, i));
            sc0 = Vector256.MultiplyAddEstimate(x, m0, sc0); sc1 = Vector256.MultiplyAddEstimate(x, m1, sc1);
            x = Vector256.Create(Unsafe.Add(ref xd, i));
            sd0 = Vector256.MultiplyAddEstimate(x, m0, sd0); sd1 = Vector256.MultiplyAddEstimate(x, m1, sd1);
        }
        a0 = sa0; a1 = sa1; b0 = sb0; b1 = sb1; c0 = sc0; c1 = sc1; d0 = sd0; d1 = sd1;
    }

    /// <summary>Stores the first <paramref name="rows"/> of four row accumulators at ctx[at + r·hidden].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRows<TVec>(TVec a, TVec b, TVec c, TVec d, ref float ctx, int at, int hidden, int rows)
        where TVec : struct, ISimdVector<TVec>
    {
        a.Store(ref ctx, (nuint)at);
        if (rows > 1) b.Store(ref ctx, (nuint)(at + hidden));
        if (rows > 2) c.Store(ref ctx, (nuint)(at + 2 * hidden));
        if (rows > 3) d.Store(ref ctx, (nuint)(at + 3 * hidden));
    }

    /// <summary>Columns of one AVX2 context block (<see cref="Context256"/>), and of V's chunks (<see cref="ChunkedV{TVec}"/>).</summary>
    private const int ContextChunk = 16;

    /// <summary>
    /// Whether V is copied in chunks of 16 columns (all keys of a chunk contiguous) rather than row by row: on AVX2,
    /// when 16 divides the head size. Each context block then streams its chunk front to back, where with V row by row
    /// it read one line in four (a 64-wide head: rows 256 bytes apart, 128 KiB of V at 512 keys, out of L1). Twelve
    /// layers' attention, albert-base heads, in-process, the two layouts interleaved 16 times: 128 tokens p25 12.5-12.7
    /// → 11.9 ms, 512 tokens 225-302 → 221-273 (the same values).
    /// </summary>
    private static bool ChunkedV<TVec>(int headSize) where TVec : struct, ISimdVector<TVec> =>
        typeof(TVec) == typeof(Simd256) && headSize % ContextChunk == 0;

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
