using System;
using System.Collections.Generic;
using System.Linq;
using AlbertAot.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace AlbertAot.Generator.Tests;

/// <summary>
/// Which head a checkpoint compiles with: config.architectures[0] and the tensors present (classifier.* is ambiguous and
/// only the architecture, or Heads = on the attribute, says which head it is), the interfaces the class then implements,
/// its labels, and what the emitted head code reads.
/// </summary>
public class HeadDetectionTests
{
    private static GeneratorRun Generate(Checkpoint checkpoint, string? source = null) =>
        (source is null ? GeneratorHarness.Run(checkpoint) : GeneratorHarness.Run(checkpoint, source)).AssertGeneratesAndCompiles();

    private static string[] Interfaces(GeneratedModel model) =>
        model.Type.Interfaces.Select(i => i.Name).Where(n => n != "IAlbertModel").Order(StringComparer.Ordinal).ToArray();

    private static int HeadsValue(params string[] names) => names.Aggregate(0, (v, n) => v | (int)Enum.Parse<AlbertAot.AlbertHeads>(n));

    [Theory]
    [InlineData("seq-cls", "ISequenceClassificationModel", "classifier.weight", 3, new[] { "Pooler", "SequenceClassification" })]
    [InlineData("token-cls", "ITokenClassificationModel", "classifier.weight", 5, new[] { "TokenClassification" })]
    [InlineData("qa", "IQuestionAnsweringModel", "qa_outputs.weight", 2, new[] { "QuestionAnswering" })]
    [InlineData("multiple-choice", "IMultipleChoiceModel", "classifier.weight", 1, new[] { "Pooler", "MultipleChoice" })]
    public void The_shared_head_fixtures_compile_with_their_head(string head, string iface, string weight, int outputs, string[] heads)
    {
        GeneratorRun run = Generate(TinyHeadsFixture.Checkpoint(head), GeneratorHarness.ModelSource(head));
        var model = new GeneratedModel(run);

        Assert.Equal([iface], Interfaces(model));
        Assert.Equal(HeadsValue(heads), model.Constant("ModelHeads"));
        GeneratedTensor table = model.TensorTable().Single(t => t.Field == "TaskClassifierWeight");
        Assert.Equal((weight, outputs * 32L), (table.Name, table.ElementCount));
        Assert.Contains($"global::AlbertAot.Kernels.Linear.Forward(rows, head.Weight.Span, head.Bias.Span, logits, count, HiddenSize, {outputs});", run.Source);
        Assert.Equal(heads.Contains("Pooler"), model.TensorTable().Any(t => t.Field == "PoolerWeight"));
    }

    [Fact]
    public void Labels_come_from_id2label_in_index_order()
    {
        var seq = new GeneratedModel(Generate(TinyHeadsFixture.Checkpoint("seq-cls"), GeneratorHarness.ModelSource("seq-cls")));
        var token = new GeneratedModel(Generate(TinyHeadsFixture.Checkpoint("token-cls"), GeneratorHarness.ModelSource("token-cls")));

        Assert.Equal(3, seq.Constant("NumLabels"));
        Assert.Contains("\"negative\",\n        \"neutral\",\n        \"positive\",", seq.Source);
        Assert.Contains("\"I-LOC\",\n        \"B-PER\",\n        \"I-PER\",\n        \"O\",\n        \"B-LOC\",", token.Source);
        Assert.Contains("public string? ProblemType => null;", seq.Source);
        Assert.DoesNotContain("ProblemType", token.Source);
    }

    [Fact]
    public void The_same_classifier_tensors_are_the_head_the_architecture_names()
    {
        static CheckpointBuilder With(string architecture) =>
            new CheckpointBuilder("m", Configs.With(Configs.Tiny, ("architectures", new[] { architecture })))
                .WithExtraTensor("classifier.weight", "F32", 2, 16).WithExtraTensor("classifier.bias", "F32", 2);

        var seq = new GeneratedModel(Generate(With("AlbertForSequenceClassification").Build()));
        var token = new GeneratedModel(Generate(With("AlbertForTokenClassification").Build()));

        Assert.Equal(["ISequenceClassificationModel"], Interfaces(seq));
        Assert.Equal(["ITokenClassificationModel"], Interfaces(token));
        Assert.Contains("// classifier on the pooled output: H = 16 → 2 labels.", seq.Source);
        Assert.Contains("// classifier on every token: H = 16 → 2 labels.", token.Source);
        // Default labels: HF's LABEL_0, LABEL_1 for a config without id2label.
        Assert.Contains("\"LABEL_0\",\n        \"LABEL_1\",", seq.Source);
        // The MLM head and the pooler stay: an AlbertForSequenceClassification checkpoint with predictions.* compiles both.
        Assert.Equal(HeadsValue("Pooler", "MaskedLM", "SequenceClassification"), seq.Constant("ModelHeads"));
    }

