using System;
using AlbertAot.Kernels;
using AlbertAot.Runtime;
using AlbertAot.Weights;
using Xunit;
using static AlbertAot.Tests.Kernels.NarrowGemmTestData;

namespace AlbertAot.Tests.Kernels;

/// <summary>
/// Gemm over BFloat16 panels: on every kernel this process can run, bit-identical to the FP32 kernel of the same tier
/// over the widened weights (same k order, same multiply-add), which GemmTests ties to the sequential reference and to
/// float64. Column ranges, threads and epilogues keep that identity.
/// </summary>
public class BFloat16GemmTests
{
    public static TheoryData<int, int, int> Shapes() => NarrowGemmTestData.Shapes();

    [Theory]
    [MemberData(nameof(Shapes))]
    public void EveryKernelIsBitIdenticalToTheFp32KernelOverTheWidenedWeights(int rows, int inFeatures, int outFeatures)
    {
        var (x, w, b) = GemmTests.Data(rows, inFeatures, outFeatures, seed: 21);
        var (narrow, widened) = BFloat16Weights(w);
        PackedLinear bf16 = BFloat16Linear(narrow, b, outFeatures, inFeatures);
        PackedLinear fp32 = PackedLinear.Pack(widened, b, outFeatures, inFeatures);
        Assert.Equal(PanelFormat.BFloat16, bf16.Format);
        foreach (var (kind, _) in GemmTests.NativeKernels())
        {
            var expected = new float[rows * outFeatures];
            var actual = new float[rows * outFeatures];
            Gemm.Forward(kind, x, fp32, expected, rows);
            Gemm.Forward(kind, x, bf16, actual, rows);
            GemmTests.AssertBitEqual(expected, actual, $"{kind} [{rows}, {inFeatures}] → {outFeatures}");
        }
        var auto = new float[rows * outFeatures];
        var viaKind = new float[rows * outFeatures];
        Gemm.Forward(x, bf16, auto, rows);
        Gemm.Forward(Gemm.AutoKernel, x, bf16, viaKind, rows);
        GemmTests.AssertBitEqual(viaKind, auto, "public Forward vs its kernel");
    }

    [Theory]
    [InlineData(8, 768, 2304)]
    [InlineData(11, 51, 113)]
    [InlineData(3, 7, 17)]
    [InlineData(130, 70, 100)] // enough rows that two threads split rows, not columns (at 64 rows a thread, 64 + 66)
    public void EpiloguesColumnRangesAndTwoThreadsMatchTheFp32Kernel(int rows, int inFeatures, int outFeatures)
    {
        var (x, w, b) = GemmTests.Data(rows, inFeatures, outFeatures, seed: 22);
        for (int i = 0; i < x.Length; i++) x[i] *= 8f;
        var (narrow, widened) = BFloat16Weights(w);
        PackedLinear bf16 = BFloat16Linear(narrow, b, outFeatures, inFeatures);
        PackedLinear fp32 = PackedLinear.Pack(widened, b, outFeatures, inFeatures);
        using var pool = new ComputePool(2);
        foreach (var (kind, _) in GemmTests.NativeKernels())
            foreach (GemmEpilogue epilogue in Enum.GetValues<GemmEpilogue>())
            {
                var expected = new float[rows * outFeatures];
                Gemm.Forward(kind, x, fp32, expected, rows, null, epilogue);
                var single = new float[rows * outFeatures];
                Gemm.Forward(kind, x, bf16, single, rows, null, epilogue);
                GemmTests.AssertBitEqual(expected, single, $"{kind} {epilogue}");
                var threaded = new float[rows * outFeatures];
                Gemm.Forward(kind, x, bf16, threaded, rows, pool, epilogue);
                GemmTests.AssertBitEqual(expected, threaded, $"{kind} {epilogue}, 2 threads");
                foreach (var (start, end) in new[] { (0, 1), (5, outFeatures - 3), (outFeatures / 2, outFeatures), (0, Math.Min(48, outFeatures)) })
                {
                    if (end < start) continue;
                    var y = new float[rows * outFeatures];
                    Array.Fill(y, float.NaN);
                    Gemm.Forward(kind, x, bf16, y, rows, pool, epilogue, start, end);
                    for (int r = 0; r < rows; r++)
                        for (int o = 0; o < outFeatures; o++)
                        {
                            float got = y[r * outFeatures + o];
                            if (o >= start && o < end) Assert.True(got.Equals(expected[r * outFeatures + o]), $"{kind} {epilogue} [{start}, {end}) [{r}, {o}]");
                            else Assert.True(float.IsNaN(got), $"[{start}, {end}) wrote column {o}");
                        }
                }
            }
    }

