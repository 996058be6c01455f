using System;
using AlbertAot.Kernels;
using AlbertAot.Runtime;
using AlbertAot.Weights;
using Xunit;
using Xunit.Abstractions;
using static AlbertAot.Tests.Kernels.NarrowGemmTestData;

namespace AlbertAot.Tests.Kernels;

/// <summary>
/// Gemm over Int8 panels. The integer sums are exact, so every kernel (AVX-VNNI, ARM64 sdot, the widening fallbacks,
/// scalar) must give exactly the bits of the formula computed here (<see cref="NarrowGemmTestData.Int8Reference"/>), on
/// any thread count and column range; and the formula must agree with float64 math over the dequantized activations
/// and weights (to 1e-6 of Σ|x̂·ŵ| + |b|: the float rounding of the integer sum, of the scale product, of the
/// multiply and of the add), and with the float32 product of the unquantized values within the quantization bound.
/// </summary>
public class Int8GemmTests(ITestOutputHelper output)
{
    public static TheoryData<int, int, int> Shapes() => NarrowGemmTestData.Shapes();

    [Theory]
    [MemberData(nameof(Shapes))]
    public void EveryKernelGivesTheBitsOfTheDequantizationFormula(int rows, int inFeatures, int outFeatures)
    {
        var (x, w, b) = GemmTests.Data(rows, inFeatures, outFeatures, seed: 31);
        var (q, scales) = Int8Weights(w, outFeatures, inFeatures);
        PackedLinear packed = Int8Linear(q, scales, b, outFeatures, inFeatures);
        Assert.Equal(PanelFormat.Int8, packed.Format);
        float[] expected = Int8Reference(x, q, scales, b, rows, inFeatures, outFeatures);
        CheckAgainstFloat64(x, q, scales, b, expected, rows, inFeatures, outFeatures);
        foreach (GemmKernelKind kind in Int8Kernels())
        {
            var y = new float[rows * outFeatures];
            Gemm.Forward(kind, x, packed, y, rows);
            GemmTests.AssertBitEqual(expected, y, $"{kind} [{rows}, {inFeatures}] → {outFeatures}");
        }
        var auto = new float[rows * outFeatures];
        Gemm.Forward(x, packed, auto, rows);
        GemmTests.AssertBitEqual(expected, auto, "Auto");
    }

    /// <summary>Float64 over x̂ = q_a·scale_a and ŵ = q_w·scale_w, to 1e-6 of Σ|x̂·ŵ| + |b|.</summary>
    private static void CheckAgainstFloat64(float[] x, sbyte[] q, float[] scales, float[] b, float[] y, int rows, int inFeatures, int outFeatures)
    {
        for (int r = 0; r < rows; r++)
        {
            var (qa, sa) = QuantizeRow(x.AsSpan(r * inFeatures, inFeatures));
            for (int o = 0; o < outFeatures; o++)
            {
                double sum = b[o], magnitude = Math.Abs(b[o]);
                for (int k = 0; k < inFeatures; k++)
                {
                    double term = (double)qa![k] * sa * ((double)q[o * inFeatures + k] * scales[o]);
                    sum += term;
                    magnitude += Math.Abs(term);
                }
                double error = Math.Abs(y[r * outFeatures + o] - sum);
                Assert.True(error <= 1e-6 * magnitude, $"[{r}, {o}]: {y[r * outFeatures + o]:R} vs float64 {sum:R} (magnitude {magnitude:R}).");
            }
        }
    }

    [Fact]
    public void AgreesWithTheUnquantizedProductWithinTheQuantizationBound()
    {
        // |x − x̂| ≤ scale_a/2, |w − ŵ| ≤ scale_w/2 per value, so |Σ x·w − Σ x̂·ŵ| ≤ Σ_k (|x|·scale_w + |ŵ|·scale_a)/2.
        const int rows = 8, inFeatures = 768, outFeatures = 768;
        var (x, w, b) = GemmTests.Data(rows, inFeatures, outFeatures, seed: 32);
        var (q, scales) = Int8Weights(w, outFeatures, inFeatures);
        var y = new float[rows * outFeatures];
        Gemm.Forward(x, Int8Linear(q, scales, b, outFeatures, inFeatures), y, rows);
        double worst = 0, worstRelative = 0;
        for (int r = 0; r < rows; r++)
        {
            float sa = QuantizeRow(x.AsSpan(r * inFeatures, inFeatures)).Scale;
            for (int o = 0; o < outFeatures; o++)
            {
                double exact = b[o], bound = 0, magnitude = Math.Abs(b[o]);
                for (int k = 0; k < inFeatures; k++)
                {
                    double xv = x[r * inFeatures + k], wv = w[o * inFeatures + k];
                    exact += xv * wv;
                    magnitude += Math.Abs(xv * wv);
                    bound += (Math.Abs(xv) * scales[o] + Math.Abs((double)q[o * inFeatures + k] * scales[o]) * sa) / 2;
                }
                double error = Math.Abs(y[r * outFeatures + o] - exact);
                Assert.True(error <= bound + 1e-6 * magnitude, $"[{r}, {o}]: error {error:E2} over the bound {bound:E2}.");
                worst = Math.Max(worst, error / bound);
                worstRelative = Math.Max(worstRelative, error / magnitude);
            }
        }
        output.WriteLine($"Largest error {worst:P1} of the quantization bound, {worstRelative:E2} of Σ|x·w| + |b|.");
    }

