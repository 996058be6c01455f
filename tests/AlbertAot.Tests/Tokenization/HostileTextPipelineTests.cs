using System;
using System.Collections.Generic;
using System.Linq;
using AlbertAot.Pipelines;
using AlbertAot.Tests.Fixtures;
using AlbertAot.Tokenization;
using Xunit;

namespace AlbertAot.Tests.Tokenization;

/// <summary>
/// Issue 7's hostile text through every pipeline: each gives its ordinary, finite result (or the documented
/// ArgumentException), with offsets inside the text; text beyond the model's positions is truncated when asked and a
/// clear error when not.
/// </summary>
public class HostileTextPipelineTests
{
    /// <summary>Hostile strings (in code: the test runner's serialisation would replace lone surrogates).</summary>
    private static readonly string[] Texts =
    [
        "", " ", " \t\n\r\u3000\u00a0 ", "[CLS] [SEP] [MASK]", "[SEP][SEP]<pad>", "\uD800", "a\uDC00\uD800b", "hello\uD83D", "\0", "a\0b\u0001c\u007f",
        "\u200b\uFEFF\uFFFD", "😀😀 漢字", "e\u0301\u0301\u0301", "1,000,000,0", "``''``", new string('x', 300),
    ];

    private const string Context = "in the beginning god created the heaven and the earth";

    private static void Finite(IEnumerable<float> values) => Assert.All(values, v => Assert.True(float.IsFinite(v), $"{v} is not finite"));

    [Fact]
    public void Feature_extraction_gives_every_hostile_text_its_tokens_features()
    {
        var model = new TinyHeadsBaseModel();
        var pipeline = new FeatureExtractionPipeline(model);
        AlbertTokenizer tokenizer = TinyHeadsBaseModel.ModelTokenizer;
        foreach (string text in Texts)
        {
            FeatureExtractionResult r = pipeline.Run(text, maxLength: 64);
            Assert.Equal(tokenizer.Encode(text, maxLength: 64).InputIds, r.InputIds);
            Assert.Equal(r.InputIds.Count, r.LastHiddenState.Shape[0]);
            Finite(r.LastHiddenState.Data);
            Finite(r.PoolerOutput!.Data);
            Finite(pipeline.Run(text, text, maxLength: 64).LastHiddenState.Data);
        }
        // One batch of all of them: each as alone.
        IReadOnlyList<FeatureExtractionResult> batch = pipeline.Run(Texts, maxLength: 64);
        for (int i = 0; i < Texts.Length; i++) Assert.Equal(pipeline.Run(Texts[i], maxLength: 64).InputIds, batch[i].InputIds);
    }

    [Fact]
    public void Text_and_token_classification_take_every_hostile_text()
    {
        var classify = new TextClassificationPipeline(new TinyHeadsSeqClsModel());
        var tag = new TokenClassificationPipeline(new TinyHeadsTokenClsModel());
        foreach (string text in Texts)
        {
            IReadOnlyList<TextClassificationResult> labels = classify.Run(text, topK: null, maxLength: 64);
            Assert.Equal(3, labels.Count);
            Finite(labels.Select(l => l.Score));
            Assert.Equal(1, labels.Sum(l => l.Score), 1e-5f);
            foreach (AggregationStrategy strategy in Enum.GetValues<AggregationStrategy>())
            {
                IReadOnlyList<TokenClassificationEntity> entities = tag.Run(text, strategy, ignoreLabels: []);
                Finite(entities.Select(e => e.Score));
                Assert.All(entities, e => Assert.True(0 <= e.Start && e.Start <= e.End && e.End <= text.Length, $"{strategy}: {e} outside the text"));
            }
        }
    }

