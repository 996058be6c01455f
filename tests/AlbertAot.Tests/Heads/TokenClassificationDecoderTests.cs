using System;
using System.Collections.Generic;
using System.Linq;
using AlbertAot.Pipelines;
using AlbertAot.Tests.Fixtures;
using Xunit;

namespace AlbertAot.Tests.Heads;

/// <summary>
/// The token-classification post-processing on hand-made logits whose right answers are known: each aggregation
/// strategy on words split into several pieces, B-/I- grouping, ignore_labels, unknown tokens, and offsets into text
/// with accents and extra spaces.
/// </summary>
public class TokenClassificationDecoderTests
{
    private static readonly string[] Labels = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"];

    private const string Text = "Wolfgang lives in Berlin";

    /// <summary>"Wolfgang lives in Berlin" as [CLS] ▁wolf gang ▁lives ▁in ▁ber lin [SEP]: two words of two pieces each.</summary>
    private static readonly PipelineToken[] Tokens =
    [
        new(2, "[CLS]", 0, 0, true),
        new(10, "▁wolf", 0, 4, false),
        new(11, "gang", 4, 8, false),
        new(12, "▁lives", 8, 14, false),
        new(13, "▁in", 14, 17, false),
        new(14, "▁ber", 17, 21, false),
        new(15, "lin", 21, 24, false),
        new(3, "[SEP]", 0, 0, true),
    ];

    /// <summary>Rows of logits for the tokens above ([CLS] and [SEP] rows are ignored whatever they hold).</summary>
    private static float[] Logits(params float[][] rows)
    {
        Assert.Equal(6, rows.Length);
        return [.. new float[] { 9, 9, 9, 9, 9 }, .. rows.SelectMany(r => r), .. new float[] { 9, 9, 9, 9, 9 }];
    }

    // wolf: B-PER (0.79); gang: I-LOC (0.99); lives, in: O; ber: B-LOC (0.83); lin: I-PER (0.63).
    private static readonly float[] Mixed = Logits(
        [0, 3, 1, 0, 0],
        [0, 0, 0, 0, 6],
        [4, 0, 0, 0, 0],
        [4, 0, 0, 0, 0],
        [0, 0, 0, 3, 0],
        [0, 0, 2, 0, 0.5f]);

    private static double P(float[] logits, int token, int label) => Softmax(logits.AsSpan(token * 5, 5))[label];

    private static double[] Softmax(ReadOnlySpan<float> row)
    {
        double max = double.NegativeInfinity;
        foreach (float x in row) max = Math.Max(max, x);
        double[] e = row.ToArray().Select(x => Math.Exp(x - max)).ToArray();
        return e.Select(x => x / e.Sum()).ToArray();
    }

    private static IReadOnlyList<TokenClassificationEntity> Decode(float[] logits, AggregationStrategy strategy, IReadOnlyCollection<string>? ignore = null) =>
        TokenClassificationDecoder.Decode(Text, Tokens, logits, Labels, unkId: 1, strategy, ignore);

    [Fact]
    public void None_gives_each_token_with_its_index_and_leaves_out_O()
    {
        var entities = Decode(Mixed, AggregationStrategy.None);

        Assert.Equal(["B-PER", "I-LOC", "B-LOC", "I-PER"], entities.Select(e => e.Entity));
        Assert.Equal([1, 2, 5, 6], entities.Select(e => e.Index!.Value));
        Assert.Equal(["▁wolf", "gang", "▁ber", "lin"], entities.Select(e => e.Word));
        Assert.Equal([(0, 4), (4, 8), (17, 21), (21, 24)], entities.Select(e => (e.Start, e.End)));
        Assert.Equal(P(Mixed, 1, 1), entities[0].Score, 6);
        Assert.Equal(P(Mixed, 6, 2), entities[3].Score, 6);
        Assert.All(entities, e => Assert.False(e.IsGroup));
    }

    [Fact]
    public void Simple_groups_consecutive_tokens_of_one_tag_and_splits_on_another_tag()
    {
        var entities = Decode(Mixed, AggregationStrategy.Simple);

        // wolf (B-PER) | gang (I-LOC: another tag) | lives in (O, left out) | ber (B-LOC) | lin (I-PER: another tag)
        Assert.Equal(["PER", "LOC", "LOC", "PER"], entities.Select(e => e.Entity));
        Assert.Equal(["wolf", "gang", "ber", "lin"], entities.Select(e => e.Word));
        Assert.All(entities, e => Assert.True(e.IsGroup));
    }

