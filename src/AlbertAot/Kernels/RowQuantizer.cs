using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AlbertAot.Kernels;

/// <summary>
/// The dynamic per-row quantization of the activations of an <see cref="PanelFormat.Int8"/> GEMM:
/// <c>scale = max|x| / 127</c>, <c>q = round_half_to_even(x · (127 / max|x|))</c> clamped to [−127, 127] (an all-zero row
/// gives q = 0 and scale 0). A row with a NaN or an infinity gets scale NaN and q = 0, so every output of that row is
/// NaN (never a silently finite number). The same bits on every ISA tier: max is exact, the product x · (127 / max) is
/// one rounded multiplication and the rounding is to nearest even in every path.
/// </summary>
/// <remarks>
/// Output per row: ⌈k / 4⌉·4 bytes (zeros past k), as signed bytes, or (<c>unsigned</c>, for VNNI's u8 × s8 products)
/// q + 128 as unsigned bytes (128 past k, whose weights are zero). A max below 127 / float.MaxValue (a row of
/// subnormals, where 127 / max overflows) is quantized as round(x · 127 / max) in float64 instead.
/// </remarks>
internal static unsafe class RowQuantizer
{
    /// <summary>Quantizes rows × k floats (row stride ldx) into q (row stride ldq ≥ ⌈k / 4⌉·4 bytes) and one scale per row.</summary>
    public static void Quantize(float* x, nint ldx, int rows, int k, byte* q, nint ldq, float* scales, bool unsigned)
    {
        int padded = (k + 3) & ~3;
        byte offset = unsigned ? (byte)128 : (byte)0;
        for (int r = 0; r < rows; r++)
        {
            float* row = x + r * ldx;
            byte* dst = q + r * ldq;
            (float max, bool finite) = MaxAbs(row, k);
            if (!finite)
            {
                scales[r] = float.NaN;
                new Span<byte>(dst, padded).Fill(offset);
                continue;
            }
            scales[r] = max / 127f;
            if (max == 0f)
            {
                new Span<byte>(dst, padded).Fill(offset);
                continue;
            }
            float inverse = 127f / max;
            int i = 0;
            if (float.IsFinite(inverse))
            {
                if (Vector256.IsHardwareAccelerated)
                    for (; i + 32 <= k; i += 32) Store(dst + i, Quantize32(row + i, inverse), offset);
                else if (Vector128.IsHardwareAccelerated)
                    for (; i + 16 <= k; i += 16) Store(dst + i, Quantize16(row + i, inverse), offset);
                for (; i < k; i++) dst[i] = (byte)(QuantizeOne(row[i] * inverse) + offset);
            }
            else
            {
                for (; i < k; i++) dst[i] = (byte)(QuantizeOne((float)((double)row[i] * 127.0 / max)) + offset);
            }
            for (; i < padded; i++) dst[i] = offset;
        }
    }

    /// <summary>max|x| over the row, and whether every value is finite.</summary>
    private static (float Max, bool Finite) MaxAbs(float* row, int k)
    {
        int i = 0;
        float max = 0f, check = 0f; // check: Σ x·0, NaN as soon as one x is NaN or infinite
        if (Vector256.IsHardwareAccelerated && k >= 8)
        {
            Vector256<float> m = Vector256<float>.Zero, z = Vector256<float>.Zero;
            for (; i + 8 <= k; i += 8)
            {
                Vector256<float> v = Vector256.Load(row + i);
                m = Vector256.MaxNative(m, Vector256.Abs(v));
                z += v * Vector256<float>.Zero;
            }
            for (int j = 0; j < 8; j++) { max = Math.Max(max, m.GetElement(j)); check += z.GetElement(j); }
        }
        else if (Vector128.IsHardwareAccelerated && k >= 4)
        {
            Vector128<float> m = Vector128<float>.Zero, z = Vector128<float>.Zero;
            for (; i + 4 <= k; i += 4)
            {
                Vector128<float> v = Vector128.Load(row + i);
                m = Vector128.MaxNative(m, Vector128.Abs(v));
                z += v * Vector128<float>.Zero;
            }
            for (int j = 0; j < 4; j++) { max = Math.Max(max, m.GetElement(j)); check += z.GetElement(j); }
        }
        for (; i < k; i++)
        {
            float v = row[i];
            max = Math.Max(max, Math.Abs(v));
            check += v * 0f;
        }
        return (max, float.IsFinite(max) && !float.IsNaN(check));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int QuantizeOne(float scaled) => Math.Clamp((int)MathF.Round(scaled), -127, 127);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Quantize8(float* x, Vector256<float> inverse) =>
        Vector256.Clamp(Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(x) * inverse)), Vector256.Create(-127), Vector256.Create(127));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<sbyte> Quantize32(float* x, float inverse)
    {
        Vector256<float> s = Vector256.Create(inverse);
        Vector256<short> lo = Vector256.Narrow(Quantize8(x, s), Quantize8(x + 8, s));
        Vector256<short> hi = Vector256.Narrow(Quantize8(x + 16, s), Quantize8(x + 24, s));
        return Vector256.Narrow(lo, hi);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Quantize4(float* x, Vector128<float> inverse) =>
        Vector128.Clamp(Vector128.ConvertToInt32(Vector128.Round(Vector128.Load(x) * inverse)), Vector128.Create(-127), Vector128.Create(127));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<sbyte> Quantize16(float* x, float inverse)
    {
        Vector128<float> s = Vector128.Create(inverse);
        Vector128<short> lo = Vector128.Narrow(Quantize4(x, s), Quantize4(x + 4, s));
        Vector128<short> hi = Vector128.Narrow(Quantize4(x + 8, s), Quantize4(x + 12, s));
        return Vector128.Narrow(lo, hi);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(byte* destination, Vector256<sbyte> q, byte offset) =>
        (q.AsByte() + Vector256.Create(offset)).Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(byte* destination, Vector128<sbyte> q, byte offset) =>
        (q.AsByte() + Vector128.Create(offset)).Store(destination);
}
