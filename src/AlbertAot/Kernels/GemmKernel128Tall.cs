using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AlbertAot.Kernels;

/// <summary>
/// The Vector128 micro-kernel for CPUs with 32 vector registers (ARM64 NEON): 8 rows × 12 columns, 24
/// accumulators. Chosen on ARM64; on x64 it is correct but spills (tests run it there for coverage).
/// The accumulators are spelled out one per local (the JIT keeps each in a register); rows past TRows.Value fold away.
/// </summary>
internal readonly unsafe struct GemmKernel128Tall : IGemmKernel
{
    public static int Height => 8;
    public static int Width => 12;

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

    /// <summary>c[i, j] = Σ_k a[i·lda + k]·b[k·48 + j] + bias[j] for i &lt; TRows.Value, j &lt; 12.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TRows>(float* a, nint lda, float* b, int k, float* bias, float* c, nint ldc)
        where TRows : struct, IGemmRows
    {
        Vector128<float> c00 = default, c01 = default, c02 = default;
        Vector128<float> c10 = default, c11 = default, c12 = default;
        Vector128<float> c20 = default, c21 = default, c22 = default;
        Vector128<float> c30 = default, c31 = default, c32 = default;
        Vector128<float> c40 = default, c41 = default, c42 = default;
        Vector128<float> c50 = default, c51 = default, c52 = default;
        Vector128<float> c60 = default, c61 = default, c62 = default;
        Vector128<float> c70 = default, c71 = default, c72 = default;
        float* a0 = a, a1 = a + 1 * lda, a2 = a + 2 * lda, a3 = a + 3 * lda, a4 = a + 4 * lda, a5 = a + 5 * lda, a6 = a + 6 * lda, a7 = a + 7 * lda;
        for (nint p = 0; p < k; p++)
        {
            Vector128<float> b0 = Vector128.Load(b + 0);
            Vector128<float> b1 = Vector128.Load(b + 4);
            Vector128<float> b2 = Vector128.Load(b + 8);
            Vector128<float> a0v = Vector128.Create(a0[p]);
            c00 = Vector128.MultiplyAddEstimate(a0v, b0, c00);
            c01 = Vector128.MultiplyAddEstimate(a0v, b1, c01);
            c02 = Vector128.MultiplyAddEstimate(a0v, b2, c02);
            if (TRows.Value > 1)
            {
                Vector128<float> a1v = Vector128.Create(a1[p]);
                c10 = Vector128.MultiplyAddEstimate(a1v, b0, c10);
                c11 = Vector128.MultiplyAddEstimate(a1v, b1, c11);
                c12 = Vector128.MultiplyAddEstimate(a1v, b2, c12);
            }
            if (TRows.Value > 2)
            {
                Vector128<float> a2v = Vector128.Create(a2[p]);
                c20 = Vector128.MultiplyAddEstimate(a2v, b0, c20);
                c21 = Vector128.MultiplyAddEstimate(a2v, b1, c21);
                c22 = Vector128.MultiplyAddEstimate(a2v, b2, c22);
            }
            if (TRows.Value > 3)
            {
                Vector128<float> a3v = Vector128.Create(a3[p]);
                c30 = Vector128.MultiplyAddEstimate(a3v, b0, c30);
                c31 = Vector128.MultiplyAddEstimate(a3v, b1, c31);
                c32 = Vector128.MultiplyAddEstimate(a3v, b2, c32);
            }
            if (TRows.Value > 4)
            {
                Vector128<float> a4v = Vector128.Create(a4[p]);
                c40 = Vector128.MultiplyAddEstimate(a4v, b0, c40);
                c41 = Vector128.MultiplyAddEstimate(a4v, b1, c41);
                c42 = Vector128.MultiplyAddEstimate(a4v, b2, c42);
            }
            if (TRows.Value > 5)
            {
                Vector128<float> a5v = Vector128.Create(a5[p]);
                c50 = Vector128.MultiplyAddEstimate(a5v, b0, c50);
                c51 = Vector128.MultiplyAddEstimate(a5v, b1, c51);
                c52 = Vector128.MultiplyAddEstimate(a5v, b2, c52);
            }
            if (TRows.Value > 6)
            {
                Vector128<float> a6v = Vector128.Create(a6[p]);
                c60 = Vector128.MultiplyAddEstimate(a6v, b0, c60);
                c61 = Vector128.MultiplyAddEstimate(a6v, b1, c61);
                c62 = Vector128.MultiplyAddEstimate(a6v, b2, c62);
            }
            if (TRows.Value > 7)
            {
                Vector128<float> a7v = Vector128.Create(a7[p]);
                c70 = Vector128.MultiplyAddEstimate(a7v, b0, c70);
                c71 = Vector128.MultiplyAddEstimate(a7v, b1, c71);
                c72 = Vector128.MultiplyAddEstimate(a7v, b2, c72);
            }
            b += PackedLinear.PanelWidth;
        }
        Vector128<float> bias0 = Vector128.Load(bias + 0);
        Vector128<float> bias1 = Vector128.Load(bias + 4);
        Vector128<float> bias2 = Vector128.Load(bias + 8);
        float* c0 = c;
        (c00 + bias0).Store(c0 + 0);
        (c01 + bias1).Store(c0 + 4);
        (c02 + bias2).Store(c0 + 8);
        if (TRows.Value <= 1) return;
        float* c1 = c + 1 * ldc;
        (c10 + bias0).Store(c1 + 0);
        (c11 + bias1).Store(c1 + 4);
        (c12 + bias2).Store(c1 + 8);
        if (TRows.Value <= 2) return;
        float* c2 = c + 2 * ldc;
        (c20 + bias0).Store(c2 + 0);
        (c21 + bias1).Store(c2 + 4);
        (c22 + bias2).Store(c2 + 8);
        if (TRows.Value <= 3) return;
        float* c3 = c + 3 * ldc;
        (c30 + bias0).Store(c3 + 0);
        (c31 + bias1).Store(c3 + 4);
        (c32 + bias2).Store(c3 + 8);
        if (TRows.Value <= 4) return;
        float* c4 = c + 4 * ldc;
        (c40 + bias0).Store(c4 + 0);
        (c41 + bias1).Store(c4 + 4);
        (c42 + bias2).Store(c4 + 8);
        if (TRows.Value <= 5) return;
        float* c5 = c + 5 * ldc;
        (c50 + bias0).Store(c5 + 0);
        (c51 + bias1).Store(c5 + 4);
        (c52 + bias2).Store(c5 + 8);
        if (TRows.Value <= 6) return;
        float* c6 = c + 6 * ldc;
        (c60 + bias0).Store(c6 + 0);
        (c61 + bias1).Store(c6 + 4);
        (c62 + bias2).Store(c6 + 8);
        if (TRows.Value <= 7) return;
        float* c7 = c + 7 * ldc;
        (c70 + bias0).Store(c7 + 0);
        (c71 + bias1).Store(c7 + 4);
        (c72 + bias2).Store(c7 + 8);
    }
}
