using System;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace AlbertAot.Kernels;

/// <summary>The activation rows of an Int8 product, quantized once per call (<see cref="RowQuantizer"/>).</summary>
internal readonly unsafe struct Int8Rows(byte* q, nint stride, float* scales)
{
    /// <summary>Row r's 4·PanelSteps bytes start at Q + r·Stride.</summary>
    public readonly byte* Q = q;
    public readonly nint Stride = stride;
    /// <summary>max|x| / 127 per row (NaN for a row with a NaN or an infinity).</summary>
    public readonly float* Scales = scales;
}

public static unsafe partial class Gemm
{
    // The quantized activation rows and their scales, per calling thread (the pool's threads read the caller's); pinned,
    // grown when a call needs more, so a steady state allocates nothing.
    [ThreadStatic] private static byte[]? t_quantized;
    [ThreadStatic] private static float[]? t_rowScales;

    /// <summary>Quantizes the rows for an Int8 kernel of this kind (u8 = q + 128 for VNNI, s8 otherwise) into the thread's scratch.</summary>
    private static Int8Rows QuantizeRows(GemmKernelKind kind, float* x, nint ldx, int rows, int k, int steps)
    {
        nint stride = (nint)steps * 4;
        long bytes = (long)rows * stride;
        byte[]? quantized = t_quantized;
        if (quantized is null || quantized.Length < bytes)
            t_quantized = quantized = GC.AllocateUninitializedArray<byte>((int)Math.Max(bytes, 2L * (quantized?.Length ?? 0)), pinned: true);
        float[]? scales = t_rowScales;
        if (scales is null || scales.Length < rows)
            t_rowScales = scales = GC.AllocateUninitializedArray<float>(Math.Max(rows, 2 * (scales?.Length ?? 0)), pinned: true);
        // Pinned arrays: their addresses are stable while this thread's call (and the parts it forks) run.
        byte* q = (byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref quantized[0]);
        float* s = (float*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref scales[0]);
        RowQuantizer.Quantize(x, ldx, rows, k, q, stride, s, unsigned: kind == GemmKernelKind.Int8Vnni256);
        return new Int8Rows(q, stride, s);
    }

    private static void RunBFloat16(GemmKernelKind kind, float* x, nint ldx, PackedLinear w, float* y, nint ldy, int rows,
        GemmEpilogue epilogue, int columnStart, int columnEnd)
    {
        switch (kind)
        {
            case GemmKernelKind.Vector512: Drive<GemmBf16Kernel<Bf16x512, GemmRows8>>(x, ldx, w, y, ldy, rows, epilogue, columnStart, columnEnd); break;
            // Widened per k-block into L1 at every row count: with the next block's prefetch spread over the passes this
            // beat the in-loop BF16 kernel even at 1-8 rows (12 layers' GEMMs, p25 of 30: 1 row 29 → 26 ms, 4 rows
            // 37 → 25, 8 rows 52 → 30).
            case GemmKernelKind.Vector256: Drive<GemmBf16Widened256>(x, ldx, w, y, ldy, rows, epilogue, columnStart, columnEnd); break;
            case GemmKernelKind.Vector128: Drive<GemmBf16Kernel<Bf16x128, GemmRows4>>(x, ldx, w, y, ldy, rows, epilogue, columnStart, columnEnd); break;
            case GemmKernelKind.Vector128Tall: Drive<GemmBf16Kernel<Bf16x128, GemmRows8>>(x, ldx, w, y, ldy, rows, epilogue, columnStart, columnEnd); break;
            case GemmKernelKind.Scalar: Drive<GemmBf16Kernel<Bf16x1, GemmRows1>>(x, ldx, w, y, ldy, rows, epilogue, columnStart, columnEnd); break;
            default: throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a kernel for BFloat16 panels.");
        }
    }

