using System;
using System.Linq;
using AlbertAot.Tests.Fixtures;
using Xunit;

namespace AlbertAot.Tests.Model;

/// <summary>Bad inputs are exceptions that name the problem, never a crash or a silently wrong answer.</summary>
public class InputValidationTests
{
    private static readonly TinyHeadsBaseModel Model = new(); // vocab 1000, 2 token types, 64 positions

    [Fact]
    public void An_id_outside_the_vocabulary_names_its_position_and_the_range()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Model.Forward(AlbertInputs.Single(2, 1000, 3)));
        Assert.Contains("input_ids[0, 1] = 1000 is outside [0, 1000)", e.Message);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => Model.Forward(AlbertInputs.Single(2, -5, 3)));
        Assert.Contains("input_ids[0, 1] = -5", e.Message);
    }

    [Fact]
    public void A_token_type_at_or_above_type_vocab_size_is_refused()
    {
        var inputs = AlbertInputs.FromRows([[2L, 10, 3]], tokenTypeIds: [[0L, 2, 0]]);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Model.Forward(inputs));
        Assert.Contains("token_type_ids[0, 1] = 2 is outside [0, 2)", e.Message);
    }

    [Fact]
    public void A_mask_value_other_than_0_or_1_is_refused()
    {
        var inputs = AlbertInputs.FromRows([[2L, 10, 3]], attentionMask: [[1L, 2, 1]]);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Model.Forward(inputs));
        Assert.Contains("attention_mask[0, 1] = 2", e.Message);
    }

    [Fact]
    public void A_sequence_longer_than_max_position_embeddings_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => Model.Forward(AlbertInputs.Single(Enumerable.Repeat(5L, 65).ToArray())));
        Assert.Contains("65 tokens exceed max_position_embeddings = 64", e.Message);
    }

    [Fact]
    public void Mismatched_lengths_and_empty_batches_are_refused()
    {
        Assert.Contains("tokenTypeIds holds 2 values but [batch 1, sequence 3] needs 3",
            Assert.Throws<ArgumentException>(() => new AlbertInputs(1, 3, new long[] { 2, 10, 3 }, new long[] { 0, 0 })).Message);
        Assert.Contains("row 1 has 2 tokens but row 0 of input_ids has 3",
            Assert.Throws<ArgumentException>(() => AlbertInputs.FromRows([[2L, 10, 3], [2L, 3]])).Message);
        Assert.Contains("The batch is empty", Assert.Throws<ArgumentException>(() => AlbertInputs.FromRows(Array.Empty<long[]>())).Message);
    }

    [Fact]
    public void An_all_zero_attention_mask_gives_finite_outputs_as_HF_does()
    {
        // HF adds float32 min to every score: the softmax becomes uniform, no NaN.
        var inputs = AlbertInputs.FromRows([[2L, 10, 11, 3]], attentionMask: [[0L, 0, 0, 0]]);
        FloatTensor hidden = Model.Forward(inputs).LastHiddenState!;
        Assert.All(hidden.Data, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Positions_outside_the_batch_are_refused_by_MlmLogitsAt()
    {
        var model = new TinyV1Model();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.MlmLogitsAt(AlbertInputs.Single(2, 10, 3), [(0, 3)]));
        Assert.Contains("(batch 0, token 3) is outside", e.Message);
    }
}
