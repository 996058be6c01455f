using System;
using System.Linq;
using AlbertAot.Runtime;
using AlbertAot.Tests.Fixtures;
using Xunit;

namespace AlbertAot.Tests.Model;

/// <summary>
/// AlbertInputs.SkipPadding: a right-padded batch runs as its rows packed one after another. At real positions every
/// output is the row run alone, bit for bit (the GEMMs, LayerNorms and embeddings are per row, the attention per
/// sequence); at padding positions it is 0; against the padded batch it differs only by the float rounding of the
/// attention's softmax sum over the padding's zeros (within 1e-5).
/// </summary>
public class SkipPaddingTests
{
    // Lengths 6, 4 and 1 in a batch padded to 7: a row with one padding position, one with three, one with six.
    private static readonly long[][] Ids = [[2L, 10, 11, 12, 13, 14, 3], [2L, 20, 21, 3, 0, 0, 0], [2L, 0, 0, 0, 0, 0, 0]];
    private static readonly long[][] Types = [[0L, 0, 0, 1, 1, 1, 1], [0L, 0, 1, 1, 0, 0, 0], [0L, 0, 0, 0, 0, 0, 0]];
    private static readonly int[] Lengths = [7, 4, 1];
    private const int Seq = 7;

    private static long[][] Mask() => Lengths.Select(n => Enumerable.Range(0, Seq).Select(t => t < n ? 1L : 0L).ToArray()).ToArray();

    private static AlbertInputs Padded() => AlbertInputs.FromRows(Ids, Types, Mask());

    private static AlbertInputs Alone(int row) => AlbertInputs.FromRows([Ids[row][..Lengths[row]]], [Types[row][..Lengths[row]]]);

    public static TheoryData<string> Models => new()
    {
        "tiny-v1", "tiny-groups", "tiny-heads-base", "tiny-heads-seq-cls", "tiny-heads-token-cls", "tiny-heads-qa",
        "tiny-heads-multiple-choice", "tiny-v1-bf16", "tiny-v1-int8",
    };