    [Fact]
    public void Simple_joins_B_then_I_pieces_into_one_entity_with_the_mean_score()
    {
        float[] logits = Logits([0, 3, 0, 0, 0], [0, 0, 3, 0, 0], [4, 0, 0, 0, 0], [4, 0, 0, 0, 0], [0, 0, 0, 3, 0], [0, 0, 0, 0, 3]);

        var entities = Decode(logits, AggregationStrategy.Simple);

        Assert.Equal(["PER", "LOC"], entities.Select(e => e.Entity));
        Assert.Equal(["wolfgang", "berlin"], entities.Select(e => e.Word));
        Assert.Equal([(0, 8), (17, 24)], entities.Select(e => (e.Start, e.End)));
        Assert.Equal((P(logits, 1, 1) + P(logits, 2, 2)) / 2, entities[0].Score, 6);
    }

    [Fact]
    public void A_new_B_tag_starts_a_new_group_even_for_the_same_entity()
    {
        float[] logits = Logits([0, 3, 0, 0, 0], [0, 3, 0, 0, 0], [4, 0, 0, 0, 0], [4, 0, 0, 0, 0], [4, 0, 0, 0, 0], [4, 0, 0, 0, 0]);
        Assert.Equal(["wolf", "gang"], Decode(logits, AggregationStrategy.Simple).Select(e => e.Word));
    }

    [Fact]
    public void First_labels_each_word_by_its_first_piece()
    {
        var entities = Decode(Mixed, AggregationStrategy.First);

        // wolfgang takes wolf's B-PER, berlin takes ber's B-LOC; the pieces' own labels no longer split the words.
        Assert.Equal(["PER", "LOC"], entities.Select(e => e.Entity));
        Assert.Equal(["wolfgang", "berlin"], entities.Select(e => e.Word));
        Assert.Equal([(0, 8), (17, 24)], entities.Select(e => (e.Start, e.End)));
        Assert.Equal(P(Mixed, 1, 1), entities[0].Score, 6);
        Assert.Equal(P(Mixed, 5, 3), entities[1].Score, 6);
    }

    [Fact]
    public void Average_labels_each_word_by_its_pieces_mean_scores()
    {
        var entities = Decode(Mixed, AggregationStrategy.Average);

        // wolfgang: mean I-LOC (0.03 + 0.99) / 2 beats mean B-PER (0.79 + 0.00) / 2; berlin: mean B-LOC beats mean I-PER.
        Assert.Equal(["LOC", "LOC"], entities.Select(e => e.Entity));
        Assert.Equal(["wolfgang", "berlin"], entities.Select(e => e.Word));
        Assert.Equal((P(Mixed, 1, 4) + P(Mixed, 2, 4)) / 2, entities[0].Score, 6);
        Assert.Equal((P(Mixed, 5, 3) + P(Mixed, 6, 3)) / 2, entities[1].Score, 6);
    }

    [Fact]
    public void Max_labels_each_word_by_its_most_confident_piece()
    {
        var entities = Decode(Mixed, AggregationStrategy.Max);

        // wolfgang: gang (0.99) is surer than wolf (0.79), so I-LOC; berlin: ber (0.83) beats lin (0.63), so B-LOC.
        Assert.Equal(["LOC", "LOC"], entities.Select(e => e.Entity));
        Assert.Equal(P(Mixed, 2, 4), entities[0].Score, 6);
        Assert.Equal(P(Mixed, 5, 3), entities[1].Score, 6);
    }

    [Fact]
    public void Words_of_one_group_are_joined_without_spaces_as_HFs_decoder_does()
    {
        // Every word PER: first makes one group of all four words, decoded from words (not pieces), so without spaces.
        float[] logits = Logits([0, 3, 0, 0, 0], [0, 0, 3, 0, 0], [0, 0, 3, 0, 0], [0, 0, 3, 0, 0], [0, 0, 3, 0, 0], [0, 0, 3, 0, 0]);

        var first = Decode(logits, AggregationStrategy.First);
        var simple = Decode(logits, AggregationStrategy.Simple);

        Assert.Equal("wolfganglivesinberlin", Assert.Single(first).Word);
        Assert.Equal("wolfgang lives in berlin", Assert.Single(simple).Word);
        Assert.Equal((0, 24), (first[0].Start, first[0].End));
    }

    [Fact]
    public void Ignore_labels_filters_tokens_by_label_and_groups_by_entity_group()
    {
        Assert.Equal(["B-PER", "I-LOC", "O", "O", "B-LOC", "I-PER"], Decode(Mixed, AggregationStrategy.None, []).Select(e => e.Entity));
        Assert.Equal(["I-LOC", "B-LOC", "I-PER"], Decode(Mixed, AggregationStrategy.None, ["O", "B-PER"]).Select(e => e.Entity));
        // Groups are named without B-/I-: ignoring "B-LOC" keeps the LOC groups, ignoring "LOC" drops them.
        Assert.Equal(4, Decode(Mixed, AggregationStrategy.Simple, ["O", "B-LOC"]).Count);
        Assert.Equal(["PER", "PER"], Decode(Mixed, AggregationStrategy.Simple, ["O", "LOC"]).Select(e => e.Entity));
        Assert.Equal(["PER", "LOC", "O", "LOC", "PER"], Decode(Mixed, AggregationStrategy.Simple, []).Select(e => e.Entity));
    }

