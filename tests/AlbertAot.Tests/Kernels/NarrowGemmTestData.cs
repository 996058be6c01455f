using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using AlbertAot.Kernels;
using AlbertAot.Weights;
using Xunit;

namespace AlbertAot.Tests.Kernels;

/// <summary>BF16 and INT8 weights, references and kernel lists for the narrow GEMM tests.</summary>
internal static class NarrowGemmTestData
{
    /// <summary>float32 → bfloat16, round to nearest, ties to even; NaN stays NaN (what the build-time conversion does).</summary>
    public static ushort ToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x40);
        return (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1)) >> 16);
    }

    public static float Widen(ushort value) => BitConverter.UInt32BitsToSingle((uint)value << 16);

    /// <summary>Random weights as BF16, and the same values widened to float32.</summary>
    public static (ushort[] Narrow, float[] Widened) BFloat16Weights(float[] w)
    {
        var narrow = new ushort[w.Length];
        var widened = new float[w.Length];
        for (int i = 0; i < w.Length; i++)
        {
            narrow[i] = ToBFloat16(w[i]);
            widened[i] = Widen(narrow[i]);
        }
        return (narrow, widened);
    }

    /// <summary>Per-row symmetric int8 quantization of an [out, in] matrix (docs/precision.md).</summary>
    public static (sbyte[] Q, float[] Scales) Int8Weights(float[] w, int outFeatures, int inFeatures)
    {
        var q = new sbyte[w.Length];
        var scales = new float[outFeatures];
        for (int o = 0; o < outFeatures; o++)
        {
            float max = 0f;
            for (int k = 0; k < inFeatures; k++) max = Math.Max(max, Math.Abs(w[o * inFeatures + k]));
            scales[o] = max / 127f;
            if (max == 0f) continue;
            for (int k = 0; k < inFeatures; k++)
                q[o * inFeatures + k] = (sbyte)Math.Clamp((int)Math.Round(w[o * inFeatures + k] / (double)scales[o], MidpointRounding.ToEven), -127, 127);
        }
        return (q, scales);
    }

    /// <summary>The activation quantization of the contract: scale = max/127, q = round_half_to_even(x·(127/max)); null for a non-finite row.</summary>
    public static (int[]? Q, float Scale) QuantizeRow(ReadOnlySpan<float> x)
    {
        float max = 0f;
        foreach (float v in x)
        {
            if (!float.IsFinite(v)) return (null, float.NaN);
            max = Math.Max(max, Math.Abs(v));
        }
        var q = new int[x.Length];
        if (max == 0f) return (q, 0f);
        float inverse = 127f / max;
        for (int i = 0; i < x.Length; i++) q[i] = Math.Clamp((int)MathF.Round(x[i] * inverse), -127, 127);
        return (q, max / 127f);
    }

    /// <summary>
    /// The INT8 GEMM from its formula, computed here independently of the kernels: exact integer sums, then
    /// y = (float)acc · (scale_a · scale_w) + b, a multiply then an add; a non-finite row gives NaN.
    /// </summary>
    public static float[] Int8Reference(float[] x, sbyte[] q, float[] scales, float[] b, int rows, int inFeatures, int outFeatures)
    {
        var y = new float[rows * outFeatures];
        for (int r = 0; r < rows; r++)
        {
            var (qa, sa) = QuantizeRow(x.AsSpan(r * inFeatures, inFeatures));
            for (int o = 0; o < outFeatures; o++)
            {
                if (qa is null) { y[r * outFeatures + o] = float.NaN; continue; }
                long acc = 0;
                for (int k = 0; k < inFeatures; k++) acc += qa[k] * q[o * inFeatures + k];
                Assert.InRange(acc, int.MinValue, int.MaxValue);
                float scale = sa * scales[o];
                float product = (float)(int)acc * scale;
                y[r * outFeatures + o] = product + b[o];
            }
        }
        return y;
    }

    /// <summary>The Int8 kernels that run here: AVX-VNNI / ARM64 sdot where present, the widening fallback of every accelerated width, scalar.</summary>
    public static List<GemmKernelKind> Int8Kernels()
    {
        var kinds = new List<GemmKernelKind>();
        if (AvxVnni.IsSupported) kinds.Add(GemmKernelKind.Int8Vnni256);
        if (Dp.IsSupported) kinds.Add(GemmKernelKind.Int8Dot128);
        if (Vector512.IsHardwareAccelerated) kinds.Add(GemmKernelKind.Vector512);
        if (Vector256.IsHardwareAccelerated) kinds.Add(GemmKernelKind.Vector256);
        if (Vector128.IsHardwareAccelerated)
        {
            kinds.Add(GemmKernelKind.Vector128);
            kinds.Add(GemmKernelKind.Vector128Tall);
        }
        kinds.Add(GemmKernelKind.Scalar);
        return kinds;
    }

    public static PackedLinear BFloat16Linear(ushort[] w, float[] b, int outFeatures, int inFeatures) =>
        PackedLinear.FromWeights(WeightTensor.FromBFloat16("w", w), WeightTensor.FromArray("b", b), outFeatures, inFeatures);

    public static PackedLinear Int8Linear(sbyte[] q, float[] scales, float[] b, int outFeatures, int inFeatures) =>
        PackedLinear.FromWeights(WeightTensor.FromInt8("w", q, scales), WeightTensor.FromArray("b", b), outFeatures, inFeatures);

    /// <summary>Shapes: K not a multiple of 2 or 4, out not a multiple of 48, 1..20 rows, ALBERT's shapes.</summary>
    public static TheoryData<int, int, int> Shapes()
    {
        // Distinct shapes only: xunit skips a repeated case with a warning (one ran twice under one ID before).
        var shapes = new List<(int Rows, int K, int Out)>();
        int[] ks = { 1, 2, 3, 5, 6, 7, 8, 50, 51, 129 };
        int[] outs = { 1, 2, 17, 48, 113 };
        for (int rows = 1; rows <= 20; rows++)
            shapes.Add((rows, ks[rows % ks.Length], outs[rows % outs.Length]));
        foreach (int k in ks)
            foreach (int o in outs)
                shapes.Add((k % 3 + 1, k, o));
        shapes.AddRange([(8, 768, 2304), (9, 768, 3072), (13, 3072, 768), (17, 128, 768), (33, 770, 100)]);
        var data = new TheoryData<int, int, int>();
        foreach (var (rows, k, o) in shapes.Distinct()) data.Add(rows, k, o);
        return data;
    }
}
