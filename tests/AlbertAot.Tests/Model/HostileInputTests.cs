using System;
using System.IO;
using System.Linq;
using AlbertAot.Tests.Fixtures;
using AlbertAot.Tests.Reference;
using Xunit;

namespace AlbertAot.Tests.Model;

/// <summary>
/// Issue 7's hostile ids, one test each (beside InputValidationTests): every bad input is an exception that names the
/// argument, the index and the limit; every accepted input gives finite outputs; nothing crashes or hangs.
/// </summary>
public class HostileInputTests
{
    private static readonly TinyHeadsBaseModel Model = new(); // vocab 1000, 2 token types, 64 positions, hidden 32

    [Theory]
    [InlineData(1000L)]
    [InlineData(1001L)]
    [InlineData(int.MaxValue + 1L)]
    [InlineData(long.MaxValue)]
    public void Ids_at_or_beyond_the_vocabulary_are_refused_with_argument_index_and_limit(long id)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Model.Forward(AlbertInputs.FromRows([[2L, 5, 3], [2L, 6, id]])));
        Assert.Equal("input_ids", e.ParamName);
        Assert.Contains($"input_ids[1, 2] = {id} is outside [0, 1000)", e.Message);
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(int.MinValue)]
    [InlineData(long.MinValue)]
    public void Negative_ids_are_refused(long id)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Model.Forward(AlbertInputs.Single(2, id, 3)));
        Assert.Equal("input_ids", e.ParamName);
        Assert.Contains($"input_ids[0, 1] = {id} is outside [0, 1000)", e.Message);
    }

    [Theory]
    [InlineData(2L)]
    [InlineData(-1L)]
    [InlineData(long.MaxValue)]
    public void Token_types_outside_type_vocab_size_are_refused(long type)
    {
        var inputs = AlbertInputs.FromRows([[2L, 10, 11, 3]], tokenTypeIds: [[0L, 0, 1, type]]);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Model.Forward(inputs));
        Assert.Equal("token_type_ids", e.ParamName);
        Assert.Contains($"token_type_ids[0, 3] = {type} is outside [0, 2)", e.Message);
    }

    [Fact]
    public void Mask_values_other_than_0_and_1_are_refused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Model.Forward(AlbertInputs.FromRows([[2L, 10, 3]], attentionMask: [[1L, 1, -1]])));
        Assert.Equal("attention_mask", e.ParamName);
        Assert.Contains("attention_mask[0, 2] = -1", e.Message);
    }

    [Fact]
    public void Mismatched_lengths_of_ids_types_and_mask_name_the_argument_and_the_sizes()
    {
        long[] ids = [2, 10, 11, 3, 2, 12, 13, 3];
        var e = Assert.Throws<ArgumentException>(() => new AlbertInputs(2, 4, ids, attentionMask: new long[7]));
        Assert.Equal("attentionMask", e.ParamName);
        Assert.Contains("attentionMask holds 7 values but [batch 2, sequence 4] needs 8", e.Message);
        e = Assert.Throws<ArgumentException>(() => new AlbertInputs(2, 4, ids, tokenTypeIds: new long[9]));
        Assert.Contains("tokenTypeIds holds 9 values but [batch 2, sequence 4] needs 8", e.Message);
        e = Assert.Throws<ArgumentException>(() => new AlbertInputs(3, 4, ids));
        Assert.Equal("inputIds", e.ParamName);
        Assert.Contains("inputIds holds 8 values but [batch 3, sequence 4] needs 12", e.Message);

        e = Assert.Throws<ArgumentException>(() => AlbertInputs.FromRows([[2L, 10, 3]], attentionMask: [[1L, 1]]));
        Assert.Contains("attentionMask row 0 has 2 tokens but row 0 of input_ids has 3", e.Message);
        e = Assert.Throws<ArgumentException>(() => AlbertInputs.FromRows([[2L, 10, 3]], tokenTypeIds: [[0L, 0, 0], [0L, 0, 0]]));
        Assert.Contains("tokenTypeIds has 2 rows but input_ids has 1", e.Message);
        e = Assert.Throws<ArgumentException>(() => AlbertInputs.FromRows([[2L, 10, 3], null!]));
        Assert.Contains("inputIds row 1 is null", e.Message);
        e = Assert.Throws<ArgumentException>(() => AlbertInputs.FromRows([null!]));
        Assert.Contains("inputIds row 0 is null", e.Message);
    }

    [Fact]
    public void Empty_batches_and_empty_sequences_are_refused()
    {
        Assert.Equal("batchSize", Assert.Throws<ArgumentOutOfRangeException>(() => new AlbertInputs(0, 3, Array.Empty<long>())).ParamName);
        Assert.Equal("sequenceLength", Assert.Throws<ArgumentOutOfRangeException>(() => new AlbertInputs(1, 0, Array.Empty<long>())).ParamName);
        Assert.Equal("batchSize", Assert.Throws<ArgumentOutOfRangeException>(() => new AlbertInputs(-1, 3, Array.Empty<long>())).ParamName);
        Assert.Contains("The batch is empty", Assert.Throws<ArgumentException>(() => AlbertInputs.FromEncodings([])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => AlbertInputs.Single());
        Assert.Throws<ArgumentOutOfRangeException>(() => AlbertInputs.FromChoices(0, 2, 3, Array.Empty<long>()));
        Assert.Throws<ArgumentOutOfRangeException>(() => AlbertInputs.FromChoices(1, 0, 3, Array.Empty<long>()));
        Assert.Throws<ArgumentNullException>(() => Model.Forward(null!));
    }

    [Fact]
    public void Sequences_up_to_max_position_embeddings_run_and_one_more_token_is_refused()
    {
        long[] ids = Enumerable.Range(0, 64).Select(i => (long)(i % 900 + 5)).ToArray();
        FloatTensor hidden = Model.Forward(AlbertInputs.Single(ids)).LastHiddenState!;
        Assert.Equal([1, 64, 32], hidden.Shape);
        Assert.All(hidden.Data, v => Assert.True(float.IsFinite(v)));

        var e = Assert.Throws<ArgumentException>(() => Model.Forward(AlbertInputs.Single([.. ids, 5L])));
        Assert.Equal("inputs", e.ParamName);
        Assert.Contains("Sequences of 65 tokens exceed max_position_embeddings = 64 of 'tiny-heads-base': truncate them", e.Message);
        e = Assert.Throws<ArgumentException>(() => Model.Forward(AlbertInputs.Single(new long[100_000])));
        Assert.Contains("100000 tokens exceed max_position_embeddings = 64", e.Message);
    }

    [Fact]
    public void MlmLogitsAt_refuses_positions_outside_the_batch_naming_the_index()
    {
        var model = new TinyV1Model();
        AlbertInputs inputs = AlbertInputs.FromRows([[2L, 10, 3], [2L, 11, 3]]);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.MlmLogitsAt(inputs, [(0, 1), (-1, 0)]));
        Assert.Equal("positions", e.ParamName);
        Assert.Contains("positions[1]: position (batch -1, token 0) is outside the input of [batch 2, sequence 3]", e.Message);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => model.MlmLogitsAt(inputs, [(2, 0)]));
        Assert.Contains("(batch 2, token 0) is outside", e.Message);
        Assert.Equal([0, 30000], model.MlmLogitsAt(inputs, []).Shape);
    }

    [Theory]
    [InlineData("tiny-v1")]
    [InlineData("tiny-heads/base")]
    public void An_all_zero_attention_mask_is_uniform_attention_as_in_HF(string fixture)
    {
        // HF adds (1 − mask)·float32.min to every score: with every key masked all scores are equally (and hugely)
        // negative, so the softmax is uniform over the keys; no NaN. The float64 reference does the same arithmetic.
        IAlbertModel model = FixtureCases.Models[fixture]();
        var reference = new ScalarAlbert(Path.Combine(FixtureCases.Root, fixture));
        long[] ids = [2, 10, 11, 12, 3], types = [0, 0, 0, 1, 1], zeros = new long[5], ones = [1, 1, 1, 1, 1];
        AlbertInputs inputs = AlbertInputs.FromRows([ids, ids], [types, types], [zeros, ones]);

        FloatTensor hidden = model.Forward(inputs).LastHiddenState!;

        Assert.All(hidden.Data, v => Assert.True(float.IsFinite(v)));
        double[,] expectedMasked = reference.Encode(ids, types, zeros), expectedOpen = reference.Encode(ids, types, ones);
        double worst = 0, differs = 0;
        for (int s = 0; s < 5; s++)
            for (int k = 0; k < reference.HiddenSize; k++)
            {
                worst = Math.Max(worst, Math.Abs(hidden[0, s, k] - expectedMasked[s, k]));
                worst = Math.Max(worst, Math.Abs(hidden[1, s, k] - expectedOpen[s, k]));
                differs = Math.Max(differs, Math.Abs(expectedMasked[s, k] - expectedOpen[s, k]));
            }
        Assert.True(worst <= FixtureCases.Tolerance(fixture), $"worst difference from the float64 reference {worst}");
        Assert.True(differs > 1e-3, "uniform attention should differ from the unmasked result"); // the test can tell them apart

        // A fully masked row in a batch is what it is alone (the other row's mask does not leak into it).
        FloatTensor alone = model.Forward(AlbertInputs.FromRows([ids], [types], [zeros])).LastHiddenState!;
        Assert.Equal(alone.Data, hidden.Data.AsSpan(0, alone.Data.Length).ToArray());
    }
}
