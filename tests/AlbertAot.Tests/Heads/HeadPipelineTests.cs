using System;
using System.Linq;
using AlbertAot.Pipelines;
using AlbertAot.Tests.Fixtures;
using AlbertAot.Tests.Pipelines;
using Xunit;

namespace AlbertAot.Tests.Heads;

/// <summary>
/// Text classification's post-processing on hand-made logits, and the text-classification, sentence-order and
/// multiple-choice pipelines against the models' own logits; the helpers that rebuild what HF's fast tokenizer reports.
/// </summary>
public class HeadPipelineTests
{
    private static readonly string[] Labels = ["a", "b", "c"];

    [Fact]
    public void Softmax_scores_every_label_and_sorts_them()
    {
        var results = TextClassificationPipeline.Postprocess([1f, 2f, 0f], Labels, topK: null, ClassificationFunction.Softmax);

        double sum = Math.Exp(1) + Math.Exp(2) + Math.Exp(0);
        Assert.Equal(["b", "a", "c"], results.Select(r => r.Label));
        Assert.Equal(Math.Exp(2) / sum, results[0].Score, 6);
        Assert.Equal(Math.Exp(0) / sum, results[2].Score, 6);
    }

    [Fact]
    public void Sigmoid_and_none_score_each_label_on_its_own()
    {
        var sigmoid = TextClassificationPipeline.Postprocess([0f, -2f, 3f], Labels, topK: 2, ClassificationFunction.Sigmoid);
        var none = TextClassificationPipeline.Postprocess([0f, -2f, 3f], Labels, topK: 1, ClassificationFunction.None);

        Assert.Equal(["c", "a"], sigmoid.Select(r => r.Label));
        Assert.Equal(1 / (1 + Math.Exp(-3)), sigmoid[0].Score, 6);
        Assert.Equal(0.5f, sigmoid[1].Score);
        Assert.Equal(new TextClassificationResult("c", 3f), Assert.Single(none));
    }

    [Fact]
    public void Top_k_zero_gives_nothing_and_equal_scores_keep_the_label_order()
    {
        Assert.Empty(TextClassificationPipeline.Postprocess([1f, 1f, 1f], Labels, topK: 0, ClassificationFunction.Softmax));
        Assert.Equal(["a", "b", "c"], TextClassificationPipeline.Postprocess([1f, 1f, 1f], Labels, topK: 5, ClassificationFunction.Softmax).Select(r => r.Label));
        Assert.Throws<ArgumentException>(() => TextClassificationPipeline.Postprocess([1f], Labels, 1, ClassificationFunction.None));
    }

    [Theory]
    [InlineData(null, 3, ClassificationFunction.Softmax)]
    [InlineData(null, 1, ClassificationFunction.Sigmoid)]
    [InlineData("regression", 1, ClassificationFunction.None)]
    [InlineData("multi_label_classification", 3, ClassificationFunction.Sigmoid)]
    [InlineData("single_label_classification", 3, ClassificationFunction.Softmax)]
    public void The_default_function_follows_HF(string? problemType, int labels, ClassificationFunction expected) =>
        Assert.Equal(expected, TextClassificationPipeline.DefaultFunctionFor(problemType, labels));

    [Fact]
    public void Text_classification_scores_the_models_logits_for_texts_and_pairs()
    {
        var model = new TinyHeadsSeqClsModel();
        var pipeline = new TextClassificationPipeline(model);
        Assert.Equal(ClassificationFunction.Softmax, pipeline.DefaultFunction);
        var tokenizer = model.Tokenizer!;

        FloatTensor single = model.Forward(AlbertInputs.FromEncodings([tokenizer.Encode("And he said")]), AlbertOutputKinds.Logits).Logits!;
        FloatTensor pair = model.Forward(AlbertInputs.FromEncodings([tokenizer.Encode("And he said", "unto them")]), AlbertOutputKinds.Logits).Logits!;

        Assert.Equal(TextClassificationPipeline.Postprocess(single.Row(0), model.Labels, null, ClassificationFunction.Softmax),
            pipeline.Run("And he said", topK: null));
        Assert.Equal(TextClassificationPipeline.Postprocess(pair.Row(0), model.Labels, 2, ClassificationFunction.Sigmoid),
            pipeline.Run("And he said", "unto them", topK: 2, functionToApply: ClassificationFunction.Sigmoid));
        var batch = pipeline.Run(["And he said", "And he said"], ["unto them", "unto them"], topK: null);
        Assert.Equal(pipeline.Run("And he said", "unto them", topK: null).Select(r => r.Label), batch[0].Select(r => r.Label));
        Assert.Single(pipeline.Run("And he said"));
    }