    [Fact]
    public void Heads_on_the_attribute_compiles_a_head_the_architecture_does_not_name()
    {
        Checkpoint checkpoint = new CheckpointBuilder("m", Configs.With(Configs.Tiny, ("num_labels", 4)))
            .WithExtraTensor("classifier.weight", "F32", 4, 16).WithExtraTensor("classifier.bias", "F32", 4).WithSop().Build();
        const string source = "[AlbertAot.AlbertModel(\"m\", Heads = AlbertAot.AlbertHeads.TokenClassification | AlbertAot.AlbertHeads.SentenceOrder)] public partial class M;";

        var model = new GeneratedModel(Generate(checkpoint, source));

        Assert.Equal(["ISentenceOrderModel", "ITokenClassificationModel"], Interfaces(model));
        Assert.Equal(4, model.Constant("NumLabels"));
        Assert.Contains("\"LABEL_3\",", model.Source);
        Assert.Contains(model.TensorTable(), t => t.Field == "SopClassifierWeight" && t.Name == "sop_classifier.classifier.weight");
    }

    [Fact]
    public void Pretraining_compiles_the_sentence_order_head_with_the_MLM_head()
    {
        GeneratorRun run = Generate(TinyGroupsFixture.Checkpoint(), GeneratorHarness.ModelSource("tiny-groups"));
        var model = new GeneratedModel(run);

        Assert.Equal(["ISentenceOrderModel"], Interfaces(model));
        Assert.Equal(HeadsValue("Pooler", "MaskedLM", "SentenceOrder"), model.Constant("ModelHeads"));
        Assert.Contains("protected override void RunSopHead(", run.Source);
        Assert.DoesNotContain("RunTaskHead", run.Source);
        Assert.Empty(model.Type.GetMembers("NumLabels"));
    }

    [Fact]
    public void Labels_are_written_as_escaped_literals()
    {
        var labels = new Dictionary<string, string> { ["0"] = "say \"hi\"", ["1"] = "a\\b", ["2"] = "Ünïcödé\n" };
        string config = Configs.With(Configs.Tiny, ("architectures", new[] { "AlbertForTokenClassification" }), ("id2label", labels));
        Checkpoint checkpoint = new CheckpointBuilder("m", config).WithExtraTensor("classifier.weight", "F32", 3, 16)
            .WithExtraTensor("classifier.bias", "F32", 3).Build();

        GeneratorRun run = Generate(checkpoint);

        Assert.Contains("\"say \\\"hi\\\"\",", run.Source);
        Assert.Contains("\"a\\\\b\",", run.Source);
        Assert.Contains("\"Ünïcödé\\n\",", run.Source);
    }

    [Fact]
    public void Problem_type_is_compiled_for_sequence_classification()
    {
        string config = Configs.With(Configs.Tiny, ("architectures", new[] { "AlbertForSequenceClassification" }), ("problem_type", "multi_label_classification"));
        Checkpoint checkpoint = new CheckpointBuilder("m", config).WithExtraTensor("classifier.weight", "F32", 2, 16)
            .WithExtraTensor("classifier.bias", "F32", 2).Build();
        Assert.Contains("public string? ProblemType => \"multi_label_classification\";", Generate(checkpoint).Source);
    }

    [Theory]
    [InlineData("Labels")]
    [InlineData("ModelHeads")]
    [InlineData("NumLabels")]
    public void A_class_named_like_a_head_member_is_refused(string name)
    {
        GeneratorRun run = GeneratorHarness.Run(new CheckpointBuilder("m", Configs.Tiny).Build(), GeneratorHarness.ModelSource("m", name));
        Assert.Contains($"the generated model adds a member named '{name}'", GeneratorRun.Message(run.Single("ALB0016")));
    }

    [Fact]
    public void A_checkpoint_without_heads_keeps_its_old_loader()
    {
        GeneratorRun run = Generate(new CheckpointBuilder("m", Configs.Tiny).Build());
        Assert.Contains("return new global::AlbertAot.Weights.AlbertWeights(embeddings, groups, pooler, mlmHead);", run.Source);
        Assert.Empty(new GeneratedModel(run).Type.Interfaces.Where(i => i.Name != "IAlbertModel"));
    }
}