    private static IAlbertModel Create(string name) => name switch
    {
        "tiny-v1-bf16" => new TinyV1BFloat16Model(),
        "tiny-v1-int8" => new TinyV1Int8Model(),
        _ => OutputBuffersTests.Create(name),
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Each_row_is_the_row_run_alone_and_padding_is_zero(string name)
    {
        IAlbertModel model = Create(name);
        AlbertOutputKinds kinds = OutputBuffersTests.AllKinds(model);
        AlbertOutputs[] alone = Enumerable.Range(0, Ids.Length).Select(r => model.Forward(Alone(r), kinds)).ToArray();

        AlbertOutputs skipped = model.Forward(Padded().SkippingPadding(), kinds);
        AssertRowsAlone(skipped, alone);
        using (AlbertSession session = model.CreateSession(threads: 2))
            AssertRowsAlone(session.Forward(Padded().SkippingPadding(), kinds), alone);

        // Against the padded batch, at real positions: the padding's keys only add zeros to the softmax sums.
        AlbertOutputs padded = model.Forward(Padded(), kinds);
        AssertClose(padded.LastHiddenState!, skipped.LastHiddenState!);
        if (padded.MlmLogits is not null) AssertClose(padded.MlmLogits, skipped.MlmLogits!);
        if (padded.PoolerOutput is not null) AssertClose(padded.PoolerOutput, skipped.PoolerOutput!);
    }

    /// <summary>Per-token outputs: row r's real positions are the row alone's, the rest 0; per-row outputs: the row alone's.</summary>
    private static void AssertRowsAlone(AlbertOutputs skipped, AlbertOutputs[] alone)
    {
        for (int r = 0; r < alone.Length; r++)
        {
            PerToken(skipped.LastHiddenState, alone[r].LastHiddenState, r);
            PerToken(skipped.MlmLogits, alone[r].MlmLogits, r);
            PerToken(skipped.StartLogits, alone[r].StartLogits, r);
            PerToken(skipped.EndLogits, alone[r].EndLogits, r);
            PerRow(skipped.PoolerOutput, alone[r].PoolerOutput, r);
            PerRow(skipped.SopLogits, alone[r].SopLogits, r);
            if (skipped.Logits is { Rank: 3 }) PerToken(skipped.Logits, alone[r].Logits, r); // token classification
            else PerRow(skipped.Logits, alone[r].Logits, r);
        }

        static void PerToken(FloatTensor? batch, FloatTensor? single, int r)
        {
            Assert.Equal(batch is null, single is null);
            if (batch is null) return;
            int width = batch.Data.Length / (Ids.Length * Seq); // values per token
            ReadOnlySpan<float> row = batch.Data.AsSpan(r * Seq * width, Seq * width);
            Assert.Equal(single!.Data, row[..(Lengths[r] * width)].ToArray());
            Assert.All(row[(Lengths[r] * width)..].ToArray(), v => Assert.Equal(0f, v));
        }

        static void PerRow(FloatTensor? batch, FloatTensor? single, int r)
        {
            Assert.Equal(batch is null, single is null);
            if (batch is null) return;
            int width = single!.Data.Length;
            Assert.Equal(single.Data, batch.Data.AsSpan(r * width, width).ToArray());
        }
    }

    private static void AssertClose(FloatTensor padded, FloatTensor skipped)
    {
        int width = padded.Data.Length / (padded.Shape[0] * (padded.Rank == 3 ? Seq : 1));
        for (int r = 0; r < Ids.Length; r++)
        {
            int real = padded.Rank == 3 ? Lengths[r] * width : width, stride = padded.Rank == 3 ? Seq * width : width;
            for (int i = 0; i < real; i++)
            {
                float e = padded.Data[r * stride + i], a = skipped.Data[r * stride + i];
                Assert.True(MathF.Abs(e - a) <= 1e-5f * (1 + MathF.Abs(e)), $"row {r}, value {i}: padded {e}, skipped {a}");
            }
        }
    }

    [Fact]
    public void A_long_batch_splits_and_chunks_its_packed_rows_and_keeps_each_row_alone()
    {
        // 251 packed rows: two threads split them by rows (from 64 a thread), one thread cuts them into GEMM row chunks
        // (beyond 128); the attention's sequences are up to 64 keys long (two key blocks).
        var model = new TinyV1Model();
        int[] lengths = [64, 40, 64, 33, 50];
        var random = new Random(5);
        long[][] rows = lengths.Select(n => Enumerable.Range(0, 64).Select(t => t < n ? (long)random.Next(5, 30) : 0L).ToArray()).ToArray();
        long[][] mask = lengths.Select(n => Enumerable.Range(0, 64).Select(t => t < n ? 1L : 0L).ToArray()).ToArray();
        AlbertInputs batch = AlbertInputs.FromRows(rows, attentionMask: mask).SkippingPadding();
        float[][] alone = lengths.Select((n, r) => model.Forward(AlbertInputs.Single(rows[r][..n])).LastHiddenState!.Data).ToArray();
        int hidden = model.Config.HiddenSize;
        foreach (int threads in new[] { 1, 2 })
        {
            using AlbertSession session = model.CreateSession(threads);
            float[] packed = session.Forward(batch).LastHiddenState!.Data;
            for (int r = 0; r < lengths.Length; r++)
                Assert.Equal(alone[r], packed.AsSpan(r * 64 * hidden, lengths[r] * hidden).ToArray());
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_batches_keep_every_row_alone(int seed)
    {
        // Batches of 1-6 rows of 1-64 tokens with random types, through the MLM head: per-token logits at real positions
        // are the row alone's, the rest 0.
        var random = new Random(seed);
        IAlbertModel model = seed == 3 ? new TinyGroupsInt8Model() : new TinyGroupsModel();
        for (int trial = 0; trial < 4; trial++)
        {
            int batch = random.Next(1, 7);
            int[] lengths = Enumerable.Range(0, batch).Select(_ => random.Next(1, 65)).ToArray();
            int seq = lengths.Max();
            long[][] ids = lengths.Select(n => Enumerable.Range(0, seq).Select(t => t < n ? (long)random.Next(0, 30) : 0L).ToArray()).ToArray();
            long[][] types = lengths.Select(n => Enumerable.Range(0, seq).Select(t => t < n ? (long)random.Next(0, 2) : 0L).ToArray()).ToArray();
            long[][] mask = lengths.Select(n => Enumerable.Range(0, seq).Select(t => t < n ? 1L : 0L).ToArray()).ToArray();
            FloatTensor packed = model.Forward(AlbertInputs.FromRows(ids, types, mask).SkippingPadding(), AlbertOutputKinds.MlmLogits).MlmLogits!;
            int vocab = model.Config.VocabSize;
            for (int r = 0; r < batch; r++)
            {
                FloatTensor alone = model.Forward(AlbertInputs.FromRows([ids[r][..lengths[r]]], [types[r][..lengths[r]]]), AlbertOutputKinds.MlmLogits).MlmLogits!;
                ReadOnlySpan<float> row = packed.Data.AsSpan(r * seq * vocab, seq * vocab);
                Assert.Equal(alone.Data, row[..(lengths[r] * vocab)].ToArray());
                Assert.True(row[(lengths[r] * vocab)..].IndexOfAnyExcept(0f) < 0, $"trial {trial}, row {r}: padding not 0");
            }
        }
    }

    [Fact]
    public void Caller_buffers_get_the_same_bits_as_the_allocating_forward()
    {
        IAlbertModel model = new TinyHeadsTokenClsModel();
        AlbertInputs inputs = Padded().SkippingPadding();
        AlbertOutputKinds kinds = OutputBuffersTests.AllKinds(model);
        AlbertOutputs expected = model.Forward(inputs, kinds);
        AlbertOutputBuffers buffers = AlbertOutputBuffers.Allocate(model, inputs, kinds);
        buffers.LastHiddenState.Span.Fill(7f); // stale values in the padding must be overwritten with 0
        buffers.Logits.Span.Fill(7f);
        model.Forward(inputs, buffers);
        Assert.Equal(expected.LastHiddenState!.Data, buffers.LastHiddenState.ToArray());
        Assert.Equal(expected.Logits!.Data, buffers.Logits.ToArray());
    }

    [Fact]
    public void MlmLogitsAt_reads_real_positions_and_refuses_padding()
    {
        var model = new TinyV1Model();
        AlbertInputs inputs = Padded().SkippingPadding();
        FloatTensor at = model.MlmLogitsAt(inputs, [(0, 6), (1, 2), (2, 0)]);
        Assert.Equal(model.MlmLogitsAt(Alone(0), [(0, 6)]).Data, at.Row(0).ToArray());
        Assert.Equal(model.MlmLogitsAt(Alone(1), [(0, 2)]).Data, at.Row(1).ToArray());
        Assert.Equal(model.MlmLogitsAt(Alone(2), [(0, 0)]).Data, at.Row(2).ToArray());

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.MlmLogitsAt(inputs, [(0, 1), (1, 4)]));
        Assert.Contains("positions[1]: (batch 1, token 4) is padding (attention_mask 0)", e.Message);

        // Refused before the encoder runs: a fresh session's run state has never laid out a row.
        using AlbertSession session = model.CreateSession();
        Assert.Throws<ArgumentOutOfRangeException>(() => session.MlmLogitsAt(inputs, [(2, 5)]));
        Assert.Equal(0, session.State.Rows);
        session.MlmLogitsAt(inputs, [(2, 0)]);
        Assert.NotEqual(0, session.State.Rows);
    }

    [Fact]
    public void Without_a_mask_nothing_changes()
    {
        var model = new TinyGroupsModel();
        AlbertInputs full = AlbertInputs.FromRows([[2L, 10, 11, 3], [2L, 20, 21, 3]]);
        Assert.Equal(model.Forward(full).LastHiddenState!.Data, model.Forward(full.SkippingPadding()).LastHiddenState!.Data);
        Assert.True(full.SkippingPadding().SkipPadding);
        Assert.False(full.SkipPadding);
    }

    [Fact]
    public void Multiple_choice_inputs_keep_their_choices()
    {
        var model = new TinyHeadsMultipleChoiceModel();
        long[] ids = [2, 10, 11, 3, 0, 2, 20, 3, 0, 0], mask = [1, 1, 1, 1, 0, 1, 1, 1, 0, 0];
        AlbertInputs choices = AlbertInputs.FromChoices(1, 2, 5, ids, attentionMask: mask);
        FloatTensor padded = model.Forward(choices, AlbertOutputKinds.Logits).Logits!;
        FloatTensor skipped = model.Forward(choices.SkippingPadding(), AlbertOutputKinds.Logits).Logits!;
        Assert.Equal(padded.Shape, skipped.Shape);
        for (int i = 0; i < padded.Data.Length; i++) Assert.Equal(padded.Data[i], skipped.Data[i], 1e-5f);
    }

    [Fact]
    public void Rows_that_are_not_right_padded_are_refused()
    {
        var model = new TinyV1Model();
        AlbertInputs leftPadded = AlbertInputs.FromRows([[2L, 10, 3], [0L, 2, 3]], attentionMask: [[1L, 1, 1], [0L, 1, 1]]);
        var e = Assert.Throws<ArgumentException>(() => model.Forward(leftPadded.SkippingPadding()));
        Assert.Contains("attention_mask row 1 has a 1 at position 1 after a 0 at 0", e.Message);
        Assert.Contains("right padding", e.Message);

        AlbertInputs empty = AlbertInputs.FromRows([[2L, 10, 3], [0L, 0, 0]], attentionMask: [[1L, 1, 1], [0L, 0, 0]]);
        e = Assert.Throws<ArgumentException>(() => model.Forward(empty.SkippingPadding()));
        Assert.Contains("attention_mask row 1 has no 1", e.Message);

        // The padded forward still takes both, as HF does.
        Assert.NotNull(model.Forward(leftPadded).LastHiddenState);
        Assert.NotNull(model.Forward(empty).LastHiddenState);
    }
}
