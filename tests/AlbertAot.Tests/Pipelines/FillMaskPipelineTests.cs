using System;
using System.Collections.Generic;
using System.Linq;
using AlbertAot.Pipelines;
using AlbertAot.Runtime;
using AlbertAot.Tests.Fixtures;
using AlbertAot.Tokenization;
using AlbertAot.Weights;
using Xunit;

namespace AlbertAot.Tests.Pipelines;

public sealed class FillMaskPipelineTests
{
    private const string TwoMasks = "Then [MASK] ABRAHAM took [MASK] wife, and her name was Keturah.";

    /// <summary>
    /// The fixtures' single_short case ([CLS] a b [MASK] c [SEP], random ids) has the float64 reference's MLM logits:
    /// fill-mask on those ids gives the softmax of those logits, best first. The pipeline reads the text the ids decode
    /// to when that text tokenizes back to them, the ids themselves otherwise (both are checked when both apply).
    /// </summary>
    [SkippableTheory]
    [InlineData("tiny-v1")]
    [InlineData("tiny-groups")]
    public void Fill_mask_on_the_fixture_ids_gives_the_softmax_of_the_expected_logits(string fixture)
    {
        IAlbertModel model = PipelineModels.WithTokenizer(fixture);
        var pipeline = new FillMaskPipeline(model);
        SafetensorsFile file = FixtureCases.Read(fixture, "single_short");
        int[] ids = PipelineModels.Row(file, "input_ids", 0);
        int maskAt = Array.IndexOf(ids, model.Tokenizer!.MaskId);
        Assert.True(maskAt > 0, "single_short has a [MASK]");
        int vocab = model.Config.VocabSize;
        float[] expectedLogits = file.ReadSingles("mlm_logits").AsSpan(maskAt * vocab, vocab).ToArray();
        double[] expected = PipelineModels.Softmax(expectedLogits);
        const int k = 10;

        IReadOnlyList<FillMaskResult> results = pipeline.RunIds(ids, k).Single();
        string? text = PipelineModels.TextGiving(model.Tokenizer, ids);
        if (text is not null) Assert.Equal(results, pipeline.RunSingleMask(text, k));

        Assert.Equal(k, results.Count);
        foreach (FillMaskResult r in results)
        {
            double want = expected[r.Token];
            Assert.True(Math.Abs(r.Score - want) <= 1e-3 * want, $"{fixture}: token {r.Token} scores {r.Score:R}, softmax of the expected logits {want:R}");
            int[] filled = (int[])ids.Clone();
            filled[maskAt] = r.Token;
            Assert.Equal(model.Tokenizer.Decode(filled), r.Sequence);
            Assert.Equal(model.Tokenizer.Decode([r.Token], skipSpecialTokens: false), r.TokenStr);
        }
        // The order is the expected logits' order, except where two of them are closer than the engine's error.
        float tolerance = 2 * FixtureCases.Tolerance(fixture);
        float kth = expectedLogits.OrderDescending().ElementAt(k - 1);
        for (int i = 0; i < k; i++)
        {
            Assert.True(expectedLogits[results[i].Token] >= kth - tolerance, $"{fixture}: candidate {i} (token {results[i].Token}) is not among the expected top {k}");
            if (i > 0) Assert.True(expectedLogits[results[i].Token] <= expectedLogits[results[i - 1].Token] + tolerance, $"{fixture}: candidates {i - 1} and {i} are out of order");
        }
        for (int token = 0; token < vocab; token++)
            if (expectedLogits[token] > kth + tolerance) Assert.Contains(results, r => r.Token == token);
    }

    /// <summary>With top_k = the vocabulary, the scores are the whole distribution: the softmax of the model's own
    /// logits at the mask, highest first (lower id first on a tie), summing to 1.</summary>
    [SkippableFact]
    public void Scores_are_the_softmax_of_the_logits_at_the_mask_in_descending_order()
    {
        IAlbertModel model = PipelineModels.WithTokenizer("tiny-v1");
        var pipeline = new FillMaskPipeline(model);
        int[] ids = model.Tokenizer!.Encode("Hello I'm a [MASK] model.").InputIds;
        int maskAt = Array.IndexOf(ids, model.Tokenizer.MaskId);
        float[] logits = model.MlmLogitsAt(AlbertInputs.Single(ids.Select(i => (long)i).ToArray()), [(0, maskAt)]).Row(0).ToArray();
        double[] softmax = PipelineModels.Softmax(logits);

        IReadOnlyList<FillMaskResult> all = pipeline.RunSingleMask("Hello I'm a [MASK] model.", topK: int.MaxValue);

        Assert.Equal(model.Config.VocabSize, all.Count);
        Assert.Equal(Enumerable.Range(0, logits.Length).OrderByDescending(t => logits[t]).ThenBy(t => t), all.Select(r => r.Token));
        foreach (FillMaskResult r in all) Assert.Equal((float)softmax[r.Token], r.Score);
        Assert.Equal(1.0, all.Sum(r => (double)r.Score), 4);
        Assert.Equal(all.Take(5), pipeline.RunSingleMask("Hello I'm a [MASK] model."));
    }

