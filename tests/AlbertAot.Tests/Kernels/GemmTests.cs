using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using AlbertAot.Kernels;
using AlbertAot.Runtime;
using Xunit;
using Xunit.Abstractions;

namespace AlbertAot.Tests.Kernels;

/// <summary>
/// Gemm over a PackedLinear against the plain triple loop, on every micro-kernel this process can run (the one Auto
/// picks, and every narrower accelerated one: run the class once per ISA tier, see TierTests).
/// </summary>
/// <remarks>
/// Every kernel sums sequentially over k from zero in FP32, then adds the bias: with a plain multiply and add that is
/// exactly <see cref="Linear.ForwardScalar"/>; with fused multiply-adds it is the same loop with
/// MathF.FusedMultiplyAdd. Which of the two a vector width does (MultiplyAddEstimate fuses only where the hardware
/// has FMA) is probed at run time, and the kernel must match that reference bit for bit; both references are also
/// checked against float64 at 1e-5 of Σₖ|x·w| + |b| (the tolerance of LinearTests).
/// </remarks>
public class GemmTests
{
    private const double RelativeTolerance = 1e-5;
    private readonly ITestOutputHelper _output;

    public GemmTests(ITestOutputHelper output) => _output = output;

    /// <summary>The kernels that run natively here, each with whether its multiply-add is fused.</summary>
    internal static List<(GemmKernelKind Kind, bool Fused)> NativeKernels()
    {
        var kinds = new List<(GemmKernelKind, bool)>();
        if (Vector512.IsHardwareAccelerated) kinds.Add((GemmKernelKind.Vector512, Fused512()));
        if (Vector256.IsHardwareAccelerated) kinds.Add((GemmKernelKind.Vector256, Fused256()));
        if (Vector128.IsHardwareAccelerated)
        {
            kinds.Add((GemmKernelKind.Vector128, Fused128()));
            kinds.Add((GemmKernelKind.Vector128Tall, Fused128()));
        }
        kinds.Add((GemmKernelKind.Scalar, false));
        return kinds;
    }

    // a·b + c with a = b = 1 + 2⁻¹², c = −(1 + 2⁻¹¹): a·b = 1 + 2⁻¹¹ + 2⁻²⁴ exactly, which rounds (a tie, to even) to
    // 1 + 2⁻¹¹, so the result is 2⁻²⁴ when fused and 0 when a·b is rounded first. The operands
    // come from fields through a method that is not inlined, so the JIT cannot fold the probe at compile time (it
    // folds constants with a fused operation whatever the tier), and the method is fully optimised like the kernels
    // (unoptimised code may call MultiplyAddEstimate's managed fallback, a software fused multiply-add).
    private static float _probeA = 1f + 1f / 4096, _probeB = 1f + 1f / 4096, _probeC = -(1f + 1f / 2048);
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static bool Fused512() => Vector512.MultiplyAddEstimate(Vector512.Create(_probeA), Vector512.Create(_probeB), Vector512.Create(_probeC)).ToScalar() != 0f;
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static bool Fused256() => Vector256.MultiplyAddEstimate(Vector256.Create(_probeA), Vector256.Create(_probeB), Vector256.Create(_probeC)).ToScalar() != 0f;
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static bool Fused128() => Vector128.MultiplyAddEstimate(Vector128.Create(_probeA), Vector128.Create(_probeB), Vector128.Create(_probeC)).ToScalar() != 0f;

