using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AlbertAot.Kernels;

/// <summary>
/// The AVX2 micro-kernel: 4 rows × 24 columns (half a panel), 12 ymm accumulators out of 16 registers.
/// MultiplyAddEstimate is an FMA where the CPU has one and a multiply plus an add where it has not (never the
/// software FMA). Accumulation is sequential in k per output, in FP32.
/// The accumulators are spelled out one per local (the JIT keeps each in a register); rows past TRows.Value fold away.
/// </summary>
internal readonly unsafe struct GemmKernel256 : IGemmKernel
{
    public static int Height => 4;
    public static int Width => 24;

    /// <summary>
    /// 128 k per block: 12 KiB of this tile's columns, 24 KiB of the panel, in L1 with the four rows of x. Measured on an
    /// AVX2-only Zen 3 (92 GFLOP/s peak), best of 7: [128, 768] × [2304] 62.6 → 73.5 GFLOP/s, [128, 3072] × [768]
    /// 52.5 → 73.3, [8, 3072] × [768] 30.4 → 47.8 (64 and 256 were worse at 128 rows; Gemm.DriveBlocked halves it for
    /// 16 rows or fewer).
    /// </summary>
    public static int KBlock => 128;

    public static void Tile(int rows, float* a, nint lda, float* b, int k, float* bias, float* c, nint ldc)
    {
        // Unblocked: each tile streams its columns of the panel, one line per k, 16 KiB ahead.
        float* ahead = b + Gemm.PrefetchFloats;
        const int Row = PackedLinear.PanelWidth;
        switch (rows)
        {
            case 4: Tile<GemmRows4, Prefetching>(a, lda, b, k, bias, c, ldc, false, ahead, Row, k); break;
            case 3: Tile<GemmRows3, Prefetching>(a, lda, b, k, bias, c, ldc, false, ahead, Row, k); break;
            case 2: Tile<GemmRows2, Prefetching>(a, lda, b, k, bias, c, ldc, false, ahead, Row, k); break;
            case 1: Tile<GemmRows1, Prefetching>(a, lda, b, k, bias, c, ldc, false, ahead, Row, k); break;
            default: throw new System.ArgumentOutOfRangeException(nameof(rows));
        }
    }

    public static void TilePart(int rows, float* a, nint lda, float* b, int k, float* bias, float* c, nint ldc, bool accumulate,
        float* prefetch, int prefetchLines)
    {
        if (prefetchLines > 0) TilePart<Prefetching>(rows, a, lda, b, k, bias, c, ldc, accumulate, prefetch, prefetchLines);
        else TilePart<NotPrefetching>(rows, a, lda, b, k, bias, c, ldc, accumulate, null, 0);
    }

    private static void TilePart<TPrefetch>(int rows, float* a, nint lda, float* b, int k, float* bias, float* c, nint ldc,
        bool accumulate, float* prefetch, int prefetchLines) where TPrefetch : struct, IGemmFlag
    {
        const int Line = 64 / sizeof(float);
        switch (rows)
        {
            case 4: Tile<GemmRows4, TPrefetch>(a, lda, b, k, bias, c, ldc, accumulate, prefetch, Line, prefetchLines); break;
            case 3: Tile<GemmRows3, TPrefetch>(a, lda, b, k, bias, c, ldc, accumulate, prefetch, Line, prefetchLines); break;
            case 2: Tile<GemmRows2, TPrefetch>(a, lda, b, k, bias, c, ldc, accumulate, prefetch, Line, prefetchLines); break;
            case 1: Tile<GemmRows1, TPrefetch>(a, lda, b, k, bias, c, ldc, accumulate, prefetch, Line, prefetchLines); break;
            default: throw new System.ArgumentOutOfRangeException(nameof(rows));
        }
    }

    /// <summary>
    /// c[i, j] = (accumulate ? c[i, j] : 0) + Σ_k a[i·lda + k]·b[k·48 + j] (+ bias[j] when bias is not null) for
    /// i &lt; TRows.Value, j &lt; 24; when TPrefetch, one line at prefetch + p·prefetchStride for the first prefetchLines
    /// k steps p.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TRows, TPrefetch>(float* a, nint lda, float* b, int k, float* bias, float* c, nint ldc, bool accumulate,
        float* prefetch, nint prefetchStride, int prefetchLines)
        where TRows : struct, IGemmRows where TPrefetch : struct, IGemmFlag
    {
        Vector256<float> c00 = default, c01 = default, c02 = default;
        Vector256<float> c10 = default, c11 = default, c12 = default;
        Vector256<float> c20 = default, c21 = default, c22 = default;
        Vector256<float> c30 = default, c31 = default, c32 = default;
        if (accumulate)
        {
            c00 = Vector256.Load(c); c01 = Vector256.Load(c + 8); c02 = Vector256.Load(c + 16);
            if (TRows.Value > 1) { c10 = Vector256.Load(c + ldc); c11 = Vector256.Load(c + ldc + 8); c12 = Vector256.Load(c + ldc + 16); }
            if (TRows.Value > 2) { c20 = Vector256.Load(c + 2 * ldc); c21 = Vector256.Load(c + 2 * ldc + 8); c22 = Vector256.Load(c + 2 * ldc + 16); }
            if (TRows.Value > 3) { c30 = Vector256.Load(c + 3 * ldc); c31 = Vector256.Load(c + 3 * ldc + 8); c32 = Vector256.Load(c + 3 * ldc + 16); }
        }
        float* a0 = a, a1 = a + 1 * lda, a2 = a + 2 * lda, a3 = a + 3 * lda;
        for (nint p = 0; p < k; p++)
        {
            if (TPrefetch.Value && Sse.IsSupported && p < prefetchLines)
            {
                Sse.Prefetch0(prefetch);
                prefetch += prefetchStride;
            }
            Vector256<float> b0 = Vector256.Load(b + 0);
            Vector256<float> b1 = Vector256.Load(b + 8);
            Vector256<float> b2 = Vector256.Load(b + 16);
            Vector256<float> a0v = Vector256.Create(a0[p]);
            c00 = Vector256.MultiplyAddEstimate(a0v, b0, c00);
            c01 = Vector256.MultiplyAddEstimate(a0v, b1, c01);
            c02 = Vector256.MultiplyAddEstimate(a0v, b2, c02);
            if (TRows.Value > 1)
            {
                Vector256<float> a1v = Vector256.Create(a1[p]);
                c10 = Vector256.MultiplyAddEstimate(a1v, b0, c10);
                c11 = Vector256.MultiplyAddEstimate(a1v, b1, c11);
                c12 = Vector256.MultiplyAddEstimate(a1v, b2, c12);
            }
            if (TRows.Value > 2)
            {
                Vector256<float> a2v = Vector256.Create(a2[p]);
                c20 = Vector256.MultiplyAddEstimate(a2v, b0, c20);
                c21 = Vector256.MultiplyAddEstimate(a2v, b1, c21);
                c22 = Vector256.MultiplyAddEstimate(a2v, b2, c22);
            }
            if (TRows.Value > 3)
            {
                Vector256<float> a3v = Vector256.Create(a3[p]);
                c30 = Vector256.MultiplyAddEstimate(a3v, b0, c30);
                c31 = Vector256.MultiplyAddEstimate(a3v, b1, c31);
                c32 = Vector256.MultiplyAddEstimate(a3v, b2, c32);
            }
            b += PackedLinear.PanelWidth;
        }
        if (bias == null)
        {
            Store<TRows>(c, ldc, c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32);
            return;
        }
        Vector256<float> bias0 = Vector256.Load(bias + 0);
        Vector256<float> bias1 = Vector256.Load(bias + 8);
        Vector256<float> bias2 = Vector256.Load(bias + 16);
        float* c0 = c;
        (c00 + bias0).Store(c0 + 0);
        (c01 + bias1).Store(c0 + 8);
        (c02 + bias2).Store(c0 + 16);
        if (TRows.Value <= 1) return;
        float* c1 = c + 1 * ldc;
        (c10 + bias0).Store(c1 + 0);
        (c11 + bias1).Store(c1 + 8);
        (c12 + bias2).Store(c1 + 16);
        if (TRows.Value <= 2) return;
        float* c2 = c + 2 * ldc;
        (c20 + bias0).Store(c2 + 0);
        (c21 + bias1).Store(c2 + 8);
        (c22 + bias2).Store(c2 + 16);
        if (TRows.Value <= 3) return;
        float* c3 = c + 3 * ldc;
        (c30 + bias0).Store(c3 + 0);
        (c31 + bias1).Store(c3 + 8);
        (c32 + bias2).Store(c3 + 16);
    }

    /// <summary>Stores the sums without a bias (a block before the last: 0 + x would turn −0 into +0).</summary>
    private static void Store<TRows>(float* c, nint ldc, Vector256<float> c00, Vector256<float> c01, Vector256<float> c02,
        Vector256<float> c10, Vector256<float> c11, Vector256<float> c12, Vector256<float> c20, Vector256<float> c21,
        Vector256<float> c22, Vector256<float> c30, Vector256<float> c31, Vector256<float> c32) where TRows : struct, IGemmRows
    {
        c00.Store(c); c01.Store(c + 8); c02.Store(c + 16);
        if (TRows.Value <= 1) return;
        c10.Store(c + ldc); c11.Store(c + ldc + 8); c12.Store(c + ldc + 16);
        if (TRows.Value <= 2) return;
        c20.Store(c + 2 * ldc); c21.Store(c + 2 * ldc + 8); c22.Store(c + 2 * ldc + 16);
        if (TRows.Value <= 3) return;
        c30.Store(c + 3 * ldc); c31.Store(c + 3 * ldc + 8); c32.Store(c + 3 * ldc + 16);
    }

    private readonly struct Prefetching : IGemmFlag { public static bool Value => true; }
    private readonly struct NotPrefetching : IGemmFlag { public static bool Value => false; }
}
