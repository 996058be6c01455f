using System.Runtime.CompilerServices;

namespace AlbertAot.Kernels;

/// <summary>
/// The fallback without vector hardware: 1 row × 8 columns, 8 scalar accumulators, a plain multiply and add (never
/// MathF.FusedMultiplyAdd, a software routine on a CPU without FMA). Sequential in k per output, in FP32: the
/// order of <see cref="Linear.ForwardScalar"/>.
/// </summary>
internal readonly unsafe struct GemmKernelScalar : IGemmKernel
{
    public static int Height => 1;
    public static int Width => 8;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile(int rows, float* a, nint lda, float* b, int k, float* bias, float* c, nint ldc)
    {
        for (int r = 0; r < rows; r++, a += lda, c += ldc)
        {
            float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f, s4 = 0f, s5 = 0f, s6 = 0f, s7 = 0f;
            float* bp = b;
            for (nint p = 0; p < k; p++, bp += PackedLinear.PanelWidth)
            {
                float v = a[p];
                s0 += v * bp[0];
                s1 += v * bp[1];
                s2 += v * bp[2];
                s3 += v * bp[3];
                s4 += v * bp[4];
                s5 += v * bp[5];
                s6 += v * bp[6];
                s7 += v * bp[7];
            }
            c[0] = s0 + bias[0];
            c[1] = s1 + bias[1];
            c[2] = s2 + bias[2];
            c[3] = s3 + bias[3];
            c[4] = s4 + bias[4];
            c[5] = s5 + bias[5];
            c[6] = s6 + bias[6];
            c[7] = s7 + bias[7];
        }
    }
}