    private static void RunInt8(GemmKernelKind kind, Int8Rows quantized, PackedLinear w, float* y, nint ldy, int rows,
        GemmEpilogue epilogue, int columnStart, int columnEnd)
    {
        switch (kind)
        {
            case GemmKernelKind.Int8Vnni256:
                if (!AvxVnni.IsSupported) throw new PlatformNotSupportedException("AVX-VNNI is not supported here.");
                DriveInt8<GemmInt8Kernel<Int8Vnni256, GemmRows8>>(quantized, w, y, ldy, rows, epilogue, columnStart, columnEnd);
                break;
            case GemmKernelKind.Int8Dot128:
                if (!Dp.IsSupported) throw new PlatformNotSupportedException("The ARM64 dot-product extension is not supported here.");
                DriveInt8<GemmInt8Kernel<Int8Dot128, GemmRows8>>(quantized, w, y, ldy, rows, epilogue, columnStart, columnEnd);
                break;
            case GemmKernelKind.Vector512: DriveInt8<GemmInt8Kernel<Int8Widen512, GemmRows4>>(quantized, w, y, ldy, rows, epilogue, columnStart, columnEnd); break;
            case GemmKernelKind.Vector256: DriveInt8<GemmInt8Kernel<Int8Widen256, GemmRows4>>(quantized, w, y, ldy, rows, epilogue, columnStart, columnEnd); break;
            case GemmKernelKind.Vector128:
            case GemmKernelKind.Vector128Tall: DriveInt8<GemmInt8Kernel<Int8Widen128, GemmRows4>>(quantized, w, y, ldy, rows, epilogue, columnStart, columnEnd); break;
            case GemmKernelKind.Scalar: DriveInt8<GemmInt8Kernel<Int8x1, GemmRows1>>(quantized, w, y, ldy, rows, epilogue, columnStart, columnEnd); break;
            default: throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a kernel for Int8 panels.");
        }
    }

    /// <summary>
    /// <see cref="Drive{TKernel}"/> for Int8 panels: columns [columnStart, columnEnd) of y, panel by panel and row block by
    /// row block, from the quantized rows; whole panels stored straight into y, partial ones through a tile on the stack.
    /// </summary>
    private static void DriveInt8<TKernel>(Int8Rows quantized, PackedLinear w, float* y, nint ldy, int rows,
        GemmEpilogue epilogue, int columnStart, int columnEnd) where TKernel : struct, IGemmInt8Kernel
    {
        const int P = PackedLinear.PanelWidth;
        int steps = w.PanelSteps, height = TKernel.Height, width = TKernel.Width;
        int* panels = (int*)w.Panels;
        float* bias = w.Bias, colScales = w.ColumnScales;
        int* colSums = w.ColumnSums;
        float* tile = stackalloc float[8 * P];
        int firstPanel = columnStart / P, endPanel = (columnEnd + P - 1) / P;
        for (int panel = firstPanel; panel < endPanel; panel++)
        {
            int c0 = panel * P, lo = Math.Max(columnStart, c0), hi = Math.Min(columnEnd, c0 + P);
            bool whole = lo == c0 && hi == c0 + P;
            int* b = panels + (nint)panel * steps * P;
            int s0 = (lo - c0) / width * width, s1 = (hi - c0 + width - 1) / width * width;
            for (int r0 = 0; r0 < rows; r0 += height)
            {
                int h = Math.Min(height, rows - r0);
                byte* a = quantized.Q + r0 * quantized.Stride;
                float* rowScales = quantized.Scales + r0;
                if (whole)
                {
                    float* c = y + r0 * ldy + c0;
                    for (int s = 0; s < P; s += width)
                        TKernel.Tile(h, a, quantized.Stride, b + s, steps, rowScales, colScales + c0 + s, colSums + c0 + s, bias + c0 + s, c + s, ldy);
                    if (epilogue != GemmEpilogue.None) ApplyEpilogue(epilogue, c, ldy, h);
                }
                else
                {
                    for (int s = s0; s < s1; s += width)
                        TKernel.Tile(h, a, quantized.Stride, b + s, steps, rowScales, colScales + c0 + s, colSums + c0 + s, bias + c0 + s, tile + s, P);
                    if (epilogue != GemmEpilogue.None) ApplyEpilogue(epilogue, tile, P, h);
                    for (int i = 0; i < h; i++)
                        new ReadOnlySpan<float>(tile + i * P + (lo - c0), hi - lo).CopyTo(new Span<float>(y + (r0 + i) * ldy + lo, hi - lo));
                }
            }
        }
    }
}