    [SkippableFact]
    public void Several_masks_give_one_list_each_with_the_other_masks_kept_in_the_sequence()
    {
        IAlbertModel model = PipelineModels.WithTokenizer("tiny-v1");
        var pipeline = new FillMaskPipeline(model);
        AlbertTokenizer tokenizer = model.Tokenizer!;
        int[] ids = tokenizer.Encode(TwoMasks).InputIds;
        int[] masks = Enumerable.Range(0, ids.Length).Where(i => ids[i] == tokenizer.MaskId).ToArray();
        FloatTensor logits = model.MlmLogitsAt(AlbertInputs.Single(ids.Select(i => (long)i).ToArray()), [(0, masks[0]), (0, masks[1])]);

        IReadOnlyList<IReadOnlyList<FillMaskResult>> results = pipeline.Run(TwoMasks, topK: 3);

        Assert.Equal(2, results.Count);
        for (int m = 0; m < 2; m++)
        {
            double[] softmax = PipelineModels.Softmax(logits.Row(m));
            Assert.Equal(3, results[m].Count);
            foreach (FillMaskResult r in results[m])
            {
                Assert.Equal((float)softmax[r.Token], r.Score);
                int[] filled = (int[])ids.Clone();
                filled[masks[m]] = r.Token;
                Assert.Equal(tokenizer.Decode(filled, skipSpecialTokens: false), r.Sequence);
                Assert.StartsWith("[CLS] then", r.Sequence);
                Assert.EndsWith("keturah.[SEP]", r.Sequence);
                Assert.Single(System.Text.RegularExpressions.Regex.Matches(r.Sequence, @"\[MASK\]"));
            }
        }
        Assert.Equal(3, pipeline.Run("[MASK] [MASK] [MASK]", topK: 1).Count);
        var e = Assert.Throws<ArgumentException>(() => pipeline.RunSingleMask(TwoMasks));
        Assert.Contains("2 [MASK]", e.Message);
    }

    [SkippableFact]
    public void Targets_pick_among_the_full_vocabulary_probabilities_as_HF_resolves_them()
    {
        IAlbertModel model = PipelineModels.WithTokenizer("tiny-v1");
        var pipeline = new FillMaskPipeline(model);
        const string text = "Hello I'm a [MASK] model.";
        Dictionary<int, float> full = pipeline.RunSingleMask(text, topK: int.MaxValue).ToDictionary(r => r.Token, r => r.Score);

        // "▁the" and "king" are vocabulary entries; "The", "LORD" and "zqxv" are not: their first token stands in.
        FillMaskTargets resolved = pipeline.ResolveTargets(["▁the", "The", "LORD", "zqxv", "king"]);
        Assert.Equal([14, 1068, 2052, 1581], resolved.Ids);
        Assert.Equal(3, resolved.Warnings.Count);
        Assert.Contains("Replacing with `▁lord`", resolved.Warnings[1]);

        IReadOnlyList<FillMaskResult> results = pipeline.RunSingleMask(text, topK: 10, targets: ["▁the", "The", "LORD", "zqxv", "king"]);

        Assert.Equal(4, results.Count); // top_k is clipped to the distinct targets
        Assert.Equal(resolved.Ids.OrderByDescending(t => full[t]).ThenBy(t => t), results.Select(r => r.Token));
        foreach (FillMaskResult r in results) Assert.Equal(full[r.Token], r.Score);
        Assert.Equal("lord", results.Single(r => r.Token == 1068).TokenStr);
        Assert.Equal("hello i'm aking model.", results.Single(r => r.Token == 1581).Sequence);
        Assert.Equal(2, pipeline.RunSingleMask(text, topK: 2, targets: ["▁the", "The", "LORD", "zqxv", "king"]).Count);

        // A target that tokenizes to nothing is ignored (with HF's warning); only such targets is HF's error.
        FillMaskTargets withEmpty = pipeline.ResolveTargets(["  ", "king"]);
        Assert.Equal([1581], withEmpty.Ids);
        Assert.Contains("ignoring it", withEmpty.Warnings.Single());
        var e = Assert.Throws<ArgumentException>(() => pipeline.Run(text, targets: ["", " "]));
        Assert.Contains("at least one target", e.Message);
    }

    [SkippableFact]
    public void A_text_without_a_mask_is_an_ArgumentException_saying_so()
    {
        var pipeline = new FillMaskPipeline(PipelineModels.WithTokenizer("tiny-v1"));

        var single = Assert.Throws<ArgumentException>(() => pipeline.Run("Hello I'm a model."));
        Assert.StartsWith("The text has no [MASK] token", single.Message);
        var batch = Assert.Throws<ArgumentException>(() => pipeline.Run(["A [MASK] here.", "None here."]));
        Assert.Contains("Text 1 has no [MASK]", batch.Message);
        var ids = Assert.Throws<ArgumentException>(() => pipeline.RunIds([2, 10975, 3]));
        Assert.StartsWith("The ids hold no [MASK] (id 4)", ids.Message);
        Assert.StartsWith("Row 1 of the ids holds no [MASK]", Assert.Throws<ArgumentException>(() => pipeline.RunIds([[2, 4, 3], [2, 3]])).Message);
        // Truncation that cuts the mask off leaves none either.
        Assert.Throws<ArgumentException>(() => pipeline.Run("one two three four five [MASK]", maxLength: 4));
    }

