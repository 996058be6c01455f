using System;
using System.Collections.Generic;
using System.IO;
using AlbertAot.Pipelines;
using AlbertAot.Tests.Fixtures;
using AlbertAot.Tests.Pipelines;
using Xunit;

namespace AlbertAot.Tests.Heads;

/// <summary>The README's five-line examples of the downstream tasks, on the fixture models standing in for the README's classes.</summary>
public class ReadmeExampleTests
{
    [Fact]
    public void Caller_buffers_and_footprint()
    {
        var model = new TinyV1Model();
        var inputs = AlbertInputs.FromRows(inputIds: [[2, 10, 31, 22, 21, 4, 19, 9, 3]], tokenTypeIds: null, attentionMask: null);
        AlbertOutputBuffers buffers = AlbertOutputBuffers.Allocate(model, inputs, AlbertOutputKinds.LastHiddenState);
        model.Forward(inputs, buffers);
        var memory = TinyV1Model.Footprint(maxSequenceLength: System.Math.Min(128, TinyV1Model.MaxPositionEmbeddings));
        Assert.Equal(model.Forward(inputs, AlbertOutputKinds.LastHiddenState).LastHiddenState!.Data, buffers.LastHiddenState.ToArray());
        Assert.True(memory.ActivationBytes > 0);
    }

    [Fact]
    public void Text_classification()
    {
        var classify = new TextClassificationPipeline(new TinyHeadsSeqClsModel());
        TextClassificationResult best = classify.Run("I love this movie")[0];
        IReadOnlyList<TextClassificationResult> all = classify.Run("I love it", "so much", topK: null);
        var raw = classify.Run("meh", topK: 2, functionToApply: ClassificationFunction.None);
        Assert.Contains(best.Label, TinyHeadsSeqClsModel.ModelLabels);
        Assert.Equal(3, all.Count);
        Assert.Equal(2, raw.Count);
    }

    [Fact]
    public void Token_classification()
    {
        var ner = new TokenClassificationPipeline(new TinyHeadsTokenClsModel());
        const string text = "My name is Wolfgang and I live in Berlin";
        var lines = new StringWriter();
        foreach (TokenClassificationEntity e in ner.Run(text, AggregationStrategy.First))
            lines.WriteLine($"{e.Entity} {e.Word} {e.Score:F3} '{text[e.Start..e.End]}'");
        Assert.NotEmpty(lines.ToString());
    }

    [Fact]
    public void Question_answering()
    {
        var qa = new QuestionAnsweringPipeline(new TinyHeadsQaModel());
        string context = "My name is Wolfgang and I live in Berlin.";
        QuestionAnsweringAnswer a = qa.Run("Where do I live?", context)[0];
        var top3 = qa.Run("Where do I live?", context, topK: 3, maxSeqLength: 64, docStride: 8, handleImpossibleAnswer: true);
        Assert.Equal(context[a.Start..a.End], a.Answer);
        Assert.Equal(3, top3.Count);
    }

    [SkippableFact]
    public void Sentence_order()
    {
        var sop = new SentenceOrderPipeline((ISentenceOrderModel)PipelineModels.WithTokenizer("tiny-groups"));
        SentenceOrderResult r = sop.Run("The cat sat on the mat.", "Then it fell asleep.");
        Assert.Equal(1.0, r.InOrderScore + r.SwappedScore, 5);
    }

    [Fact]
    public void Multiple_choice()
    {
        var choose = new MultipleChoicePipeline(new TinyHeadsMultipleChoiceModel());
        MultipleChoiceResult best = choose.Run("The sky is", ["blue", "made of cheese"])[0];
        var inputs = AlbertInputs.FromChoices(1, 2, 3, new long[] { 2, 10, 3, 2, 11, 3 }, null, null);
        FloatTensor logits = new TinyHeadsMultipleChoiceModel().Forward(inputs, AlbertOutputKinds.Logits).Logits!;
        Assert.InRange(best.Index, 0, 1);
        Assert.Equal([1, 2], logits.Shape);
    }
}
