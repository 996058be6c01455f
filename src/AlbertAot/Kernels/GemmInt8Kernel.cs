using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace AlbertAot.Kernels;

/// <summary>A micro-kernel over <see cref="PanelFormat.Int8"/> panels and quantized activation rows.</summary>
internal unsafe interface IGemmInt8Kernel
{
    /// <summary>Most rows per tile.</summary>
    static abstract int Height { get; }

    /// <summary>Columns per tile: a divisor of <see cref="PackedLinear.PanelWidth"/>.</summary>
    static abstract int Width { get; }

    /// <summary>Whether the activation bytes are q + 128 (see <see cref="RowQuantizer"/>).</summary>
    static abstract bool Unsigned { get; }

    /// <summary>
    /// c[i·ldc + j] = (float)(Σ_k qa[i, k]·qw[k, j]) · (rowScales[i]·colScales[j]) + bias[j] for i &lt; rows (1 .. Height),
    /// j &lt; Width; a holds 4·steps bytes per row (stride lda), b the panel (48 lanes per step).
    /// </summary>
    static abstract void Tile(int rows, byte* a, nint lda, int* b, int steps, float* rowScales, float* colScales, int* colSums, float* bias, float* c, nint ldc);
}

/// <summary>
/// The INT8 micro-kernel, generic over the width and the dot-product instruction (<see cref="IInt8Lanes{TSelf}"/>):
/// THeight rows × 3 vectors of columns (AVX-VNNI 8×24 on ymm, ARM64 sdot 8×12, the widening fallbacks 4×48, 4×24,
/// 4×12, scalar 1×3). Per step (four k): 3 panel loads, one 32-bit broadcast per row, 3 dot-product-accumulates per
/// row. The int32 sums are exact (K ≤ <see cref="PackedLinear.MaxInt8InFeatures"/>), so their order does not matter and
/// every tier gives the same bits after the shared epilogue.
/// </summary>
internal readonly unsafe struct GemmInt8Kernel<TLanes, THeight> : IGemmInt8Kernel
    where TLanes : struct, IInt8Lanes<TLanes>
    where THeight : struct, IGemmRows
{
    public static int Height => THeight.Value;
    public static int Width => 3 * TLanes.Count;
    public static bool Unsigned => TLanes.Unsigned;

    public static void Tile(int rows, byte* a, nint lda, int* b, int steps, float* rowScales, float* colScales, int* colSums, float* bias, float* c, nint ldc)
    {
        if (rows > THeight.Value) throw new System.ArgumentOutOfRangeException(nameof(rows));
        switch (rows)
        {
            case 8: Tile<GemmRows8>(a, lda, b, steps, rowScales, colScales, colSums, bias, c, ldc); break;
            case 7: Tile<GemmRows7>(a, lda, b, steps, rowScales, colScales, colSums, bias, c, ldc); break;
            case 6: Tile<GemmRows6>(a, lda, b, steps, rowScales, colScales, colSums, bias, c, ldc); break;
            case 5: Tile<GemmRows5>(a, lda, b, steps, rowScales, colScales, colSums, bias, c, ldc); break;
            case 4: Tile<GemmRows4>(a, lda, b, steps, rowScales, colScales, colSums, bias, c, ldc); break;
            case 3: Tile<GemmRows3>(a, lda, b, steps, rowScales, colScales, colSums, bias, c, ldc); break;
            case 2: Tile<GemmRows2>(a, lda, b, steps, rowScales, colScales, colSums, bias, c, ldc); break;
            case 1: Tile<GemmRows1>(a, lda, b, steps, rowScales, colScales, colSums, bias, c, ldc); break;
            default: throw new System.ArgumentOutOfRangeException(nameof(rows));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TRows>(byte* a, nint lda, int* b, int steps, float* rowScales, float* colScales, int* colSums, float* bias, float* c, nint ldc)
        where TRows : struct, IGemmRows
    {
        TLanes c00 = TLanes.Zero, c01 = TLanes.Zero, c02 = TLanes.Zero;
        TLanes c10 = TLanes.Zero, c11 = TLanes.Zero, c12 = TLanes.Zero;
        TLanes c20 = TLanes.Zero, c21 = TLanes.Zero, c22 = TLanes.Zero;
        TLanes c30 = TLanes.Zero, c31 = TLanes.Zero, c32 = TLanes.Zero;
        TLanes c40 = TLanes.Zero, c41 = TLanes.Zero, c42 = TLanes.Zero;
        TLanes c50 = TLanes.Zero, c51 = TLanes.Zero, c52 = TLanes.Zero;
        TLanes c60 = TLanes.Zero, c61 = TLanes.Zero, c62 = TLanes.Zero;
        TLanes c70 = TLanes.Zero, c71 = TLanes.Zero, c72 = TLanes.Zero;
        int* a0 = (int*)(a + 0 * lda), a1 = (int*)(a + 1 * lda), a2 = (int*)(a + 2 * lda), a3 = (int*)(a + 3 * lda), a4 = (int*)(a + 4 * lda), a5 = (int*)(a + 5 * lda), a6 = (int*)(a + 6 * lda), a7 = (int*)(a + 7 * lda);
        int n = TLanes.Count;
        for (nint p = 0; p < steps; p++)
        {
            if (TLanes.Prefetch) Sse.Prefetch0(b + Gemm.PrefetchFloats);
            TLanes b0 = TLanes.Load(b), b1 = TLanes.Load(b + n), b2 = TLanes.Load(b + 2 * n);
            TLanes av0 = TLanes.Broadcast(a0[p]);
            c00 = TLanes.DotAdd(c00, av0, b0);
            c01 = TLanes.DotAdd(c01, av0, b1);
            c02 = TLanes.DotAdd(c02, av0, b2);
            if (TRows.Value > 1)
            {
                TLanes av1 = TLanes.Broadcast(a1[p]);
                c10 = TLanes.DotAdd(c10, av1, b0);
                c11 = TLanes.DotAdd(c11, av1, b1);
                c12 = TLanes.DotAdd(c12, av1, b2);
            }
            if (TRows.Value > 2)
            {
                TLanes av2 = TLanes.Broadcast(a2[p]);
                c20 = TLanes.DotAdd(c20, av2, b0);
                c21 = TLanes.DotAdd(c21, av2, b1);
                c22 = TLanes.DotAdd(c22, av2, b2);
            }
            if (TRows.Value > 3)
            {
                TLanes av3 = TLanes.Broadcast(a3[p]);
                c30 = TLanes.DotAdd(c30, av3, b0);
                c31 = TLanes.DotAdd(c31, av3, b1);
                c32 = TLanes.DotAdd(c32, av3, b2);
            }
            if (TRows.Value > 4)
            {
                TLanes av4 = TLanes.Broadcast(a4[p]);
                c40 = TLanes.DotAdd(c40, av4, b0);
                c41 = TLanes.DotAdd(c41, av4, b1);
                c42 = TLanes.DotAdd(c42, av4, b2);
            }
            if (TRows.Value > 5)
            {
                TLanes av5 = TLanes.Broadcast(a5[p]);
                c50 = TLanes.DotAdd(c50, av5, b0);
                c51 = TLanes.DotAdd(c51, av5, b1);
                c52 = TLanes.DotAdd(c52, av5, b2);
            }
            if (TRows.Value > 6)
            {
                TLanes av6 = TLanes.Broadcast(a6[p]);
                c60 = TLanes.DotAdd(c60, av6, b0);
                c61 = TLanes.DotAdd(c61, av6, b1);
                c62 = TLanes.DotAdd(c62, av6, b2);
            }
            if (TRows.Value > 7)
            {
                TLanes av7 = TLanes.Broadcast(a7[p]);
                c70 = TLanes.DotAdd(c70, av7, b0);
                c71 = TLanes.DotAdd(c71, av7, b1);
                c72 = TLanes.DotAdd(c72, av7, b2);
            }
            b += PackedLinear.PanelWidth;
        }
        float* d0 = c + 0 * ldc;
        TLanes.Store(c00, colSums + 0 * n, rowScales[0], colScales + 0 * n, bias + 0 * n, d0 + 0 * n);
        TLanes.Store(c01, colSums + 1 * n, rowScales[0], colScales + 1 * n, bias + 1 * n, d0 + 1 * n);
        TLanes.Store(c02, colSums + 2 * n, rowScales[0], colScales + 2 * n, bias + 2 * n, d0 + 2 * n);
        if (TRows.Value <= 1) return;
        float* d1 = c + 1 * ldc;
        TLanes.Store(c10, colSums + 0 * n, rowScales[1], colScales + 0 * n, bias + 0 * n, d1 + 0 * n);
        TLanes.Store(c11, colSums + 1 * n, rowScales[1], colScales + 1 * n, bias + 1 * n, d1 + 1 * n);
        TLanes.Store(c12, colSums + 2 * n, rowScales[1], colScales + 2 * n, bias + 2 * n, d1 + 2 * n);
        if (TRows.Value <= 2) return;
        float* d2 = c + 2 * ldc;
        TLanes.Store(c20, colSums + 0 * n, rowScales[2], colScales + 0 * n, bias + 0 * n, d2 + 0 * n);
        TLanes.Store(c21, colSums + 1 * n, rowScales[2], colScales + 1 * n, bias + 1 * n, d2 + 1 * n);
        TLanes.Store(c22, colSums + 2 * n, rowScales[2], colScales + 2 * n, bias + 2 * n, d2 + 2 * n);
        if (TRows.Value <= 3) return;
        float* d3 = c + 3 * ldc;
        TLanes.Store(c30, colSums + 0 * n, rowScales[3], colScales + 0 * n, bias + 0 * n, d3 + 0 * n);
        TLanes.Store(c31, colSums + 1 * n, rowScales[3], colScales + 1 * n, bias + 1 * n, d3 + 1 * n);
        TLanes.Store(c32, colSums + 2 * n, rowScales[3], colScales + 2 * n, bias + 2 * n, d3 + 2 * n);
        if (TRows.Value <= 4) return;
        float* d4 = c + 4 * ldc;
        TLanes.Store(c40, colSums + 0 * n, rowScales[4], colScales + 0 * n, bias + 0 * n, d4 + 0 * n);
        TLanes.Store(c41, colSums + 1 * n, rowScales[4], colScales + 1 * n, bias + 1 * n, d4 + 1 * n);
        TLanes.Store(c42, colSums + 2 * n, rowScales[4], colScales + 2 * n, bias + 2 * n, d4 + 2 * n);
        if (TRows.Value <= 5) return;
        float* d5 = c + 5 * ldc;
        TLanes.Store(c50, colSums + 0 * n, rowScales[5], colScales + 0 * n, bias + 0 * n, d5 + 0 * n);
        TLanes.Store(c51, colSums + 1 * n, rowScales[5], colScales + 1 * n, bias + 1 * n, d5 + 1 * n);
        TLanes.Store(c52, colSums + 2 * n, rowScales[5], colScales + 2 * n, bias + 2 * n, d5 + 2 * n);
        if (TRows.Value <= 6) return;
        float* d6 = c + 6 * ldc;
        TLanes.Store(c60, colSums + 0 * n, rowScales[6], colScales + 0 * n, bias + 0 * n, d6 + 0 * n);
        TLanes.Store(c61, colSums + 1 * n, rowScales[6], colScales + 1 * n, bias + 1 * n, d6 + 1 * n);
        TLanes.Store(c62, colSums + 2 * n, rowScales[6], colScales + 2 * n, bias + 2 * n, d6 + 2 * n);
        if (TRows.Value <= 7) return;
        float* d7 = c + 7 * ldc;
        TLanes.Store(c70, colSums + 0 * n, rowScales[7], colScales + 0 * n, bias + 0 * n, d7 + 0 * n);
        TLanes.Store(c71, colSums + 1 * n, rowScales[7], colScales + 1 * n, bias + 1 * n, d7 + 1 * n);
        TLanes.Store(c72, colSums + 2 * n, rowScales[7], colScales + 2 * n, bias + 2 * n, d7 + 2 * n);
    }
}
