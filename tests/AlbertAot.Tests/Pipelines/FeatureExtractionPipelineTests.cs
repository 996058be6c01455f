using System;
using System.Collections.Generic;
using System.Linq;
using AlbertAot.Pipelines;
using AlbertAot.Tests.Fixtures;
using AlbertAot.Tokenization;
using AlbertAot.Weights;
using Xunit;

namespace AlbertAot.Tests.Pipelines;

public sealed class FeatureExtractionPipelineTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string fixture in new[] { "tiny-v1", "tiny-heads/base" })
            foreach (string name in new[] { "single_short", "two_segments", "length1", "max_length_64", "batch3_padded" })
                data.Add(fixture, name);
        return data;
    }

    /// <summary>
    /// Each fixture case's ids (all rows of a padded batch at once, each without its padding) give the reference's
    /// last_hidden_state and pooler_output; and where the ids are what a text (or pair) tokenizes to, the text gives the
    /// same numbers as its ids.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Features_agree_with_the_fixture_for_the_same_ids(string fixture, string caseName)
    {
        IAlbertModel model = fixture == "tiny-v1" ? PipelineModels.WithTokenizer(fixture) : FixtureCases.Models[fixture]();
        var pipeline = new FeatureExtractionPipeline(model);
        SafetensorsFile file = FixtureCases.Read(fixture, caseName);
        int rows = file.Shape("input_ids")[0], seq = file.Shape("input_ids")[1], hidden = model.Config.HiddenSize;
        var ids = Enumerable.Range(0, rows).Select(r => (IReadOnlyList<int>)PipelineModels.Row(file, "input_ids", r)).ToList();
        var types = Enumerable.Range(0, rows).Select(r => (IReadOnlyList<int>)PipelineModels.Row(file, "token_type_ids", r)).ToList();
        float[] expectedHidden = file.ReadSingles("last_hidden_state"), expectedPooled = file.ReadSingles("pooler_output");
        float tolerance = FixtureCases.Tolerance(fixture);

        IReadOnlyList<FeatureExtractionResult> results = pipeline.RunIds(ids, types);
        int textRows = 0;

        Assert.Equal(rows, results.Count);
        for (int r = 0; r < rows; r++)
        {
            FeatureExtractionResult features = results[r];
            Assert.Equal(ids[r], features.InputIds);
            Assert.Equal(new[] { ids[r].Count, hidden }, features.LastHiddenState.Shape);
            AssertClose(expectedHidden.AsSpan(r * seq * hidden, ids[r].Count * hidden), features.LastHiddenState.Data, tolerance, $"{fixture}/{caseName} row {r} last_hidden_state");
            Assert.Equal(new[] { hidden }, features.PoolerOutput!.Shape);
            AssertClose(expectedPooled.AsSpan(r * hidden, hidden), features.PoolerOutput.Data, tolerance, $"{fixture}/{caseName} row {r} pooler_output");

            // Through text, where the ids are a tokenization: one text, or a pair split at the first [SEP].
            AlbertTokenizer tokenizer = model.Tokenizer!;
            int[] row = [.. ids[r]];
            int firstSep = Array.IndexOf(row, tokenizer.SepId);
            FeatureExtractionResult? viaText = null;
            if (firstSep == row.Length - 1 && PipelineModels.TextGiving(tokenizer, row) is string text)
                viaText = pipeline.Run(text);
            else if (firstSep > 0 && firstSep < row.Length - 1
                && PipelineModels.TextGiving(tokenizer, row[..(firstSep + 1)]) is string first
                && PipelineModels.TextGiving(tokenizer, [tokenizer.ClsId, .. row[(firstSep + 1)..]]) is string second
                && tokenizer.Encode(first, second).InputIds.SequenceEqual(row)
                && tokenizer.Encode(first, second).TokenTypeIds.SequenceEqual(types[r]))
                viaText = pipeline.Run(first, second);
            if (viaText is not null)
            {
                // The text runs alone, the ids in the batch with its padding skipped: the same bits.
                Assert.Equal(features.InputIds, viaText.InputIds);
                AssertClose(features.LastHiddenState.Data, viaText.LastHiddenState.Data, 0f, $"{fixture}/{caseName} row {r} through text");
                AssertClose(features.PoolerOutput.Data, viaText.PoolerOutput!.Data, 0f, $"{fixture}/{caseName} row {r} pooler through text");
                textRows++;
            }
        }
        // These cases' ids are tokenizations of some text (the others hold pieces no text gives, such as "cert" after [MASK]).
        if (fixture == "tiny-heads/base" && caseName is "single_short" or "two_segments" or "batch3_padded") Assert.Equal(rows, textRows);
    }

    [Fact]
    public void A_batch_of_texts_and_pairs_of_mixed_lengths_gives_each_what_it_gets_alone()
    {
        var pipeline = new FeatureExtractionPipeline(new TinyHeadsBaseModel());
        string[] texts = ["And", "In the beginning God created the heaven and the earth.", "  The most obvious", "Then sàïd"];
        string[] pairs = ["the earth was without form", "And", "void", "and darkness was upon the face of the deep"];

        IReadOnlyList<FeatureExtractionResult> batch = pipeline.Run(texts);
        IReadOnlyList<FeatureExtractionResult> pairBatch = pipeline.Run(texts, pairs);

        Assert.Equal(texts.Length, batch.Count);
        for (int i = 0; i < texts.Length; i++)
        {
            AssertSame(pipeline.Run(texts[i]), batch[i], texts[i]);
            AssertSame(pipeline.Run(texts[i], pairs[i]), pairBatch[i], texts[i] + " / " + pairs[i]);
            Assert.Equal(pipeline.Model.Tokenizer!.Encode(texts[i], pairs[i]).InputIds, pairBatch[i].InputIds);
        }
        Assert.NotEqual(batch[0].LastHiddenState.Shape[0], batch[1].LastHiddenState.Shape[0]);
    }

    [Fact]
    public void Truncation_cuts_to_the_maximum_length()
    {
        var pipeline = new FeatureExtractionPipeline(new TinyHeadsBaseModel());

        FeatureExtractionResult features = pipeline.Run("In the beginning God created the heaven and the earth.", "And the earth", maxLength: 8);

        Assert.Equal(8, features.InputIds.Count);
        Assert.Equal(new[] { 8, 32 }, features.LastHiddenState.Shape);
    }

    [Fact]
    public void An_ids_only_model_takes_ids_and_refuses_text_by_name()
    {
        var pipeline = new FeatureExtractionPipeline(new WithoutTokenizer(new TinyHeadsBaseModel()));

        FeatureExtractionResult features = pipeline.RunIds([2, 144, 628, 3]);

        Assert.Equal(new[] { 4, 32 }, features.LastHiddenState.Shape);
        var e = Assert.Throws<InvalidOperationException>(() => pipeline.Run("text"));
        Assert.Contains("tiny-heads-base", e.Message);
        Assert.Contains("without a tokenizer", e.Message);
        Assert.Throws<ArgumentException>(() => pipeline.RunIds([[2, 3], []]));
        Assert.Throws<ArgumentException>(() => pipeline.RunIds([2, 3], [0]));
    }

    private static void AssertSame(FeatureExtractionResult alone, FeatureExtractionResult inBatch, string text)
    {
        Assert.Equal(alone.InputIds, inBatch.InputIds);
        Assert.Equal(alone.LastHiddenState.Shape, inBatch.LastHiddenState.Shape);
        // The batch skips its padding (PipelineBatch): each text's values are the same bits as alone.
        AssertClose(alone.LastHiddenState.Data, inBatch.LastHiddenState.Data, 0f, $"\"{text}\" last_hidden_state");
        AssertClose(alone.PoolerOutput!.Data, inBatch.PoolerOutput!.Data, 0f, $"\"{text}\" pooler_output");
    }

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= tolerance, $"{what}: index {i} expected {expected[i]:R}, got {actual[i]:R}");
    }
}