    /// <summary>The sequential reference: Linear.ForwardScalar's loop, with or without fused multiply-adds.</summary>
    internal static float[] Reference(float[] x, float[] w, float[] b, int rows, int inFeatures, int outFeatures, bool fused)
    {
        var y = new float[rows * outFeatures];
        if (!fused)
        {
            Linear.ForwardScalar(x, w, b, y, rows, inFeatures, outFeatures);
            return y;
        }
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < outFeatures; o++)
            {
                float sum = 0f;
                for (int k = 0; k < inFeatures; k++) sum = MathF.FusedMultiplyAdd(x[r * inFeatures + k], w[o * inFeatures + k], sum);
                y[r * outFeatures + o] = sum + b[o];
            }
        return y;
    }

    internal static (float[] X, float[] W, float[] B) Data(int rows, int inFeatures, int outFeatures, int seed = 0)
    {
        var random = new Random(seed + rows * 10007 + inFeatures * 31 + outFeatures);
        return (KernelTestData.Normal(random, rows * inFeatures),
                KernelTestData.Normal(random, outFeatures * inFeatures, 0.05f),
                KernelTestData.Normal(random, outFeatures, 0.1f));
    }

    /// <summary>
    /// Every row tail of every kernel height (1..17, 31, 64, 128 rows against heights 1, 4, 8), every column tail
    /// (2, 3, 17 outputs, one and two whole panels, two panels and 17), with odd reduction lengths.
    /// </summary>
    public static TheoryData<int, int, int> TailShapes()
    {
        var data = new TheoryData<int, int, int>();
        int[] rowCounts = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 31, 64, 128 };
        foreach (int rows in rowCounts)
            foreach (int outFeatures in new[] { 2, 3, 17, 48, 96, 113 })
                data.Add(rows, rows % 2 == 0 ? 24 : 50, outFeatures);
        return data;
    }

    /// <summary>Reduction lengths (ALBERT's E = 128, H = 768, I = 3072 and odd ones) and ALBERT's output widths.</summary>
    public static TheoryData<int, int, int> ReductionShapes()
    {
        var data = new TheoryData<int, int, int>();
        foreach (int inFeatures in new[] { 1, 16, 24, 32, 48, 50, 128, 768, 3072 })
            foreach (int rows in new[] { 1, 8, 9 })
                data.Add(rows, inFeatures, inFeatures >= 768 ? 96 : 130); // 130 = 2 panels + 34: another column tail
        data.Add(8, 768, 768);    // attention output
        data.Add(9, 768, 2304);   // fused QKV, a row tail
        data.Add(16, 768, 3072);  // FFN in
        data.Add(13, 3072, 768);  // FFN out, a row tail
        data.Add(8, 128, 768);    // embedding projection
        data.Add(2, 768, 2);      // a 2-label classifier
        data.Add(64, 768, 768);
        // Depths that are not a multiple of a k-blocked kernel's block (Vector256: 128, 64 up to 16 rows), with row and
        // column tails: the blocked panels carry partial sums between blocks, the cut last panel runs unblocked in the
        // same call.
        data.Add(9, 129, 130);
        data.Add(11, 300, 96);
        data.Add(6, 1000, 150);
        data.Add(21, 300, 96);
        // Rows beyond Gemm.RowChunk (128) with a k-blocked kernel: chunks of 68 + 61 rows (a row tail) and 3 × 100.
        data.Add(129, 200, 130);
        data.Add(300, 300, 96);
        return data;
    }

    [Theory]
    [MemberData(nameof(TailShapes))]
    [MemberData(nameof(ReductionShapes))]
    public void EveryKernelMatchesTheSequentialReferenceBitForBit(int rows, int inFeatures, int outFeatures)
    {
        var (x, w, b) = Data(rows, inFeatures, outFeatures);
        PackedLinear packed = PackedLinear.Pack(w, b, outFeatures, inFeatures);
        float[] plain = Reference(x, w, b, rows, inFeatures, outFeatures, fused: false);
        float[] fused = Reference(x, w, b, rows, inFeatures, outFeatures, fused: true);
        CheckAgainstFloat64(x, w, b, plain, rows, inFeatures, outFeatures, "ForwardScalar");
        CheckAgainstFloat64(x, w, b, fused, rows, inFeatures, outFeatures, "fused reference");

        foreach (var (kind, isFused) in NativeKernels())
        {
            var y = new float[rows * outFeatures];
            Gemm.Forward(kind, x, packed, y, rows);
            AssertBitEqual(isFused ? fused : plain, y, $"{kind} ({(isFused ? "fused" : "unfused")}) [{rows}, {inFeatures}] → {outFeatures}");
        }
        var auto = new float[rows * outFeatures];
        Gemm.Forward(x, packed, auto, rows);
        var expected = new float[rows * outFeatures];
        Gemm.Forward(Gemm.AutoKernel, x, packed, expected, rows);
        AssertBitEqual(expected, auto, "public Forward vs its kernel");
    }

    [Fact]
    public void VocabularyProjectionWith30000Columns()
    {
        const int rows = 3, inFeatures = 128, outFeatures = 30000; // ALBERT's MLM decoder, E → V
        var (x, w, b) = Data(rows, inFeatures, outFeatures);
        PackedLinear packed = PackedLinear.Pack(w, b, outFeatures, inFeatures);
        float[] plain = Reference(x, w, b, rows, inFeatures, outFeatures, fused: false);
        float[] fused = Reference(x, w, b, rows, inFeatures, outFeatures, fused: true);
        CheckAgainstFloat64(x, w, b, fused, rows, inFeatures, outFeatures, "fused reference");
        var kind = Gemm.AutoKernel;
        bool isFused = NativeKernels().Find(k => k.Kind == kind).Fused;
        var y = new float[rows * outFeatures];
        using var pool = new ComputePool(2);
        Gemm.Forward(x, packed, y, rows, pool);
        AssertBitEqual(isFused ? fused : plain, y, "30000 columns on 2 threads");
        Assert.Equal(625, packed.PanelCount);
    }

    [Fact]
    public void MatchesLinearForwardAndForwardScalarToAMillionth()
    {
        const int rows = 8, inFeatures = 768, outFeatures = 768;
        var (x, w, b) = Data(rows, inFeatures, outFeatures, seed: 5);
        var gemm = new float[rows * outFeatures];
        var linear = new float[rows * outFeatures];
        var scalar = new float[rows * outFeatures];
        Gemm.Forward(x, PackedLinear.Pack(w, b, outFeatures, inFeatures), gemm, rows);
        Linear.Forward(x, w, b, linear, rows, inFeatures, outFeatures);
        Linear.ForwardScalar(x, w, b, scalar, rows, inFeatures, outFeatures);
        double worst = 0;
        for (int i = 0; i < gemm.Length; i++)
        {
            int o = i % outFeatures, r = i / outFeatures;
            double magnitude = Math.Abs(b[o]);
            for (int k = 0; k < inFeatures; k++) magnitude += Math.Abs((double)x[r * inFeatures + k] * w[o * inFeatures + k]);
            worst = Math.Max(worst, Math.Max(Math.Abs(gemm[i] - scalar[i]), Math.Abs(gemm[i] - linear[i])) / magnitude);
        }
        _output.WriteLine($"Largest difference from Linear.Forward / ForwardScalar: {worst:E2} of Σ|x·w| + |b|.");
        Assert.True(worst < 1e-6, $"Largest relative difference {worst:E2}.");
    }

    public static TheoryData<GemmEpilogue, int, int, int> EpilogueCases()
    {
        var data = new TheoryData<GemmEpilogue, int, int, int>();
        foreach (GemmEpilogue epilogue in Enum.GetValues<GemmEpilogue>())
        {
            data.Add(epilogue, 8, 768, 3072); // ALBERT's FFN in
            data.Add(epilogue, 5, 50, 113);   // row and column tails
            data.Add(epilogue, 1, 16, 3);
            data.Add(epilogue, 11, 128, 17);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(EpilogueCases))]
    public void EpilogueEqualsTheActivationKernelAppliedAfterwards(GemmEpilogue epilogue, int rows, int inFeatures, int outFeatures)
    {
        var (x, w, b) = Data(rows, inFeatures, outFeatures, seed: 11);
        for (int i = 0; i < x.Length; i++) x[i] *= 8f; // pre-activations over about [−6, 6]: both branches of every activation
        PackedLinear packed = PackedLinear.Pack(w, b, outFeatures, inFeatures);
        using var pool = new ComputePool(2);
        foreach (var (kind, _) in NativeKernels())
        {
            var linear = new float[rows * outFeatures];
            Gemm.Forward(kind, x, packed, linear, rows);
            var expected = (float[])linear.Clone();
            for (int r = 0; r < rows; r++) ApplyActivation(epilogue, expected.AsSpan(r * outFeatures, outFeatures));

            var fusedY = new float[rows * outFeatures];
            Gemm.Forward(kind, x, packed, fusedY, rows, null, epilogue);
            AssertActivated(expected, fusedY, outFeatures, $"{epilogue} on {kind}");
            var threaded = new float[rows * outFeatures];
            Gemm.Forward(kind, x, packed, threaded, rows, pool, epilogue);
            AssertBitEqual(fusedY, threaded, $"{epilogue} on {kind}, 2 threads");
        }
    }

    /// <summary>
    /// The GEMM activates whole 48-column panels, so every value takes the vector form of the activation; applied to a
    /// whole row, the activation kernels give the last (out mod 4) values of the row their scalar form, which agrees to
    /// a few 1e-7. Everything else must be bit-identical (the Vector512/256/128 forms agree lane for lane).
    /// </summary>
    private static void AssertActivated(float[] expected, float[] actual, int outFeatures, string what)
    {
        int exactColumns = Vector128.IsHardwareAccelerated ? outFeatures - outFeatures % 4 : outFeatures;
        for (int i = 0; i < expected.Length; i++)
        {
            if (i % outFeatures < exactColumns)
            {
                if (!KernelTestData.SameOrBothNaN(expected[i], actual[i]))
                    Assert.Fail($"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R}.");
            }
            else
                Assert.True(Math.Abs(expected[i] - actual[i]) <= 4e-6 * Math.Max(1f, Math.Abs(expected[i])),
                    $"{what}: tail element {i} is {actual[i]:R}, expected {expected[i]:R}.");
        }
    }

    private static void ApplyActivation(GemmEpilogue epilogue, Span<float> row)
    {
        switch (epilogue)
        {
            case GemmEpilogue.None: break;
            case GemmEpilogue.Gelu: Activations.Apply(AlbertActivation.Gelu, row); break;
            case GemmEpilogue.GeluTanh: Activations.Apply(AlbertActivation.GeluTanh, row); break;
            case GemmEpilogue.Relu: Activations.Apply(AlbertActivation.Relu, row); break;
            case GemmEpilogue.Silu: Activations.Apply(AlbertActivation.Silu, row); break;
            case GemmEpilogue.Tanh: Activations.Apply(AlbertActivation.Tanh, row); break;
            default: throw new ArgumentOutOfRangeException(nameof(epilogue));
        }
    }

    [Theory]
    [InlineData(8, 768, 768)]
    [InlineData(5, 64, 40)]
    [InlineData(9, 50, 17)]
    public void ConcatenatedQkvEqualsThreeSeparateLinears(int rows, int inFeatures, int width)
    {
        var random = new Random(rows + inFeatures + width);
        float[] x = KernelTestData.Normal(random, rows * inFeatures);
        float[][] weights = new float[3][], biases = new float[3][];
        for (int i = 0; i < 3; i++)
        {
            weights[i] = KernelTestData.Normal(random, width * inFeatures, 0.05f);
            biases[i] = KernelTestData.Normal(random, width, 0.1f);
        }
        PackedLinear fused = PackedLinear.PackConcatenated(inFeatures,
            (weights[0], biases[0], width), (weights[1], biases[1], width), (weights[2], biases[2], width));
        Assert.Equal(3 * width, fused.OutFeatures);
        Assert.Equal(inFeatures, fused.InFeatures);

        var fusedSpans = new float[rows * 3 * width];
        Gemm.Forward(x, fused, fusedSpans, rows);
        for (int i = 0; i < 3; i++)
        {
            var separate = new float[rows * width];
            Gemm.Forward(x, PackedLinear.Pack(weights[i], biases[i], width, inFeatures), separate, rows);
            for (int r = 0; r < rows; r++)
                for (int o = 0; o < width; o++)
                    Assert.True(separate[r * width + o].Equals(fusedSpans[r * 3 * width + i * width + o]),
                        $"part {i}, [{r}, {o}]: separate {separate[r * width + o]:R}, fused {fusedSpans[r * 3 * width + i * width + o]:R}.");
        }
    }

    [Theory]
    [InlineData(8, 128, 2304)]
    [InlineData(9, 50, 113)]
    [InlineData(3, 24, 17)]
    public void ColumnRangesWriteOnlyTheirColumnsAndMatchTheFullProduct(int rows, int inFeatures, int outFeatures)
    {
        var (x, w, b) = Data(rows, inFeatures, outFeatures, seed: 3);
        PackedLinear packed = PackedLinear.Pack(w, b, outFeatures, inFeatures);
        foreach (GemmEpilogue epilogue in new[] { GemmEpilogue.None, GemmEpilogue.Gelu })
        {
            var full = new float[rows * outFeatures];
            Gemm.Forward(x, packed, full, rows, epilogue);
            var ranges = new List<(int, int)> { (0, outFeatures), (0, 0), (outFeatures, outFeatures), (0, 1), (outFeatures - 1, outFeatures) };
            for (int start = 0; start < outFeatures; start += 48) ranges.Add((start, Math.Min(outFeatures, start + 48)));
            for (int start = 0; start < outFeatures; start += 96) ranges.Add((start, Math.Min(outFeatures, start + 96)));
            var random = new Random(outFeatures);
            for (int i = 0; i < 12; i++)
            {
                int s = random.Next(outFeatures + 1), e = random.Next(outFeatures + 1);
                ranges.Add((Math.Min(s, e), Math.Max(s, e)));
            }
            foreach (var (start, end) in ranges)
            {
                var y = new float[rows * outFeatures];
                Array.Fill(y, float.NaN);
                Gemm.Forward(x, packed, y, rows, epilogue, start, end);
                for (int r = 0; r < rows; r++)
                    for (int o = 0; o < outFeatures; o++)
                    {
                        float got = y[r * outFeatures + o];
                        if (o >= start && o < end)
                            Assert.True(got.Equals(full[r * outFeatures + o]), $"[{start}, {end}) {epilogue}: [{r}, {o}] = {got:R}, full {full[r * outFeatures + o]:R}.");
                        else
                            Assert.True(float.IsNaN(got), $"[{start}, {end}): wrote column {o} of row {r}.");
                    }
            }
            // -1 means "to the end".
            var tail = new float[rows * outFeatures];
            Gemm.Forward(x, packed, tail, rows, epilogue, outFeatures / 2, -1);
            for (int r = 0; r < rows; r++)
                for (int o = outFeatures / 2; o < outFeatures; o++)
                    Assert.Equal(full[r * outFeatures + o], tail[r * outFeatures + o]);
        }
    }

    public static TheoryData<int, int, int> ThreadShapes()
    {
        var data = new TheoryData<int, int, int>
        {
            { 8, 768, 2304 }, { 8, 768, 768 }, { 8, 768, 3072 }, { 8, 3072, 768 }, { 17, 768, 113 }, { 128, 128, 768 },
            { 1, 768, 768 }, { 3, 64, 48 }, { 2, 3072, 96 }, { 31, 50, 1000 },
            // Rows enough for a row split (64 a thread and more): two threads at 64 + 66 rows, three and four threads
            // at row boundaries rounded down to 8 (96, 104, 100 and 72, 72, 80, 76 rows).
            { 130, 200, 50 }, { 300, 96, 100 },
        };
        return data;
    }

    [Theory]
    [MemberData(nameof(ThreadShapes))]
    public void ThreadedResultsAreBitIdenticalToOneThread(int rows, int inFeatures, int outFeatures)
    {
        var (x, w, b) = Data(rows, inFeatures, outFeatures, seed: 9);
        PackedLinear packed = PackedLinear.Pack(w, b, outFeatures, inFeatures);
        var single = new float[rows * outFeatures];
        Gemm.Forward(x, packed, single, rows, GemmEpilogue.Gelu);
        foreach (int threads in new[] { 1, 2, 3, 4 })
        {
            using var pool = new ComputePool(threads);
            for (int repeat = 0; repeat < 3; repeat++)
            {
                var y = new float[rows * outFeatures];
                Gemm.Forward(x, packed, y, rows, pool, GemmEpilogue.Gelu);
                AssertBitEqual(single, y, $"{threads} threads, call {repeat}");
                var range = new float[rows * outFeatures];
                Gemm.Forward(x, packed, range, rows, pool, GemmEpilogue.Gelu, outFeatures / 3, outFeatures - 1);
                for (int r = 0; r < rows; r++)
                    for (int o = outFeatures / 3; o < outFeatures - 1; o++)
                        Assert.Equal(single[r * outFeatures + o], range[r * outFeatures + o]);
            }
        }
        var none = new float[rows * outFeatures];
        Gemm.Forward(x, packed, none, rows, (ComputePool?)null, GemmEpilogue.Gelu);
        AssertBitEqual(single, none, "null pool");
    }

    [Fact]
    public void PackKeepsWeightsBiasAndShape()
    {
        const int outFeatures = 50, inFeatures = 7;
        var (_, w, b) = Data(1, inFeatures, outFeatures);
        PackedLinear packed = PackedLinear.Pack(w, b, outFeatures, inFeatures);
        Assert.Equal(outFeatures, packed.OutFeatures);
        Assert.Equal(inFeatures, packed.InFeatures);
        Assert.Equal(2, packed.PanelCount);
        Assert.Equal(2L * 48 * (inFeatures + 1) * sizeof(float), packed.PackedBytes);
        for (int o = 0; o < outFeatures; o++)
        {
            Assert.Equal(b[o], packed.BiasAt(o));
            for (int k = 0; k < inFeatures; k++) Assert.Equal(w[o * inFeatures + k], packed.WeightAt(o, k));
        }

        PackedLinear noBias = PackedLinear.Pack(w, ReadOnlySpan<float>.Empty, outFeatures, inFeatures);
        var x = new float[inFeatures];
        x[2] = 1f;
        var y = new float[outFeatures];
        Gemm.Forward(x, noBias, y, 1);
        for (int o = 0; o < outFeatures; o++) Assert.Equal(w[o * inFeatures + 2], y[o]);
    }

    [Fact]
    public void WritesOnlyItsRowsWhenYIsLonger()
    {
        float[] x = { 1, 2, 3, 4 }; // 2 rows of 2
        float[] w = { 1, 0, 0, 1, 1, 1 }; // 3 outputs
        float[] b = { 0.5f, -0.5f, 0 };
        var y = new float[8];
        y[6] = y[7] = 42f;
        Gemm.Forward(x, PackedLinear.Pack(w, b, 3, 2), y, 2);
        Assert.Equal(new float[] { 1.5f, 1.5f, 3f, 3.5f, 3.5f, 7f, 42f, 42f }, y);
    }

    [Fact]
    public void ZeroRowsIsANoOp()
    {
        PackedLinear packed = PackedLinear.Pack(new float[6], new float[3], 3, 2);
        Gemm.Forward(ReadOnlySpan<float>.Empty, packed, Span<float>.Empty, 0);
        using var pool = new ComputePool(2);
        Gemm.Forward(ReadOnlySpan<float>.Empty, packed, Span<float>.Empty, 0, pool);
    }

    [Fact]
    public void WrongShapesThrow()
    {
        Assert.Throws<ArgumentException>(() => PackedLinear.Pack(new float[5], new float[3], 3, 2));
        Assert.Throws<ArgumentException>(() => PackedLinear.Pack(new float[6], new float[2], 3, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => PackedLinear.Pack(new float[0], new float[0], 0, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => PackedLinear.Pack(new float[0], new float[0], 3, 0));
        Assert.Throws<ArgumentException>(() => PackedLinear.PackConcatenated(2));
        Assert.Throws<ArgumentException>(() => PackedLinear.PackConcatenated(2, (new float[4], new float[2], 2), (new float[3], new float[2], 2)));

        PackedLinear packed = PackedLinear.Pack(new float[6], new float[3], 3, 2);
        Assert.Throws<ArgumentException>(() => Gemm.Forward(new float[3], packed, new float[6], 2));
        Assert.Throws<ArgumentException>(() => Gemm.Forward(new float[4], packed, new float[5], 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Forward(new float[4], packed, new float[6], -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Forward(new float[4], packed, new float[6], 2, GemmEpilogue.None, 2, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Forward(new float[4], packed, new float[6], 2, GemmEpilogue.None, 0, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Forward(new float[4], packed, new float[6], 2, GemmEpilogue.None, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Forward(new float[4], packed, new float[6], 2, (GemmEpilogue)99));
        Assert.Throws<ArgumentNullException>(() => Gemm.Forward(new float[4], null!, new float[6], 2));
    }

    [Fact]
    public void ReportsTheKernelAutoPicks()
    {
        _output.WriteLine($"Auto kernel: {Gemm.AutoKernel}");
        foreach (var (kind, fused) in NativeKernels()) _output.WriteLine($"  runs natively: {kind}, multiply-add fused: {fused}");
        GemmKernelKind expected = Vector512.IsHardwareAccelerated ? GemmKernelKind.Vector512
            : Vector256.IsHardwareAccelerated ? GemmKernelKind.Vector256
            : Vector128.IsHardwareAccelerated ? (System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.IsSupported ? GemmKernelKind.Vector128Tall : GemmKernelKind.Vector128)
            : GemmKernelKind.Scalar;
        Assert.Equal(expected, Gemm.AutoKernel);
        // Where the CPU has FMA the wide kernels must use it (and never the software fallback: MultiplyAddEstimate).
        if (System.Runtime.Intrinsics.X86.Fma.IsSupported && Vector256.IsHardwareAccelerated) Assert.True(Fused256());
    }

    private static void CheckAgainstFloat64(float[] x, float[] w, float[] b, float[] y, int rows, int inFeatures, int outFeatures, string what)
    {
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < outFeatures; o++)
            {
                double exact = b[o], magnitude = Math.Abs(b[o]);
                for (int k = 0; k < inFeatures; k++)
                {
                    double term = (double)x[r * inFeatures + k] * w[o * inFeatures + k];
                    exact += term;
                    magnitude += Math.Abs(term);
                }
                float got = y[r * outFeatures + o];
                Assert.True(Math.Abs(got - exact) <= RelativeTolerance * magnitude, $"{what} [{r}, {o}]: {got:R}, float64 {exact:R}.");
            }
    }

    internal static void AssertBitEqual(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (!KernelTestData.SameOrBothNaN(expected[i], actual[i]))
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R}.");
    }
}