    [Fact]
    public void PacksAtFirstUseWithTheNarrowFootprint()
    {
        const int outFeatures = 50, inFeatures = 7;
        var (_, w, b) = GemmTests.Data(1, inFeatures, outFeatures);
        var (narrow, widened) = BFloat16Weights(w);
        PackedLinear packed = BFloat16Linear(narrow, b, outFeatures, inFeatures);
        Assert.Equal(PanelFormat.BFloat16, packed.Format);
        Assert.False(packed.IsPacked);
        Assert.Equal(2L * 48 * (4 + 1) * sizeof(float), packed.PackedBytes);
        Assert.Equal(packed.PackedBytes, PackedLinear.PackedBytesFor(outFeatures, inFeatures, PanelFormat.BFloat16));
        Assert.Equal(PackedLinear.PackedBytesFor(outFeatures, inFeatures), PackedLinear.PackedBytesFor(outFeatures, inFeatures, PanelFormat.Float32));
        for (int o = 0; o < outFeatures; o++)
            for (int k = 0; k < inFeatures; k++) Assert.Equal(widened[o * inFeatures + k], packed.WeightAt(o, k));
        // One row: narrow weights never take the in-place row-major path, they pack.
        var y = new float[outFeatures];
        Gemm.Forward(new float[inFeatures], packed, y, 1);
        Assert.True(packed.IsPacked);
        for (int o = 0; o < outFeatures; o++)
        {
            Assert.Equal(b[o], packed.BiasAt(o));
            Assert.Equal(b[o], y[o]);
            for (int k = 0; k < inFeatures; k++) Assert.Equal(widened[o * inFeatures + k], packed.WeightAt(o, k));
        }
    }

    [Fact]
    public void FusedPartsEqualSeparateLinears()
    {
        const int rows = 5, inFeatures = 33;
        int[] widths = { 20, 48, 7 };
        var random = new Random(4);
        float[] x = KernelTestData.Normal(random, rows * inFeatures);
        var parts = new (WeightTensor, WeightTensor?, int)[3];
        var separate = new PackedLinear[3];
        for (int i = 0; i < 3; i++)
        {
            var (narrow, _) = BFloat16Weights(KernelTestData.Normal(random, widths[i] * inFeatures, 0.05f));
            float[] bias = KernelTestData.Normal(random, widths[i], 0.1f);
            parts[i] = (WeightTensor.FromBFloat16("w" + i, narrow), i == 1 ? null : WeightTensor.FromArray("b" + i, bias), widths[i]);
            separate[i] = PackedLinear.FromWeights(parts[i].Item1, parts[i].Item2, widths[i], inFeatures);
        }
        PackedLinear fused = PackedLinear.FromWeights(inFeatures, parts);
        var all = new float[rows * 75];
        Gemm.Forward(x, fused, all, rows);
        for (int i = 0, offset = 0; i < 3; offset += widths[i], i++)
        {
            var one = new float[rows * widths[i]];
            Gemm.Forward(x, separate[i], one, rows);
            for (int r = 0; r < rows; r++)
                for (int o = 0; o < widths[i]; o++) Assert.Equal(one[r * widths[i] + o], all[r * 75 + offset + o]);
        }
    }

    [Fact]
    public void MixedStorageAndNarrowBiasesAreRefused()
    {
        WeightTensor bf = WeightTensor.FromBFloat16("a", new ushort[6]);
        WeightTensor f = WeightTensor.FromArray("b", new float[6]);
        Assert.Throws<ArgumentException>(() => PackedLinear.FromWeights(2, (bf, null, 3), (f, null, 3)));
        Assert.Throws<ArgumentException>(() => PackedLinear.FromWeights(bf, WeightTensor.FromBFloat16("bias", new ushort[3]), 3, 2));
        PackedLinear ok = PackedLinear.FromWeights(bf, null, 3, 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Forward(GemmKernelKind.Int8Vnni256, new float[2], ok, new float[3], 1));
    }

    [Fact]
    public void ZeroRowsIsANoOp()
    {
        PackedLinear packed = BFloat16Linear(new ushort[6], new float[3], 3, 2);
        Gemm.Forward(ReadOnlySpan<float>.Empty, packed, Span<float>.Empty, 0);
        using var pool = new ComputePool(2);
        Gemm.Forward(ReadOnlySpan<float>.Empty, packed, Span<float>.Empty, 0, pool);
    }
}
