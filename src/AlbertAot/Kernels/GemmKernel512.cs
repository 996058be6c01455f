using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AlbertAot.Kernels;

/// <summary>
/// The AVX-512 micro-kernel: 8 rows × 48 columns (one whole panel), 24 zmm accumulators, 3 panel loads and 8
/// broadcasts per k, and a prefetch of the panel data <see cref="Gemm.PrefetchFloats"/> ahead (16 KiB: measured best
/// on Zen 5 and on Emerald Rapids; the weights stream from L3 at short sequence lengths). Sequential in k per output, in
/// FP32 with fused multiply-adds: the same summation order for every row count, column range and thread count.
/// The accumulators are spelled out one per local (the JIT keeps each in a register); rows past TRows.Value fold away.
/// </summary>
internal readonly unsafe struct GemmKernel512 : IGemmKernel
{
    public static int Height => 8;
    public static int Width => 48;

    public static void Tile(int rows, float* a, nint lda, float* b, int k, float* bias, float* c, nint ldc)
    {
        switch (rows)
        {
            case 8: Tile<GemmRows8>(a, lda, b, k, bias, c, ldc); break;
            case 7: Tile<GemmRows7>(a, lda, b, k, bias, c, ldc); break;
            case 6: Tile<GemmRows6>(a, lda, b, k, bias, c, ldc); break;
            case 5: Tile<GemmRows5>(a, lda, b, k, bias, c, ldc); break;
            case 4: Tile<GemmRows4>(a, lda, b, k, bias, c, ldc); break;
            case 3: Tile<GemmRows3>(a, lda, b, k, bias, c, ldc); break;
            case 2: Tile<GemmRows2>(a, lda, b, k, bias, c, ldc); break;
            case 1: Tile<GemmRows1>(a, lda, b, k, bias, c, ldc); break;
            default: throw new System.ArgumentOutOfRangeException(nameof(rows));
        }
    }

    /// <summary>c[i, j] = Σ_k a[i·lda + k]·b[k·48 + j] + bias[j] for i &lt; TRows.Value, j &lt; 48.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TRows>(float* a, nint lda, float* b, int k, float* bias, float* c, nint ldc)
        where TRows : struct, IGemmRows
    {
        Vector512<float> c00 = default, c01 = default, c02 = default;
        Vector512<float> c10 = default, c11 = default, c12 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default;
        Vector512<float> c30 = default, c31 = default, c32 = default;
        Vector512<float> c40 = default, c41 = default, c42 = default;
        Vector512<float> c50 = default, c51 = default, c52 = default;
        Vector512<float> c60 = default, c61 = default, c62 = default;
        Vector512<float> c70 = default, c71 = default, c72 = default;
        float* a0 = a, a1 = a + 1 * lda, a2 = a + 2 * lda, a3 = a + 3 * lda, a4 = a + 4 * lda, a5 = a + 5 * lda, a6 = a + 6 * lda, a7 = a + 7 * lda;
        for (nint p = 0; p < k; p++)
        {
            if (Sse.IsSupported) Sse.Prefetch0(b + Gemm.PrefetchFloats);
            Vector512<float> b0 = Vector512.Load(b + 0);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> b2 = Vector512.Load(b + 32);
            Vector512<float> a0v = Vector512.Create(a0[p]);
            c00 = Vector512.MultiplyAddEstimate(a0v, b0, c00);
            c01 = Vector512.MultiplyAddEstimate(a0v, b1, c01);
            c02 = Vector512.MultiplyAddEstimate(a0v, b2, c02);
            if (TRows.Value > 1)
            {
                Vector512<float> a1v = Vector512.Create(a1[p]);
                c10 = Vector512.MultiplyAddEstimate(a1v, b0, c10);
                c11 = Vector512.MultiplyAddEstimate(a1v, b1, c11);
                c12 = Vector512.MultiplyAddEstimate(a1v, b2, c12);
            }
            if (TRows.Value > 2)
            {
                Vector512<float> a2v = Vector512.Create(a2[p]);
                c20 = Vector512.MultiplyAddEstimate(a2v, b0, c20);
                c21 = Vector512.MultiplyAddEstimate(a2v, b1, c21);
                c22 = Vector512.MultiplyAddEstimate(a2v, b2, c22);
            }
            if (TRows.Value > 3)
            {
                Vector512<float> a3v = Vector512.Create(a3[p]);
                c30 = Vector512.MultiplyAddEstimate(a3v, b0, c30);
                c31 = Vector512.MultiplyAddEstimate(a3v, b1, c31);
                c32 = Vector512.MultiplyAddEstimate(a3v, b2, c32);
            }
            if (TRows.Value > 4)
            {
                Vector512<float> a4v = Vector512.Create(a4[p]);
                c40 = Vector512.MultiplyAddEstimate(a4v, b0, c40);
                c41 = Vector512.MultiplyAddEstimate(a4v, b1, c41);
                c42 = Vector512.MultiplyAddEstimate(a4v, b2, c42);
            }
            if (TRows.Value > 5)
            {
                Vector512<float> a5v = Vector512.Create(a5[p]);
                c50 = Vector512.MultiplyAddEstimate(a5v, b0, c50);
                c51 = Vector512.MultiplyAddEstimate(a5v, b1, c51);
                c52 = Vector512.MultiplyAddEstimate(a5v, b2, c52);
            }
            if (TRows.Value > 6)
            {
                Vector512<float> a6v = Vector512.Create(a6[p]);
                c60 = Vector512.MultiplyAddEstimate(a6v, b0, c60);
                c61 = Vector512.MultiplyAddEstimate(a6v, b1, c61);
                c62 = Vector512.MultiplyAddEstimate(a6v, b2, c62);
            }
            if (TRows.Value > 7)
            {
                Vector512<float> a7v = Vector512.Create(a7[p]);
                c70 = Vector512.MultiplyAddEstimate(a7v, b0, c70);
                c71 = Vector512.MultiplyAddEstimate(a7v, b1, c71);
                c72 = Vector512.MultiplyAddEstimate(a7v, b2, c72);
            }
            b += PackedLinear.PanelWidth;
        }
        Vector512<float> bias0 = Vector512.Load(bias + 0);
        Vector512<float> bias1 = Vector512.Load(bias + 16);
        Vector512<float> bias2 = Vector512.Load(bias + 32);
        float* c0 = c;
        (c00 + bias0).Store(c0 + 0);
        (c01 + bias1).Store(c0 + 16);
        (c02 + bias2).Store(c0 + 32);
        if (TRows.Value <= 1) return;
        float* c1 = c + 1 * ldc;
        (c10 + bias0).Store(c1 + 0);
        (c11 + bias1).Store(c1 + 16);
        (c12 + bias2).Store(c1 + 32);
        if (TRows.Value <= 2) return;
        float* c2 = c + 2 * ldc;
        (c20 + bias0).Store(c2 + 0);
        (c21 + bias1).Store(c2 + 16);
        (c22 + bias2).Store(c2 + 32);
        if (TRows.Value <= 3) return;
        float* c3 = c + 3 * ldc;
        (c30 + bias0).Store(c3 + 0);
        (c31 + bias1).Store(c3 + 16);
        (c32 + bias2).Store(c3 + 32);
        if (TRows.Value <= 4) return;
        float* c4 = c + 4 * ldc;
        (c40 + bias0).Store(c4 + 0);
        (c41 + bias1).Store(c4 + 16);
        (c42 + bias2).Store(c4 + 32);
        if (TRows.Value <= 5) return;
        float* c5 = c + 5 * ldc;
        (c50 + bias0).Store(c5 + 0);
        (c51 + bias1).Store(c5 + 16);
        (c52 + bias2).Store(c5 + 32);
        if (TRows.Value <= 6) return;
        float* c6 = c + 6 * ldc;
        (c60 + bias0).Store(c6 + 0);
        (c61 + bias1).Store(c6 + 16);
        (c62 + bias2).Store(c6 + 32);
        if (TRows.Value <= 7) return;
        float* c7 = c + 7 * ldc;
        (c70 + bias0).Store(c7 + 0);
        (c71 + bias1).Store(c7 + 16);
        (c72 + bias2).Store(c7 + 32);
    }
}
