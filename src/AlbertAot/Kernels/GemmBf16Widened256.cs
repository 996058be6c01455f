using System.Runtime.Intrinsics;

namespace AlbertAot.Kernels;

/// <summary>
/// BF16 panels on AVX2 through the FP32 kernel: <see cref="Gemm.Drive{TKernel}"/> blocks whole panels in k, each block
/// is widened once into an L1 buffer (<see cref="GemmKernel256.KBlock"/> × 48 floats, 24 KiB) and
/// <see cref="GemmKernel256"/> runs over it for every row block. The BF16 kernel widening in its loop needs 19 ymm
/// registers for 4 × 24 and spills in 16 (measured on an AVX2-only EPYC (Zen 3), [128, 768] × [2304]: 57 GFLOP/s against
/// FP32's 73; widened 70). Bit-identical to it: the FP32 kernel over the widened weights is what the BF16 kernels are
/// defined to equal. Panels the column range cuts, and depths of one block, take the BF16 kernel.
/// </summary>
internal readonly unsafe struct GemmBf16Widened256 : IGemmKernel
{
    public static int Height => GemmKernel256.Height;
    public static int Width => GemmKernel256.Width;
    public static int KBlock => GemmKernel256.KBlock;
    public static int ScratchFloats => GemmKernel256.KBlock * PackedLinear.PanelWidth;

    public static void Tile(int rows, float* a, nint lda, float* b, int k, float* bias, float* c, nint ldc) =>
        GemmBf16Kernel<Bf16x256, GemmRows4>.Tile(rows, a, lda, b, k, bias, c, ldc);

    /// <summary>Over a widened block, in L1; the prefetch is of the next block's BF16 words.</summary>
    public static void TilePart(int rows, float* a, nint lda, float* b, int k, float* bias, float* c, nint ldc, bool accumulate,
        float* prefetch, int prefetchLines) =>
        GemmKernel256.TilePart(rows, a, lda, b, k, bias, c, ldc, accumulate, prefetch, prefetchLines);

    /// <summary>Pairs of k steps are stored as one row of 32-bit words (an odd K's last row holds one step).</summary>
    public static float* StoredAt(float* panel, int k0) => (float*)((uint*)panel + (nint)((k0 + 1) / 2) * PackedLinear.PanelWidth);

    public static int StoredBytesPerStep => PackedLinear.PanelWidth * sizeof(ushort);

    /// <summary>depth rows of 48 floats from the panel's words (k even: the low halves, k odd: the high halves).</summary>
    public static float* BlockAt(float* panel, int k0, int depth, float* scratch)
    {
        const int P = PackedLinear.PanelWidth;
        uint* words = (uint*)StoredAt(panel, k0); // KBlock is even: a block starts on a whole word
        var high = Vector256.Create(0xFFFF0000u);
        float* row = scratch;
        for (int kk = 0; kk < depth; kk += 2, words += P, row += 2 * P)
        {
            bool pair = kk + 1 < depth;
            for (int j = 0; j < P; j += Vector256<uint>.Count)
            {
                Vector256<uint> v = Vector256.Load(words + j);
                Vector256.ShiftLeft(v, 16).AsSingle().Store(row + j);
                if (pair) (v & high).AsSingle().Store(row + P + j);
            }
        }
        return scratch;
    }
}