    [SkippableFact]
    public void A_batch_of_mixed_lengths_gives_each_text_what_it_gets_alone()
    {
        var pipeline = new FillMaskPipeline(PipelineModels.WithTokenizer("tiny-groups"));
        string[] texts =
        [
            "Hello I'm a [MASK] model.",
            "[MASK]",
            TwoMasks,
            "And the priest shall burn [MASK] upon the altar for [MASK] offering [MASK] by fire unto the LORD: it is a trespass offering.",
            "Awake, awake;[MASK] on thy strength",
        ];

        var batch = pipeline.Run(texts, topK: 4);
        var batchWithTargets = pipeline.Run(texts, topK: 2, targets: ["king", "▁the", "water"]);

        Assert.Equal(texts.Length, batch.Count);
        for (int i = 0; i < texts.Length; i++)
        {
            AssertSame(pipeline.Run(texts[i], topK: 4), batch[i], texts[i]);
            AssertSame(pipeline.Run(texts[i], topK: 2, targets: ["king", "▁the", "water"]), batchWithTargets[i], texts[i]);
        }
        // Pre-tokenized rows: the same again.
        AlbertTokenizer tokenizer = pipeline.Tokenizer;
        var rows = texts.Select(t => (IReadOnlyList<int>)tokenizer.Encode(t).InputIds).ToList();
        var byIds = pipeline.RunIds(rows, topK: 4);
        for (int i = 0; i < texts.Length; i++) AssertSame(batch[i], byIds[i], texts[i]);
    }

    [SkippableFact]
    public void A_session_with_threads_gives_the_same_results()
    {
        IAlbertModel model = PipelineModels.WithTokenizer("tiny-v1");
        using AlbertSession session = model.CreateSession(threads: 2);

        var threaded = new FillMaskPipeline(model, session).Run(TwoMasks);

        AssertSame(new FillMaskPipeline(model).Run(TwoMasks), threaded, TwoMasks);
    }

    [SkippableFact]
    public void Top_k_zero_gives_empty_lists_and_a_negative_one_is_refused()
    {
        var pipeline = new FillMaskPipeline(PipelineModels.WithTokenizer("tiny-v1"));

        Assert.All(pipeline.Run(TwoMasks, topK: 0), list => Assert.Empty(list));
        Assert.Throws<ArgumentOutOfRangeException>(() => pipeline.Run(TwoMasks, topK: -1));
    }

    [Fact]
    public void Models_that_cannot_fill_masks_are_refused_by_name()
    {
        var noHead = Assert.Throws<InvalidOperationException>(() => new FillMaskPipeline(new TinyHeadsBaseModel()));
        Assert.Contains("tiny-heads-base", noHead.Message);
        Assert.Contains("MLM head", noHead.Message);

        var noTokenizer = Assert.Throws<InvalidOperationException>(() => new FillMaskPipeline(new WithoutTokenizer(new TinyV1Model())));
        Assert.Contains("tiny-v1", noTokenizer.Message);
        Assert.Contains("without a tokenizer", noTokenizer.Message);
    }

    [Fact]
    public void Equal_scores_go_lower_id_first_whichever_way_the_top_k_is_found()
    {
        float[] logits = [1f, 3f, 2f, 3f, 0f, 3f, 2f];
        Assert.Equal([1, 3, 5, 2], FillMaskPipeline.TopK(logits, null, 4));
        Assert.Equal([3, 5, 6], FillMaskPipeline.TopK(logits, [6, 5, 3, 0], 3));

        var wide = new float[300];
        for (int i = 0; i < wide.Length; i++) wide[i] = (i * 7) % 5;
        int[] expected = Enumerable.Range(0, wide.Length).OrderByDescending(i => wide[i]).ThenBy(i => i).ToArray();
        Assert.Equal(expected[..65], FillMaskPipeline.TopK(wide, null, 65)); // the sorting path
        Assert.Equal(expected[..64], FillMaskPipeline.TopK(wide, null, 64)); // the insertion path
        Assert.Equal(expected, FillMaskPipeline.TopK(wide, null, 1000));
    }

    private static void AssertSame(IReadOnlyList<IReadOnlyList<FillMaskResult>> expected, IReadOnlyList<IReadOnlyList<FillMaskResult>> actual, string text)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int m = 0; m < expected.Count; m++)
        {
            Assert.Equal(expected[m].Select(r => (r.Token, r.TokenStr, r.Sequence)), actual[m].Select(r => (r.Token, r.TokenStr, r.Sequence)));
            // The batch skips its padding (PipelineBatch): the same bits as alone.
            for (int c = 0; c < expected[m].Count; c++)
            {
                float want = expected[m][c].Score, got = actual[m][c].Score;
                Assert.True(got == want, $"\"{text}\" mask {m} candidate {c}: {got:R} in the batch, {want:R} alone");
            }
        }
    }
}
