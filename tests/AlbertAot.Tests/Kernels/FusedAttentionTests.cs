using System;
using AlbertAot.Kernels;
using AlbertAot.Runtime;
using Xunit;

namespace AlbertAot.Tests.Kernels;

/// <summary>The register-blocked attention over fused Q/K/V against the plain per-row kernel (Attention.Forward).</summary>
public class FusedAttentionTests
{
    [Theory]
    [InlineData(1, 1, 4, 8, 0)]
    [InlineData(2, 3, 4, 8, 1)]      // tiny fixtures' head size 8 (Vector256 on AVX-512 machines)
    [InlineData(2, 5, 6, 8, 2)]
    [InlineData(1, 16, 12, 64, 0)]   // albert-base heads
    [InlineData(2, 17, 2, 64, 3)]
    [InlineData(2, 33, 3, 12, 1)]    // head size 12: Vector128 or scalar
    [InlineData(1, 7, 2, 6, 0)]      // head size 6: scalar
    [InlineData(1, 130, 2, 128, 2)]  // xlarge-v1 heads, a long row
    [InlineData(2, 37, 2, 24, 1)]    // head size 24: AVX2's 16-wide context block, then one vector; a partial key block
    public void Matches_the_plain_attention(int batch, int seq, int heads, int headSize, int paddedTail)
    {
        var random = new Random(batch * 1000 + seq * 10 + headSize);
        int hidden = heads * headSize, rows = batch * seq;
        float[] q = KernelTestData.Normal(random, rows * hidden, 0.5f), k = KernelTestData.Normal(random, rows * hidden, 0.5f),
            v = KernelTestData.Normal(random, rows * hidden);
        float[] qkv = new float[rows * 3 * hidden];
        for (int r = 0; r < rows; r++)
        {
            q.AsSpan(r * hidden, hidden).CopyTo(qkv.AsSpan(r * 3 * hidden));
            k.AsSpan(r * hidden, hidden).CopyTo(qkv.AsSpan(r * 3 * hidden + hidden));
            v.AsSpan(r * hidden, hidden).CopyTo(qkv.AsSpan(r * 3 * hidden + 2 * hidden));
        }
        float[] mask = new float[rows];
        for (int b = 0; b < batch; b++)
            for (int s = Math.Max(1, seq - paddedTail * b); s < seq; s++) mask[b * seq + s] = float.MinValue;

        float[] expected = new float[rows * hidden];
        Attention.Forward(q, k, v, mask, expected, new float[seq], batch, seq, heads, headSize);

        float[] actual = new float[rows * hidden];
        FusedAttention.Forward(qkv, mask, actual, new float[FusedAttention.ScratchPerThread(seq, headSize)], batch, seq, heads, headSize, pool: null);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= 2e-5f * (1 + MathF.Abs(expected[i])),
                $"element {i}: plain {expected[i]}, fused {actual[i]}");

        // Two threads split the (batch row, head) pairs: bit-identical to one.
        using var pool = new ComputePool(2);
        float[] parallel = new float[rows * hidden];
        FusedAttention.Forward(qkv, mask, parallel, new float[2 * FusedAttention.ScratchPerThread(seq, headSize)], batch, seq, heads, headSize, pool);
        Assert.Equal(actual, parallel);
    }

    [Fact]
    public void A_fully_masked_row_attends_uniformly()
    {
        const int seq = 5, heads = 2, headSize = 16, hidden = heads * headSize;
        var random = new Random(3);
        float[] qkv = KernelTestData.Normal(random, seq * 3 * hidden);
        float[] mask = new float[seq];
        Array.Fill(mask, float.MinValue);
        float[] context = new float[seq * hidden];
        FusedAttention.Forward(qkv, mask, context, new float[FusedAttention.ScratchPerThread(seq, headSize)], 1, seq, heads, headSize, null);
        for (int c = 0; c < hidden; c++)
        {
            float mean = 0;
            for (int j = 0; j < seq; j++) mean += qkv[j * 3 * hidden + 2 * hidden + c] / seq;
            Assert.Equal(mean, context[c], 1e-5f);
        }
    }

    [Fact]
    public void Buffers_that_are_too_small_are_refused()
    {
        Assert.Throws<ArgumentException>(() => FusedAttention.Forward(new float[10], new float[2], new float[10], new float[1], 1, 2, 1, 8, null));
    }
}