    [Fact]
    public void An_unknown_token_is_its_text_and_starts_a_word()
    {
        // "Wolfgang lives in Berlin" with "gang" unknown: its word is the text it covers, and it is not a sub-word.
        PipelineToken[] tokens = [.. Tokens];
        tokens[2] = new PipelineToken(1, "<unk>", 4, 8, false);
        float[] logits = Logits([0, 3, 0, 0, 0], [0, 3, 0, 0, 0], [4, 0, 0, 0, 0], [4, 0, 0, 0, 0], [4, 0, 0, 0, 0], [4, 0, 0, 0, 0]);

        var none = TokenClassificationDecoder.Decode(Text, tokens, logits, Labels, 1, AggregationStrategy.None);
        var first = TokenClassificationDecoder.Decode(Text, tokens, logits, Labels, 1, AggregationStrategy.First);

        Assert.Equal("gang", none[1].Word);
        Assert.Equal(["wolf", "gang"], first.Select(e => e.Word)); // two words, two B-PER groups
    }

    [Fact]
    public void Offsets_point_into_text_with_accents_and_extra_spaces()
    {
        // The fixture tokenizer: accents are stripped from the tokens but the offsets keep the original characters, and of
        // a run of spaces only the last belongs to the next word.
        const string text = "  Zoë   Ångström wrote";
        var tokenizer = TinyHeadsTokenClsModel.ModelTokenizer;
        var e = tokenizer.Encode(text);
        var tokens = Enumerable.Range(0, e.Length).Select(i => new PipelineToken(e.InputIds[i], e.Tokens[i], e.Offsets[i].Start, e.Offsets[i].End,
            e.SequenceIds[i] is null)).ToArray();
        // Zoë: B-PER then I-PER; Ångström: B-LOC then I-LOC; "wrote": O.
        int angstrom = Array.FindIndex(e.Offsets, o => o.Start == text.IndexOf('Å') - 1);
        int wrote = Array.FindIndex(e.Offsets, o => o.Start == text.IndexOf("wrote", StringComparison.Ordinal) - 1);
        Assert.True(angstrom > 1 && wrote > angstrom, string.Join(" ", e.Tokens));
        var logits = new List<float>();
        for (int t = 0; t < e.Length; t++)
        {
            int label = t == 1 ? 1 : t < angstrom ? 2 : t == angstrom ? 3 : t < wrote ? 4 : 0;
            logits.AddRange(Enumerable.Range(0, 5).Select(l => l == label ? 5f : 0f));
        }

        var entities = TokenClassificationDecoder.Decode(text, tokens, logits.ToArray(), Labels, tokenizer.UnkId, AggregationStrategy.Simple);

        Assert.Equal(["PER", "LOC"], entities.Select(x => x.Entity));
        Assert.Equal(" Zoë", text[entities[0].Start..entities[0].End]);
        Assert.Equal(" Ångström", text[entities[1].Start..entities[1].End]);
        Assert.Equal(["zoe", "angstrom"], entities.Select(x => x.Word));
    }

    [Fact]
    public void The_pipeline_decodes_the_models_own_logits()
    {
        var model = new TinyHeadsTokenClsModel();
        var pipeline = new TokenClassificationPipeline(model);
        const string text = "My name is Wolfgang and I live in Berlin";
        var e = model.Tokenizer!.Encode(text);
        FloatTensor logits = model.Forward(AlbertInputs.FromEncodings([e]), AlbertOutputKinds.Logits).Logits!;
        var tokens = Enumerable.Range(0, e.Length).Select(i => new PipelineToken(e.InputIds[i], e.Tokens[i], e.Offsets[i].Start, e.Offsets[i].End,
            e.SequenceIds[i] is null)).ToArray();

        foreach (AggregationStrategy strategy in Enum.GetValues<AggregationStrategy>())
        {
            var expected = TokenClassificationDecoder.Decode(text, tokens, logits.Data, model.Labels, model.Tokenizer.UnkId, strategy, []);
            Assert.Equal(expected, pipeline.Run(text, strategy, []));
            Assert.Equal(expected, pipeline.Run([text, "And he said"], strategy, [])[0]);
        }
    }

    [Fact]
    public void Bad_inputs_are_refused()
    {
        Assert.Throws<ArgumentException>(() => TokenClassificationDecoder.Decode(Text, Tokens, new float[3], Labels, 1, AggregationStrategy.None));
        Assert.Throws<ArgumentOutOfRangeException>(() => Decode(Mixed, (AggregationStrategy)9));
        Assert.Throws<ArgumentException>(() => new TokenClassificationPipeline(new TinyHeadsTokenClsModel()).Run(Array.Empty<string>()));
    }
}