    [Theory]
    [InlineData(8, 768, 2304)]
    [InlineData(11, 51, 113)]
    [InlineData(3, 7, 17)]
    [InlineData(20, 130, 100)]
    [InlineData(130, 70, 100)] // enough rows that two threads split rows, not columns (at 64 rows a thread, 64 + 66)
    public void EpiloguesColumnRangesAndTwoThreadsAreBitIdenticalOnEveryKernel(int rows, int inFeatures, int outFeatures)
    {
        var (x, w, b) = GemmTests.Data(rows, inFeatures, outFeatures, seed: 33);
        for (int i = 0; i < x.Length; i++) x[i] *= 8f;
        var (q, scales) = Int8Weights(w, outFeatures, inFeatures);
        PackedLinear packed = Int8Linear(q, scales, b, outFeatures, inFeatures);
        float[] plain = Int8Reference(x, q, scales, b, rows, inFeatures, outFeatures);
        using var pool = new ComputePool(2);
        foreach (GemmEpilogue epilogue in Enum.GetValues<GemmEpilogue>())
        {
            // The activated result of the first kernel is the reference for the others (the epilogue itself is the
            // FP32 GEMM's, tested in GemmTests); with None it must be the formula's bits.
            float[]? activated = null;
            foreach (GemmKernelKind kind in Int8Kernels())
            {
                var single = new float[rows * outFeatures];
                Gemm.Forward(kind, x, packed, single, rows, null, epilogue);
                if (epilogue == GemmEpilogue.None) GemmTests.AssertBitEqual(plain, single, $"{kind}");
                else CheckActivated(plain, single, epilogue, $"{kind} {epilogue}");
                activated ??= single;
                GemmTests.AssertBitEqual(activated, single, $"{kind} {epilogue} against {Int8Kernels()[0]}");
                var threaded = new float[rows * outFeatures];
                Gemm.Forward(kind, x, packed, threaded, rows, pool, epilogue);
                GemmTests.AssertBitEqual(single, threaded, $"{kind} {epilogue}, 2 threads");
                foreach (var (start, end) in new[] { (0, 1), (5, outFeatures - 3), (outFeatures / 2, outFeatures), (0, Math.Min(48, outFeatures)), (47, Math.Min(97, outFeatures)) })
                {
                    if (end < start) continue;
                    var y = new float[rows * outFeatures];
                    Array.Fill(y, float.NaN);
                    Gemm.Forward(kind, x, packed, y, rows, pool, epilogue, start, end);
                    for (int r = 0; r < rows; r++)
                        for (int o = 0; o < outFeatures; o++)
                        {
                            float got = y[r * outFeatures + o];
                            if (o >= start && o < end) Assert.True(got.Equals(single[r * outFeatures + o]), $"{kind} {epilogue} [{start}, {end}) [{r}, {o}]");
                            else Assert.True(float.IsNaN(got), $"[{start}, {end}) wrote column {o}");
                        }
                }
            }
        }
    }

