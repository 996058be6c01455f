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
    [InlineData(2, 19, 2, 16, 2)]    // head size 16: one AVX2 chunk of V
    [InlineData(1, 45, 2, 48, 0)]    // head size 48: three AVX2 chunks of V
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

    [Theory]
    [InlineData(8)]   // tiny fixtures' head size
    [InlineData(64)]  // albert-base heads
    [InlineData(12)]  // Vector128 or scalar
    public void Packed_sequences_each_equal_a_batch_of_one(int headSize)
    {
        // Lengths across the key blocks (1, 16, 32, 33 keys), one after another with no padding.
        int[] lengths = [5, 1, 33, 16, 32, 9];
        int[] starts = new int[lengths.Length + 1];
        for (int i = 0; i < lengths.Length; i++) starts[i + 1] = starts[i] + lengths[i];
        const int heads = 3;
        int hidden = heads * headSize, rows = starts[^1], longest = 33;
        var random = new Random(headSize);
        float[] qkv = KernelTestData.Normal(random, rows * 3 * hidden, 0.5f);
        float[] packed = new float[rows * hidden];
        FusedAttention.Forward(qkv, new float[rows], packed, new float[FusedAttention.ScratchPerThread(longest, headSize)], starts, lengths.Length,
            heads, headSize, null);

        for (int i = 0; i < lengths.Length; i++)
        {
            int n = lengths[i];
            float[] alone = new float[n * hidden];
            FusedAttention.Forward(qkv.AsSpan(starts[i] * 3 * hidden, n * 3 * hidden).ToArray(), new float[n], alone,
                new float[FusedAttention.ScratchPerThread(n, headSize)], 1, n, heads, headSize, null);
            Assert.Equal(alone, packed.AsSpan(starts[i] * hidden, n * hidden).ToArray());
        }

        // Two threads split the (sequence, head) pairs: the same bits.
        using var pool = new ComputePool(2);
        float[] parallel = new float[rows * hidden];
        FusedAttention.Forward(qkv, new float[rows], parallel, new float[2 * FusedAttention.ScratchPerThread(longest, headSize)], starts,
            lengths.Length, heads, headSize, pool);
        Assert.Equal(packed, parallel);
    }

    [Fact]
    public void Packed_sequences_refuse_bad_starts()
    {
        var buffers = (Qkv: new float[10 * 3 * 16], Mask: new float[10], Context: new float[10 * 16], Scratch: new float[FusedAttention.ScratchPerThread(10, 16)]);
        void Run(int[] starts, int sequences) =>
            FusedAttention.Forward(buffers.Qkv, buffers.Mask, buffers.Context, buffers.Scratch, starts, sequences, 1, 16, null);
        Assert.Contains("Sequence 1 spans rows [4, 4)", Assert.Throws<ArgumentException>(() => Run([0, 4, 4, 10], 3)).Message);
        Assert.Contains("3 + 1 row offsets", Assert.Throws<ArgumentException>(() => Run([0, 4, 10], 3)).Message);
        Assert.Contains("from 0", Assert.Throws<ArgumentException>(() => Run([1, 4, 10], 2)).Message);
        Assert.Contains("too small", Assert.Throws<ArgumentException>(() => Run([0, 4, 11], 2)).Message);
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
