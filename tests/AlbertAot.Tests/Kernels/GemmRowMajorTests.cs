using System;
using System.Linq;
using AlbertAot.Kernels;
using AlbertAot.Runtime;
using AlbertAot.Weights;
using Xunit;

namespace AlbertAot.Tests.Kernels;

/// <summary>
/// The in-place path (<see cref="GemmRowMajor"/>: few rows, weights read where they are) against the packed panels on
/// the same input, on every micro-kernel this process can run: bit for bit, since both sum every output sequentially
/// over k with the same multiply-add (run once per ISA tier by InstructionSetTierTests).
/// </summary>
public class GemmRowMajorTests
{
    public static TheoryData<int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int>();
        for (int rows = 1; rows <= GemmRowMajor.MaxRows; rows++)
            data.Add(rows, rows % 2 == 0 ? 24 : 50, rows % 3 == 0 ? 113 : 17 + rows); // row tails of every vector width, odd outputs
        data.Add(8, 768, 2304);  // fused QKV at 8 tokens
        data.Add(16, 768, 3072); // FFN in at 16 tokens
        data.Add(10, 3072, 768); // FFN out
        data.Add(1, 128, 3001);  // the decoder for one masked row, a column tail
        data.Add(3, 1, 5);
        return data;
    }

    private static WeightTensor Tensor(string name, float[] values) => WeightTensor.FromArray(name, values);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void InPlaceEqualsPanelsBitForBitOnEveryKernel(int rows, int inFeatures, int outFeatures)
    {
        var (x, w, b) = GemmTests.Data(rows, inFeatures, outFeatures, seed: 3);
        PackedLinear panels = PackedLinear.Pack(w, b, outFeatures, inFeatures);
        PackedLinear inPlace = PackedLinear.FromWeights(Tensor("w", w), Tensor("b", b), outFeatures, inFeatures);
        foreach (var (kind, _) in GemmTests.NativeKernels())
        {
            var expected = new float[rows * outFeatures];
            var actual = new float[rows * outFeatures];
            Gemm.Forward(kind, x, panels, expected, rows);
            Gemm.Forward(kind, x, inPlace, actual, rows);
            GemmTests.AssertBitEqual(expected, actual, $"{kind} [{rows}, {inFeatures}] → {outFeatures}");
        }
        Assert.False(inPlace.IsPacked, $"{rows} rows (≤ {GemmRowMajor.MaxRows}) must read the weights in place, not pack them.");
    }

    [Theory]
    [InlineData(GemmEpilogue.Gelu)]
    [InlineData(GemmEpilogue.GeluTanh)]
    [InlineData(GemmEpilogue.Relu)]
    [InlineData(GemmEpilogue.Silu)]
    [InlineData(GemmEpilogue.Tanh)]
    public void EpiloguesAndColumnRangesMatchThePanels(GemmEpilogue epilogue)
    {
        const int rows = 7, inFeatures = 40, outFeatures = 150; // 3 panels + 6
        var (x, w, b) = GemmTests.Data(rows, inFeatures, outFeatures, seed: 9);
        for (int i = 0; i < x.Length; i++) x[i] *= 8f; // both branches of every activation
        PackedLinear panels = PackedLinear.Pack(w, b, outFeatures, inFeatures);
        PackedLinear inPlace = PackedLinear.FromWeights(Tensor("w", w), Tensor("b", b), outFeatures, inFeatures);
        foreach (var (start, end) in new[] { (0, outFeatures), (0, 48), (48, 96), (5, 77), (144, 150), (17, 18) })
            foreach (var (kind, _) in GemmTests.NativeKernels())
            {
                var expected = Enumerable.Repeat(-7f, rows * outFeatures).ToArray();
                var actual = Enumerable.Repeat(-7f, rows * outFeatures).ToArray(); // columns outside the range stay -7
                Gemm.Forward(kind, x, panels, expected, rows, null, epilogue, start, end);
                Gemm.Forward(kind, x, inPlace, actual, rows, null, epilogue, start, end);
                GemmTests.AssertBitEqual(expected, actual, $"{kind} {epilogue} columns [{start}, {end})");
            }
    }

    [Fact]
    public void FusedPartsReadInPlaceEqualThePackedConcatenation()
    {
        const int rows = 9, inFeatures = 64;
        int[] widths = { 52, 52, 37 }; // parts that do not end on a tile or panel boundary
        var parts = widths.Select((width, i) => GemmTests.Data(1, inFeatures, width, seed: 20 + i)).ToArray();
        var (x, _, _) = GemmTests.Data(rows, inFeatures, 1, seed: 30);
        PackedLinear panels = PackedLinear.PackConcatenated(inFeatures,
            (parts[0].W, parts[0].B, widths[0]), (parts[1].W, parts[1].B, widths[1]), (parts[2].W, Array.Empty<float>(), widths[2]));
        PackedLinear inPlace = PackedLinear.FromWeights(inFeatures,
            (Tensor("q", parts[0].W), Tensor("qb", parts[0].B), widths[0]),
            (Tensor("k", parts[1].W), Tensor("kb", parts[1].B), widths[1]),
            (Tensor("v", parts[2].W), null, widths[2])); // no bias: zeros, as for the panels
        int outFeatures = widths.Sum();
        using var pool = new ComputePool(2);
        foreach (var (kind, _) in GemmTests.NativeKernels())
        {
            var expected = new float[rows * outFeatures];
            var actual = new float[rows * outFeatures];
            Gemm.Forward(kind, x, panels, expected, rows);
            Gemm.Forward(kind, x, inPlace, actual, rows, pool);
            GemmTests.AssertBitEqual(expected, actual, $"{kind} fused parts on 2 threads");
        }
        Assert.Equal(parts[2].W[5 * inFeatures + 3], inPlace.WeightAt(widths[0] + widths[1] + 5, 3));
        Assert.Equal(0f, inPlace.BiasAt(outFeatures - 1));
    }

    [Fact]
    public void ManyRowsPackOnceAndFewRowsThenUseThePanelsWithTheSameResult()
    {
        const int inFeatures = 32, outFeatures = 100;
        var (x, w, b) = GemmTests.Data(GemmRowMajor.MaxRows + 1, inFeatures, outFeatures, seed: 4);
        PackedLinear linear = PackedLinear.FromWeights(Tensor("w", w), Tensor("b", b), outFeatures, inFeatures);
        var before = new float[3 * outFeatures];
        Gemm.Forward(x, linear, before, 3);
        Assert.False(linear.IsPacked);

        var many = new float[(GemmRowMajor.MaxRows + 1) * outFeatures];
        Gemm.Forward(x, linear, many, GemmRowMajor.MaxRows + 1);
        Assert.True(linear.IsPacked, "More rows than the in-place path takes must pack the panels.");
        Assert.Equal(3L * 48 * (inFeatures + 1) * sizeof(float), linear.PackedBytes); // 100 outputs: 3 panels

        var after = new float[3 * outFeatures];
        Gemm.Forward(x, linear, after, 3);
        GemmTests.AssertBitEqual(before, after, "3 rows before and after packing");
        GemmTests.AssertBitEqual(before, many.AsSpan(0, before.Length).ToArray(), "the first 3 of 17 rows");
    }

    [Fact]
    public void ConcurrentFirstUsesPackOneCopyAndAgree()
    {
        const int rows = 40, inFeatures = 96, outFeatures = 200;
        var (x, w, b) = GemmTests.Data(rows, inFeatures, outFeatures, seed: 8);
        PackedLinear linear = PackedLinear.FromWeights(Tensor("w", w), Tensor("b", b), outFeatures, inFeatures);
        var results = new float[8][];
        System.Threading.Tasks.Parallel.For(0, results.Length, i =>
        {
            results[i] = new float[rows * outFeatures];
            Gemm.Forward(x, linear, results[i], i % 2 == 0 ? rows : 5); // packing races the in-place path
        });
        var expected = new float[rows * outFeatures];
        Gemm.Forward(x, PackedLinear.Pack(w, b, outFeatures, inFeatures), expected, rows);
        for (int i = 0; i < results.Length; i++)
        {
            int n = (i % 2 == 0 ? rows : 5) * outFeatures;
            GemmTests.AssertBitEqual(expected.AsSpan(0, n).ToArray(), results[i].AsSpan(0, n).ToArray(), $"caller {i}");
        }
        Assert.True(linear.IsPacked);
    }

    [Fact]
    public void FromWeightsRejectsWrongSizesByName()
    {
        var e = Assert.Throws<ArgumentException>(() => PackedLinear.FromWeights(Tensor("layer.w", new float[10]), null, 3, 4));
        Assert.Contains("layer.w", e.Message);
        Assert.Contains("expected 12", e.Message);
        e = Assert.Throws<ArgumentException>(() => PackedLinear.FromWeights(Tensor("w", new float[12]), Tensor("layer.b", new float[2]), 3, 4));
        Assert.Contains("layer.b", e.Message);
        Assert.Throws<ArgumentException>(() => PackedLinear.FromWeights(4));
    }
}