    /// <summary>The activation over the un-activated formula, in float64, to a few 1e-6 (the kernels' own accuracy).</summary>
    private static void CheckActivated(float[] plain, float[] actual, GemmEpilogue epilogue, string what)
    {
        for (int i = 0; i < plain.Length; i++)
        {
            double v = plain[i];
            double expected = epilogue switch
            {
                GemmEpilogue.Gelu => 0.5 * v * KernelTestData.Erfc(-v / Math.Sqrt(2)),
                GemmEpilogue.GeluTanh => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))),
                GemmEpilogue.Relu => Math.Max(v, 0),
                GemmEpilogue.Silu => v / (1 + Math.Exp(-v)),
                GemmEpilogue.Tanh => Math.Tanh(v),
                _ => v,
            };
            Assert.True(Math.Abs(actual[i] - expected) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"{what}: element {i} is {actual[i]:R}, expected {expected:R}.");
        }
    }

    [Fact]
    public void ZeroNaNAndInfiniteRows()
    {
        const int rows = 6, inFeatures = 50, outFeatures = 113;
        var (x, w, b) = GemmTests.Data(rows, inFeatures, outFeatures, seed: 34);
        Array.Clear(x, 1 * inFeatures, inFeatures);     // row 1: all zeros → exactly the bias
        x[2 * inFeatures + 7] = float.NaN;              // row 2: a NaN → NaN everywhere in that row
        x[3 * inFeatures + 49] = float.PositiveInfinity; // row 3: an infinity → NaN
        x[4 * inFeatures] = float.NegativeInfinity;     // row 4
        var (q, scales) = Int8Weights(w, outFeatures, inFeatures);
        PackedLinear packed = Int8Linear(q, scales, b, outFeatures, inFeatures);
        float[] expected = Int8Reference(x, q, scales, b, rows, inFeatures, outFeatures);
        using var pool = new ComputePool(2);
        foreach (GemmKernelKind kind in Int8Kernels())
            foreach (ComputePool? p in new[] { null, pool })
            {
                var y = new float[rows * outFeatures];
                Gemm.Forward(kind, x, packed, y, rows, p, GemmEpilogue.Gelu);
                var plain = new float[rows * outFeatures];
                Gemm.Forward(kind, x, packed, plain, rows, p);
                GemmTests.AssertBitEqual(expected, plain, $"{kind}");
                for (int o = 0; o < outFeatures; o++)
                {
                    Assert.Equal(b[o], plain[1 * outFeatures + o]);
                    foreach (int r in new[] { 2, 3, 4 })
                    {
                        Assert.True(float.IsNaN(plain[r * outFeatures + o]), $"{kind}: row {r} column {o} is {plain[r * outFeatures + o]}");
                        Assert.True(float.IsNaN(y[r * outFeatures + o]), $"{kind} Gelu: row {r} column {o} is {y[r * outFeatures + o]}");
                    }
                    Assert.False(float.IsNaN(plain[0 * outFeatures + o]));
                    Assert.False(float.IsNaN(plain[5 * outFeatures + o]));
                }
            }
    }

    [Fact]
    public void QuantizerRoundsHalfToEvenAndOffsetsForVnni()
    {
        // max = 127 → 127/max = 1: q = round_half_to_even(x).
        float[] x = { 127f, 2.5f, 3.5f, -2.5f, -0.5f, 0.5f, 1.5f, -127f, 126.5f, 0f, -3.5f, 64.49f, 1e-3f, -1e-3f, 100.5f, 101.5f, 7f };
        int[] expected = { 127, 2, 4, -2, 0, 0, 2, -127, 126, 0, -4, 64, 0, 0, 100, 102, 7 };
        var row = new float[64]; // 4 rows: the vector paths (32 / 16) and the tails
        for (int copy = 0; copy < 3; copy++) x.CopyTo(row, copy * x.Length);
        int k = 3 * x.Length;
        unsafe
        {
            int padded = (k + 3) & ~3;
            var q = new byte[padded];
            var u = new byte[padded];
            float scale, scaleU;
            fixed (float* px = row)
            fixed (byte* pq = q, pu = u)
            {
                RowQuantizer.Quantize(px, k, 1, k, pq, padded, &scale, unsigned: false);
                RowQuantizer.Quantize(px, k, 1, k, pu, padded, &scaleU, unsigned: true);
            }
            Assert.Equal(1f, scale);
            Assert.Equal(1f, scaleU);
            for (int i = 0; i < k; i++)
            {
                Assert.Equal(expected[i % x.Length], (sbyte)q[i]);
                Assert.Equal(expected[i % x.Length] + 128, u[i]);
            }
            for (int i = k; i < padded; i++)
            {
                Assert.Equal(0, q[i]);
                Assert.Equal(128, u[i]);
            }
        }
    }

    [Fact]
    public void SubnormalRowsAreQuantizedLikeTheFormula()
    {
        const int rows = 2, inFeatures = 40, outFeatures = 5;
        var (x, w, b) = GemmTests.Data(rows, inFeatures, outFeatures, seed: 35);
        for (int i = 0; i < inFeatures; i++) x[i] *= 1e-40f; // max ≈ 3e-40: 127 / max overflows
        var (q, scales) = Int8Weights(w, outFeatures, inFeatures);
        PackedLinear packed = Int8Linear(q, scales, b, outFeatures, inFeatures);
        foreach (GemmKernelKind kind in Int8Kernels())
        {
            var y = new float[rows * outFeatures];
            Gemm.Forward(kind, x, packed, y, rows);
            for (int i = 0; i < y.Length; i++) Assert.True(float.IsFinite(y[i]), $"{kind}: {y[i]}");
            for (int o = 0; o < outFeatures; o++) Assert.True(Math.Abs(y[o] - b[o]) < 1e-30, $"{kind}: {y[o]} vs bias {b[o]}");
        }
    }

    [Fact]
    public void PacksAtFirstUseWithScalesSumsAndTheNarrowFootprint()
    {
        const int outFeatures = 50, inFeatures = 7;
        var (_, w, b) = GemmTests.Data(1, inFeatures, outFeatures);
        var (q, scales) = Int8Weights(w, outFeatures, inFeatures);
        PackedLinear packed = Int8Linear(q, scales, b, outFeatures, inFeatures);
        Assert.Equal(PanelFormat.Int8, packed.Format);
        Assert.False(packed.IsPacked);
        Assert.Equal(2L * 48 * (2 + 3) * sizeof(float), packed.PackedBytes);
        Assert.Equal(packed.PackedBytes, PackedLinear.PackedBytesFor(outFeatures, inFeatures, PanelFormat.Int8));
        for (int o = 0; o < outFeatures; o++)
            for (int k = 0; k < inFeatures; k++) Assert.Equal(q[o * inFeatures + k] * scales[o], packed.WeightAt(o, k));
        packed.EnsurePacked();
        Assert.True(packed.IsPacked);
        for (int o = 0; o < outFeatures; o++)
        {
            Assert.Equal(b[o], packed.BiasAt(o));
            for (int k = 0; k < inFeatures; k++) Assert.Equal(q[o * inFeatures + k] * scales[o], packed.WeightAt(o, k));
        }
        // The albert-base shared layer: 7 MB in INT8 (plus scales, sums and biases), 14 MB in BF16, 28 MB in FP32.
        long Layer(PanelFormat f) => PackedLinear.PackedBytesFor(2304, 768, f) + PackedLinear.PackedBytesFor(768, 768, f)
            + PackedLinear.PackedBytesFor(3072, 768, f) + PackedLinear.PackedBytesFor(768, 3072, f);
        output.WriteLine($"albert-base layer: FP32 {Layer(PanelFormat.Float32):N0}, BF16 {Layer(PanelFormat.BFloat16):N0}, INT8 {Layer(PanelFormat.Int8):N0} bytes");
        Assert.True(Layer(PanelFormat.Int8) < Layer(PanelFormat.Float32) / 4 + 100_000);
    }

    [Fact]
    public void RefusesWhatItCannotSumExactly()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            PackedLinear.FromWeights(WeightTensor.FromInt8("w", new sbyte[PackedLinear.MaxInt8InFeatures + 1], new float[1]), null, 1, PackedLinear.MaxInt8InFeatures + 1));
        WeightTensor i8 = WeightTensor.FromInt8("w", new sbyte[6], new float[3]);
        Assert.Throws<ArgumentException>(() => PackedLinear.FromWeights(2, (i8, null, 3), (WeightTensor.FromBFloat16("b", new ushort[6]), null, 3)));
        PackedLinear packed = PackedLinear.FromWeights(i8, null, 3, 2);
        var y = new float[3];
        Gemm.Forward(new float[] { 1, 2 }, packed, y, 1);
        Assert.Equal(new float[3], y);
    }

    [Fact]
    public void ZeroRowsIsANoOp()
    {
        PackedLinear packed = Int8Linear(new sbyte[6], new float[3], new float[3], 3, 2);
        Gemm.Forward(ReadOnlySpan<float>.Empty, packed, Span<float>.Empty, 0);
        using var pool = new ComputePool(2);
        Gemm.Forward(ReadOnlySpan<float>.Empty, packed, Span<float>.Empty, 0, pool);
    }

    [Fact]
    public void SteadyStateCallsAllocateNothingOnTheCallingThread()
    {
        const int rows = 16, inFeatures = 768, outFeatures = 768;
        var (x, w, b) = GemmTests.Data(rows, inFeatures, outFeatures, seed: 36);
        var (q, scales) = Int8Weights(w, outFeatures, inFeatures);
        var (narrow, _) = BFloat16Weights(w);
        PackedLinear int8 = Int8Linear(q, scales, b, outFeatures, inFeatures);
        PackedLinear bf16 = BFloat16Linear(narrow, b, outFeatures, inFeatures);
        var y = new float[rows * outFeatures];
        using var pool = new ComputePool(2);
        for (int i = 0; i < 5; i++)
        {
            Gemm.Forward(x, int8, y, rows, pool, GemmEpilogue.Gelu);
            Gemm.Forward(x, bf16, y, rows, pool, GemmEpilogue.Gelu);
            Gemm.Forward(x, int8, y, rows - 3);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            Gemm.Forward(x, int8, y, rows, pool, GemmEpilogue.Gelu);
            Gemm.Forward(x, bf16, y, rows, pool, GemmEpilogue.Gelu);
            Gemm.Forward(x, int8, y, rows - 3);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
