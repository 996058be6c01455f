using System;
using AlbertAot.Kernels;
using Xunit;

namespace AlbertAot.Tests.Kernels;

/// <summary>
/// Attention.Forward against a plain float64 implementation (softmax(Q·Kᵀ/√d + mask)·V per batch row and head),
/// batch 2, several heads, HF's additive padding mask (float.MinValue where attention_mask is 0).
/// Tolerance per context value: 2e-5·Σⱼ pⱼ·|vⱼ| + 1e-6.
/// </summary>
public class AttentionTests
{
    public static TheoryData<int, int, int> Shapes() => new()
    {
        { 1, 2, 8 },
        { 3, 1, 1 },
        { 5, 3, 16 },
        { 7, 4, 17 },
        { 8, 2, 64 },
        { 9, 2, 3 },
        { 16, 1, 100 },
        { 17, 3, 33 },
        { 6, 12, 64 }, // albert-base: 12 heads of 64
    };

    /// <summary>Which keys of batch row 1 are padding: none, the last two, or all of them.</summary>
    public enum Padding { None, Tail, All }

    public static TheoryData<int, int, int, Padding> Cases()
    {
        var data = new TheoryData<int, int, int, Padding>();
        foreach (var row in Shapes())
            foreach (Padding padding in Enum.GetValues<Padding>())
                data.Add((int)row[0], (int)row[1], (int)row[2], padding);
        return data;
    }

    private static void ReferenceForward(float[] q, float[] k, float[] v, float[] mask, double[] context, double[] tolerance,
        int batch, int seq, int heads, int headSize)
    {
        int hidden = heads * headSize;
        double scale = 1.0 / Math.Sqrt(headSize);
        var p = new double[seq];
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < seq; i++)
                {
                    double max = double.NegativeInfinity;
                    for (int j = 0; j < seq; j++)
                    {
                        double score = 0;
                        for (int d = 0; d < headSize; d++)
                            score += (double)q[(b * seq + i) * hidden + h * headSize + d] * k[(b * seq + j) * hidden + h * headSize + d];
                        p[j] = score * scale + mask[b * seq + j];
                        max = Math.Max(max, p[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < seq; j++) sum += p[j] = Math.Exp(p[j] - max);
                    for (int d = 0; d < headSize; d++)
                    {
                        double c = 0, magnitude = 0;
                        for (int j = 0; j < seq; j++)
                        {
                            double value = v[(b * seq + j) * hidden + h * headSize + d];
                            c += p[j] / sum * value;
                            magnitude += p[j] / sum * Math.Abs(value);
                        }
                        context[(b * seq + i) * hidden + h * headSize + d] = c;
                        tolerance[(b * seq + i) * hidden + h * headSize + d] = 2e-5 * magnitude + 1e-6;
                    }
                }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardMatchesFloat64(int seq, int heads, int headSize, Padding padding)
    {
        const int batch = 2;
        int hidden = heads * headSize;
        var random = new Random(seq * 1000 + heads * 100 + headSize + 7 * (int)padding);
        float[] q = KernelTestData.Normal(random, batch * seq * hidden, 2f);
        float[] k = KernelTestData.Normal(random, batch * seq * hidden, 1f);
        float[] v = KernelTestData.Normal(random, batch * seq * hidden, 1f, 0.5f);
        var mask = new float[batch * seq];
        for (int j = 0; j < seq; j++)
            mask[seq + j] = padding == Padding.All || (padding == Padding.Tail && j >= seq - 2 && j > 0) ? float.MinValue : 0f;

        var context = new float[batch * seq * hidden];
        var scores = new float[seq + 5]; // scratch may be longer than seq
        Attention.Forward(q, k, v, mask, context, scores, batch, seq, heads, headSize);

        var expected = new double[context.Length];
        var tolerance = new double[context.Length];
        ReferenceForward(q, k, v, mask, expected, tolerance, batch, seq, heads, headSize);
        for (int i = 0; i < context.Length; i++)
            Assert.True(Math.Abs(context[i] - expected[i]) <= tolerance[i],
                $"context[{i / hidden}, {i % hidden}]: got {context[i]:R}, float64 {expected[i]:R}, tolerance {tolerance[i]:E2}.");

        if (padding == Padding.All)
        {
            // Every key masked: HF's defined behaviour is the uniform average of V over the whole row.
            for (int i = 0; i < seq; i++)
                for (int c = 0; c < hidden; c++)
                {
                    double mean = 0;
                    for (int j = 0; j < seq; j++) mean += v[(seq + j) * hidden + c];
                    mean /= seq;
                    Assert.True(Math.Abs(context[(seq + i) * hidden + c] - mean) <= 1e-5 * (1 + Math.Abs(mean)));
                }
        }
    }

    [Fact]
    public void TooSmallBuffersThrow()
    {
        const int batch = 2, seq = 4, heads = 2, headSize = 3, n = batch * seq * heads * headSize;
        Assert.Throws<ArgumentException>(() =>
            Attention.Forward(new float[n], new float[n], new float[n], new float[batch * seq], new float[n], new float[seq - 1], batch, seq, heads, headSize));
        Assert.Throws<ArgumentException>(() =>
            Attention.Forward(new float[n], new float[n - 1], new float[n], new float[batch * seq], new float[n], new float[seq], batch, seq, heads, headSize));
        Assert.Throws<ArgumentException>(() =>
            Attention.Forward(new float[n], new float[n], new float[n], new float[batch * seq - 1], new float[n], new float[seq], batch, seq, heads, headSize));
    }
}