    [SkippableFact]
    public void Sentence_order_scores_the_SOP_logits()
    {
        IAlbertModel model = PipelineModels.WithTokenizer("tiny-groups");
        var pipeline = new SentenceOrderPipeline((ISentenceOrderModel)model);
        const string first = "The cat sat on the mat.", second = "Then it fell asleep.";
        FloatTensor logits = model.Forward(AlbertInputs.FromEncodings([model.Tokenizer!.Encode(first, second)]), AlbertOutputKinds.SopLogits).SopLogits!;

        SentenceOrderResult result = pipeline.Run(first, second);

        double[] p = PipelineModels.Softmax(logits.Row(0));
        Assert.Equal(logits.Row(0).ToArray(), result.Logits);
        Assert.Equal(p[0], result.InOrderScore, 6);
        Assert.Equal(p[1], result.SwappedScore, 6);
        Assert.Equal(p[0] >= p[1], result.InOrder);
        Assert.Equal(result.InOrder ? SentenceOrderResult.InOrderLabel : SentenceOrderResult.SwappedLabel, result.Ranked[0].Label);
        SentenceOrderResult batched = pipeline.Run([(second, first), (first, second)])[1];
        Assert.Equal((result.InOrderScore, result.SwappedScore), (batched.InOrderScore, batched.SwappedScore));
    }

    [Fact]
    public void Multiple_choice_pairs_the_prompt_with_each_choice()
    {
        var model = new TinyHeadsMultipleChoiceModel();
        var pipeline = new MultipleChoicePipeline(model);
        const string prompt = "And he said unto them";
        string[] choices = ["go in peace", "the earth was without form", "amen"];
        var rows = AlbertInputs.FromEncodings(model.Tokenizer!.EncodeBatch(choices.Select(_ => prompt).ToArray(), choices));
        var inputs = AlbertInputs.FromChoices(1, 3, rows.SequenceLength, rows.InputIds, rows.TokenTypeIds, rows.AttentionMask);
        FloatTensor logits = model.Forward(inputs, AlbertOutputKinds.Logits).Logits!;

        var results = pipeline.Run(prompt, choices);

        double[] p = PipelineModels.Softmax(logits.Row(0));
        Assert.Equal(3, results.Count);
        Assert.Equal(results.OrderByDescending(r => r.Score), results);
        foreach (MultipleChoiceResult r in results)
        {
            Assert.Equal(choices[r.Index], r.Choice);
            Assert.Equal(logits[0, r.Index], r.Logit);
            Assert.Equal(p[r.Index], r.Score, 6);
        }
        Assert.Throws<ArgumentException>(() => pipeline.Run(prompt, []));
    }

    [Fact]
    public void Word_ids_follow_the_fast_tokenizers_words()
    {
        const string text = "Go in peace. So he departed (from him)";
        var tokenizer = TinyHeadsTokenClsModel.ModelTokenizer;
        var e = tokenizer.Encode(text);

        int?[] words = PipelineText.WordIds(tokenizer, e, text);

        Assert.Null(words[0]);
        Assert.Null(words[^1]);
        // Each ▁ piece starts a word; ".", "(" and ")" (user-defined symbols, added tokens in HF's fast tokenizer) are
        // words of their own, and so is what follows them.
        string[] byWord = Enumerable.Range(0, e.Length).Where(t => words[t] is not null).GroupBy(t => words[t]!.Value)
            .Select(g => string.Concat(g.Select(t => text[e.Offsets[t].Start..e.Offsets[t].End]))).ToArray();
        Assert.Equal(["Go", " in", " peace", ".", " So", " he", " departed", " ", "(", "from", " him", ")"], byWord);
    }

    [Fact]
    public void Tokens_to_string_drops_the_first_space_only()
    {
        Assert.Equal("hello world", PipelineText.TokensToString(["▁hello", "▁wor", "ld"]));
        Assert.Equal("", PipelineText.TokensToString(["▁"]));
        Assert.Equal("wolfgang", PipelineText.TokensToString(["wolf", "gang"]));
        Assert.Equal("a b", PipelineText.TokensToString(["a", "▁b"]));
    }

    [Fact]
    public void Code_point_indices_count_a_surrogate_pair_once()
    {
        const string text = "a😀b é";
        Assert.Equal(0, PipelineText.ToCodePointIndex(text, 0));
        Assert.Equal(1, PipelineText.ToCodePointIndex(text, 1));
        Assert.Equal(2, PipelineText.ToCodePointIndex(text, 3));
        Assert.Equal(5, PipelineText.ToCodePointIndex(text, 6));
        Assert.Throws<ArgumentOutOfRangeException>(() => PipelineText.ToCodePointIndex(text, 7));
    }
}