    [Fact]
    public void Question_answering_and_multiple_choice_take_every_hostile_text()
    {
        var qa = new QuestionAnsweringPipeline(new TinyHeadsQaModel());
        var choose = new MultipleChoicePipeline(new TinyHeadsMultipleChoiceModel());
        foreach (string text in Texts)
        {
            if (text.Length == 0)
            {
                // HF: "`question` cannot be empty", "`context` cannot be empty".
                Assert.Equal("question", Assert.Throws<ArgumentException>(() => qa.Run(text, Context)).ParamName);
                Assert.Equal("context", Assert.Throws<ArgumentException>(() => qa.Run("who", text)).ParamName);
            }
            else
            {
                if (text.Length > 100)
                    Assert.Contains("leaves no room for the context", Assert.Throws<ArgumentException>(() => qa.Run(text, Context)).Message);
                foreach (QuestionAnsweringAnswer a in (text.Length > 100 ? [] : qa.Run(text, Context, topK: 3, handleImpossibleAnswer: true))
                    .Concat(qa.Run("who created the earth", text, topK: 3, handleImpossibleAnswer: true)))
                {
                    Assert.True(float.IsFinite(a.Score));
                    Assert.True(0 <= a.Start && a.Start <= a.End, a.ToString());
                }
                foreach (QuestionAnsweringAnswer a in qa.Run("who created the earth", text, topK: 3))
                {
                    Assert.True(a.End <= text.Length, a.ToString());
                    Assert.Equal(text[a.Start..a.End], a.Answer);
                }
            }
            IReadOnlyList<MultipleChoiceResult> choices = choose.Run(text, [text, "the earth", ""], maxLength: 64);
            Assert.Equal(3, choices.Count);
            Finite(choices.Select(c => c.Score));
        }
    }

    [SkippableFact]
    public void Fill_mask_takes_hostile_text_around_a_mask_and_refuses_text_without_one()
    {
        IAlbertModel model = Pipelines.PipelineModels.WithTokenizer("tiny-v1");
        var fillMask = new FillMaskPipeline(model);
        foreach (string text in Texts)
        {
            bool hasMask = text.Contains("[MASK]");
            if (!hasMask) Assert.Throws<ArgumentException>(() => fillMask.Run(text));
            IReadOnlyList<IReadOnlyList<FillMaskResult>> perMask = fillMask.Run("[MASK] " + text + " [MASK]", maxLength: 64);
            Assert.NotEmpty(perMask);
            Assert.All(perMask, candidates =>
            {
                Assert.Equal(5, candidates.Count);
                Finite(candidates.Select(c => c.Score));
            });
        }
    }

    [Fact]
    public void Text_beyond_the_positions_is_truncated_when_asked_and_a_clear_error_when_not()
    {
        string huge = string.Concat(Enumerable.Repeat("and god said let there be light and there was light ", 20_000)); // ~1 MB
        var features = new FeatureExtractionPipeline(new TinyHeadsBaseModel());
        var classify = new TextClassificationPipeline(new TinyHeadsSeqClsModel());

        Assert.Equal(64, features.Run(huge, maxLength: 64).InputIds.Count);
        Assert.Single(classify.Run(huge, maxLength: 64));
        var e = Assert.Throws<ArgumentException>(() => features.Run(huge));
        Assert.Contains("tokens exceed max_position_embeddings = 64 of 'tiny-heads-base': truncate them", e.Message);
        e = Assert.Throws<ArgumentException>(() => classify.Run(huge));
        Assert.Contains("exceed max_position_embeddings = 64", e.Message);
        e = Assert.Throws<ArgumentException>(() => features.RunIds(Enumerable.Repeat(10, 65).ToArray()));
        Assert.Contains("Sequences of 65 tokens exceed max_position_embeddings = 64", e.Message);

        // Token classification truncates to the model's positions itself, question answering windows the context.
        Assert.NotNull(new TokenClassificationPipeline(new TinyHeadsTokenClsModel()).Run(huge));
        string longContext = huge[..20_000];
        QuestionAnsweringAnswer answer = new QuestionAnsweringPipeline(new TinyHeadsQaModel()).Run("who said", longContext).Single();
        Assert.True(float.IsFinite(answer.Score));
        Assert.Equal(longContext[answer.Start..answer.End], answer.Answer);
    }
}
