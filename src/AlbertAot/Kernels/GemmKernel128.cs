using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AlbertAot.Kernels;

/// <summary>
/// The Vector128 micro-kernel (SSE on x64, NEON on ARM64): 4 rows × 12 columns (a quarter panel), 12
/// accumulators, which fit x64's 16 xmm registers. MultiplyAddEstimate: FMA on NEON (and on x64 with FMA), a
/// multiply plus an add otherwise. Accumulation is sequential in k per output, in FP32.
/// The accumulators are spelled out one per local (the JIT keeps each in a register); rows past TRows.Value fold away.
/// </summary>
internal readonly unsafe struct GemmKernel128 : IGemmKernel
{
    public static int Height => 4;
    public static int Width => 12;

    public static void Tile(int rows, float* a, nint lda, float* b, int k, float* bias, float* c, nint ldc)
    {
        switch (rows)
        {
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
        float* a0 = a, a1 = a + 1 * lda, a2 = a + 2 * lda, a3 = a + 3 * lda;
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
    }
}
