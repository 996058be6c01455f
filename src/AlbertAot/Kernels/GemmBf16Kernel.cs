using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace AlbertAot.Kernels;

/// <summary>
/// The BF16 micro-kernel, generic over the vector width (<see cref="IBf16Vector{TSelf}"/>): THeight rows × 3 vectors of
/// columns (Vector512 8×48, Vector256 4×24, Vector128 4×12 or 8×12 on ARM64, scalar 1×3), reading
/// <see cref="PanelFormat.BFloat16"/> panels: per step, 3 loads of 32-bit words, each widened twice (low halves: k even;
/// high halves: k + 1), then the same multiply-adds as the FP32 kernel of the tier, k by k. Every output is summed
/// sequentially over k from zero with the tier's multiply-add, then the bias is added: bit-identical to the FP32 kernel
/// of the same tier over the widened weights. An odd K ends with the low half only (the activation past K is never read).
/// </summary>
internal readonly unsafe struct GemmBf16Kernel<TVec, THeight> : IGemmKernel
    where TVec : struct, IBf16Vector<TVec>
    where THeight : struct, IGemmRows
{
    public static int Height => THeight.Value;
    public static int Width => 3 * TVec.Count;

    public static void Tile(int rows, float* a, nint lda, float* b, int k, float* bias, float* c, nint ldc)
    {
        if (rows > THeight.Value) throw new System.ArgumentOutOfRangeException(nameof(rows));
        switch (rows)
        {
            case 8: Tile<GemmRows8>(a, lda, (uint*)b, k, bias, c, ldc); break;
            case 7: Tile<GemmRows7>(a, lda, (uint*)b, k, bias, c, ldc); break;
            case 6: Tile<GemmRows6>(a, lda, (uint*)b, k, bias, c, ldc); break;
            case 5: Tile<GemmRows5>(a, lda, (uint*)b, k, bias, c, ldc); break;
            case 4: Tile<GemmRows4>(a, lda, (uint*)b, k, bias, c, ldc); break;
            case 3: Tile<GemmRows3>(a, lda, (uint*)b, k, bias, c, ldc); break;
            case 2: Tile<GemmRows2>(a, lda, (uint*)b, k, bias, c, ldc); break;
            case 1: Tile<GemmRows1>(a, lda, (uint*)b, k, bias, c, ldc); break;
            default: throw new System.ArgumentOutOfRangeException(nameof(rows));
        }
    }

    /// <summary>c[i, j] = Σ_k a[i·lda + k]·widen(b)[k, j] + bias[j] for i &lt; TRows.Value, j &lt; 3·TVec.Count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TRows>(float* a, nint lda, uint* b, int k, float* bias, float* c, nint ldc)
        where TRows : struct, IGemmRows
    {
        TVec c00 = TVec.Zero, c01 = TVec.Zero, c02 = TVec.Zero;
        TVec c10 = TVec.Zero, c11 = TVec.Zero, c12 = TVec.Zero;
        TVec c20 = TVec.Zero, c21 = TVec.Zero, c22 = TVec.Zero;
        TVec c30 = TVec.Zero, c31 = TVec.Zero, c32 = TVec.Zero;
        TVec c40 = TVec.Zero, c41 = TVec.Zero, c42 = TVec.Zero;
        TVec c50 = TVec.Zero, c51 = TVec.Zero, c52 = TVec.Zero;
        TVec c60 = TVec.Zero, c61 = TVec.Zero, c62 = TVec.Zero;
        TVec c70 = TVec.Zero, c71 = TVec.Zero, c72 = TVec.Zero;
        float* a0 = a + 0 * lda, a1 = a + 1 * lda, a2 = a + 2 * lda, a3 = a + 3 * lda, a4 = a + 4 * lda, a5 = a + 5 * lda, a6 = a + 6 * lda, a7 = a + 7 * lda;
        int n = TVec.Count;
        nint pairs = k >> 1;
        nint p = 0;
        for (; p < pairs; p++)
        {
            if (TVec.Prefetch) Sse.Prefetch0(b + Gemm.PrefetchFloats);
            TVec w0 = TVec.LoadWords(b), w1 = TVec.LoadWords(b + n), w2 = TVec.LoadWords(b + 2 * n);
            nint k0 = 2 * p;
            TVec b0 = TVec.Low(w0), b1 = TVec.Low(w1), b2 = TVec.Low(w2);
            {
                TVec av = TVec.Broadcast(a0[k0]);
                c00 = TVec.MultiplyAdd(av, b0, c00);
                c01 = TVec.MultiplyAdd(av, b1, c01);
                c02 = TVec.MultiplyAdd(av, b2, c02);
                if (TRows.Value > 1)
                {
                    TVec av1 = TVec.Broadcast(a1[k0]);
                    c10 = TVec.MultiplyAdd(av1, b0, c10);
                    c11 = TVec.MultiplyAdd(av1, b1, c11);
                    c12 = TVec.MultiplyAdd(av1, b2, c12);
                }
                if (TRows.Value > 2)
                {
                    TVec av2 = TVec.Broadcast(a2[k0]);
                    c20 = TVec.MultiplyAdd(av2, b0, c20);
                    c21 = TVec.MultiplyAdd(av2, b1, c21);
                    c22 = TVec.MultiplyAdd(av2, b2, c22);
                }
                if (TRows.Value > 3)
                {
                    TVec av3 = TVec.Broadcast(a3[k0]);
                    c30 = TVec.MultiplyAdd(av3, b0, c30);
                    c31 = TVec.MultiplyAdd(av3, b1, c31);
                    c32 = TVec.MultiplyAdd(av3, b2, c32);
                }
                if (TRows.Value > 4)
                {
                    TVec av4 = TVec.Broadcast(a4[k0]);
                    c40 = TVec.MultiplyAdd(av4, b0, c40);
                    c41 = TVec.MultiplyAdd(av4, b1, c41);
                    c42 = TVec.MultiplyAdd(av4, b2, c42);
                }
                if (TRows.Value > 5)
                {
                    TVec av5 = TVec.Broadcast(a5[k0]);
                    c50 = TVec.MultiplyAdd(av5, b0, c50);
                    c51 = TVec.MultiplyAdd(av5, b1, c51);
                    c52 = TVec.MultiplyAdd(av5, b2, c52);
                }
                if (TRows.Value > 6)
                {
                    TVec av6 = TVec.Broadcast(a6[k0]);
                    c60 = TVec.MultiplyAdd(av6, b0, c60);
                    c61 = TVec.MultiplyAdd(av6, b1, c61);
                    c62 = TVec.MultiplyAdd(av6, b2, c62);
                }
                if (TRows.Value > 7)
                {
                    TVec av7 = TVec.Broadcast(a7[k0]);
                    c70 = TVec.MultiplyAdd(av7, b0, c70);
                    c71 = TVec.MultiplyAdd(av7, b1, c71);
                    c72 = TVec.MultiplyAdd(av7, b2, c72);
                }
            }
            b0 = TVec.High(w0); b1 = TVec.High(w1); b2 = TVec.High(w2);
            {
                TVec av = TVec.Broadcast(a0[k0 + 1]);
                c00 = TVec.MultiplyAdd(av, b0, c00);
                c01 = TVec.MultiplyAdd(av, b1, c01);
                c02 = TVec.MultiplyAdd(av, b2, c02);
                if (TRows.Value > 1)
                {
                    TVec av1 = TVec.Broadcast(a1[k0 + 1]);
                    c10 = TVec.MultiplyAdd(av1, b0, c10);
                    c11 = TVec.MultiplyAdd(av1, b1, c11);
                    c12 = TVec.MultiplyAdd(av1, b2, c12);
                }
                if (TRows.Value > 2)
                {
                    TVec av2 = TVec.Broadcast(a2[k0 + 1]);
                    c20 = TVec.MultiplyAdd(av2, b0, c20);
                    c21 = TVec.MultiplyAdd(av2, b1, c21);
                    c22 = TVec.MultiplyAdd(av2, b2, c22);
                }
                if (TRows.Value > 3)
                {
                    TVec av3 = TVec.Broadcast(a3[k0 + 1]);
                    c30 = TVec.MultiplyAdd(av3, b0, c30);
                    c31 = TVec.MultiplyAdd(av3, b1, c31);
                    c32 = TVec.MultiplyAdd(av3, b2, c32);
                }
                if (TRows.Value > 4)
                {
                    TVec av4 = TVec.Broadcast(a4[k0 + 1]);
                    c40 = TVec.MultiplyAdd(av4, b0, c40);
                    c41 = TVec.MultiplyAdd(av4, b1, c41);
                    c42 = TVec.MultiplyAdd(av4, b2, c42);
                }
                if (TRows.Value > 5)
                {
                    TVec av5 = TVec.Broadcast(a5[k0 + 1]);
                    c50 = TVec.MultiplyAdd(av5, b0, c50);
                    c51 = TVec.MultiplyAdd(av5, b1, c51);
                    c52 = TVec.MultiplyAdd(av5, b2, c52);
                }
                if (TRows.Value > 6)
                {
                    TVec av6 = TVec.Broadcast(a6[k0 + 1]);
                    c60 = TVec.MultiplyAdd(av6, b0, c60);
                    c61 = TVec.MultiplyAdd(av6, b1, c61);
                    c62 = TVec.MultiplyAdd(av6, b2, c62);
                }
                if (TRows.Value > 7)
                {
                    TVec av7 = TVec.Broadcast(a7[k0 + 1]);
                    c70 = TVec.MultiplyAdd(av7, b0, c70);
                    c71 = TVec.MultiplyAdd(av7, b1, c71);
                    c72 = TVec.MultiplyAdd(av7, b2, c72);
                }
            }
            b += PackedLinear.PanelWidth;
        }
        if ((k & 1) != 0)
        {
            nint k0 = k - 1;
            TVec b0 = TVec.Low(TVec.LoadWords(b)), b1 = TVec.Low(TVec.LoadWords(b + n)), b2 = TVec.Low(TVec.LoadWords(b + 2 * n));
            TVec av = TVec.Broadcast(a0[k0]);
            c00 = TVec.MultiplyAdd(av, b0, c00);
            c01 = TVec.MultiplyAdd(av, b1, c01);
            c02 = TVec.MultiplyAdd(av, b2, c02);
            if (TRows.Value > 1)
            {
                TVec av1 = TVec.Broadcast(a1[k0]);
                c10 = TVec.MultiplyAdd(av1, b0, c10);
                c11 = TVec.MultiplyAdd(av1, b1, c11);
                c12 = TVec.MultiplyAdd(av1, b2, c12);
            }
            if (TRows.Value > 2)
            {
                TVec av2 = TVec.Broadcast(a2[k0]);
                c20 = TVec.MultiplyAdd(av2, b0, c20);
                c21 = TVec.MultiplyAdd(av2, b1, c21);
                c22 = TVec.MultiplyAdd(av2, b2, c22);
            }
            if (TRows.Value > 3)
            {
                TVec av3 = TVec.Broadcast(a3[k0]);
                c30 = TVec.MultiplyAdd(av3, b0, c30);
                c31 = TVec.MultiplyAdd(av3, b1, c31);
                c32 = TVec.MultiplyAdd(av3, b2, c32);
            }
            if (TRows.Value > 4)
            {
                TVec av4 = TVec.Broadcast(a4[k0]);
                c40 = TVec.MultiplyAdd(av4, b0, c40);
                c41 = TVec.MultiplyAdd(av4, b1, c41);
                c42 = TVec.MultiplyAdd(av4, b2, c42);
            }
            if (TRows.Value > 5)
            {
                TVec av5 = TVec.Broadcast(a5[k0]);
                c50 = TVec.MultiplyAdd(av5, b0, c50);
                c51 = TVec.MultiplyAdd(av5, b1, c51);
                c52 = TVec.MultiplyAdd(av5, b2, c52);
            }
            if (TRows.Value > 6)
            {
                TVec av6 = TVec.Broadcast(a6[k0]);
                c60 = TVec.MultiplyAdd(av6, b0, c60);
                c61 = TVec.MultiplyAdd(av6, b1, c61);
                c62 = TVec.MultiplyAdd(av6, b2, c62);
            }
            if (TRows.Value > 7)
            {
                TVec av7 = TVec.Broadcast(a7[k0]);
                c70 = TVec.MultiplyAdd(av7, b0, c70);
                c71 = TVec.MultiplyAdd(av7, b1, c71);
                c72 = TVec.MultiplyAdd(av7, b2, c72);
            }
        }
        float* d0 = c + 0 * ldc;
        c00.AddStore(bias + 0 * n, d0 + 0 * n);
        c01.AddStore(bias + 1 * n, d0 + 1 * n);
        c02.AddStore(bias + 2 * n, d0 + 2 * n);
        if (TRows.Value <= 1) return;
        float* d1 = c + 1 * ldc;
        c10.AddStore(bias + 0 * n, d1 + 0 * n);
        c11.AddStore(bias + 1 * n, d1 + 1 * n);
        c12.AddStore(bias + 2 * n, d1 + 2 * n);
        if (TRows.Value <= 2) return;
        float* d2 = c + 2 * ldc;
        c20.AddStore(bias + 0 * n, d2 + 0 * n);
        c21.AddStore(bias + 1 * n, d2 + 1 * n);
        c22.AddStore(bias + 2 * n, d2 + 2 * n);
        if (TRows.Value <= 3) return;
        float* d3 = c + 3 * ldc;
        c30.AddStore(bias + 0 * n, d3 + 0 * n);
        c31.AddStore(bias + 1 * n, d3 + 1 * n);
        c32.AddStore(bias + 2 * n, d3 + 2 * n);
        if (TRows.Value <= 4) return;
        float* d4 = c + 4 * ldc;
        c40.AddStore(bias + 0 * n, d4 + 0 * n);
        c41.AddStore(bias + 1 * n, d4 + 1 * n);
        c42.AddStore(bias + 2 * n, d4 + 2 * n);
        if (TRows.Value <= 5) return;
        float* d5 = c + 5 * ldc;
        c50.AddStore(bias + 0 * n, d5 + 0 * n);
        c51.AddStore(bias + 1 * n, d5 + 1 * n);
        c52.AddStore(bias + 2 * n, d5 + 2 * n);
        if (TRows.Value <= 6) return;
        float* d6 = c + 6 * ldc;
        c60.AddStore(bias + 0 * n, d6 + 0 * n);
        c61.AddStore(bias + 1 * n, d6 + 1 * n);
        c62.AddStore(bias + 2 * n, d6 + 2 * n);
        if (TRows.Value <= 7) return;
        float* d7 = c + 7 * ldc;
        c70.AddStore(bias + 0 * n, d7 + 0 * n);
        c71.AddStore(bias + 1 * n, d7 + 1 * n);
        c72.AddStore(bias + 2 * n, d7 + 2 * n);
    }
}
