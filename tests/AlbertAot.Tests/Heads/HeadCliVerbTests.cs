using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using AlbertAot.Pipelines;
using AlbertAot.Tests.Fixtures;
using AlbertAot.Tests.Pipelines;
using Xunit;

namespace AlbertAot.Tests.Heads;

/// <summary>
/// The task-head verbs of AlbertCli (samples/AlbertCli/HeadCommands.cs, compiled into this assembly), called in-process:
/// JSON shaped as HF's pipelines return it, and a clear error on a model without the head.
/// </summary>
public class HeadCliVerbTests
{
    private static JsonElement Run(Func<string[], IAlbertModel, TextWriter, int> verb, IAlbertModel model, params string[] args)
    {
        var output = new StringWriter();
        Assert.Equal(0, verb(args, model, output));
        return JsonDocument.Parse(output.ToString()).RootElement.Clone();
    }

    [Fact]
    public void Classify_writes_HFs_shapes()
    {
        var model = new TinyHeadsSeqClsModel();
        var pipeline = new TextClassificationPipeline(model);

        JsonElement legacy = Run(AlbertCli.HeadCommands.Classify, model, "And he said");
        JsonElement pair = Run(AlbertCli.HeadCommands.Classify, model, "And he said", "--pair", "unto them");
        JsonElement all = Run(AlbertCli.HeadCommands.Classify, model, "And he said", "--top-k", "all", "--function-to-apply", "none");

        TextClassificationResult best = pipeline.Run("And he said")[0];
        Assert.Equal(JsonValueKind.Array, legacy.ValueKind);
        Assert.Equal(best.Label, legacy[0].GetProperty("label").GetString());
        Assert.Equal(best.Score, legacy[0].GetProperty("score").GetSingle());
        Assert.Equal(JsonValueKind.Object, pair.ValueKind);
        Assert.Equal(3, all.GetArrayLength());
        Assert.Equal(pipeline.Run("And he said", topK: null, functionToApply: ClassificationFunction.None).Select(r => r.Label),
            all.EnumerateArray().Select(r => r.GetProperty("label").GetString()));
    }

    [Fact]
    public void Pipeline_text_classification_takes_HFs_input_shapes()
    {
        const string input = """
            {"id": 1, "pipeline": "text-classification", "inputs": "And he said"}
            {"id": 2, "pipeline": "text-classification", "inputs": {"text": "And he said"}}
            {"id": 3, "pipeline": "text-classification", "inputs": {"text": "And he said", "text_pair": "unto them"}, "parameters": {"top_k": 1}}
            {"id": 4, "pipeline": "text-classification", "inputs": ["And he said", {"text": "And", "text_pair": "he said"}]}
            {"id": 5, "pipeline": "text-classification", "inputs": ["And he said"], "parameters": {"top_k": null, "function_to_apply": "sigmoid"}}
            {"id": 6, "pipeline": "text-classification", "inputs": "And he said", "parameters": {"function_to_apply": "cosine"}}
            {"id": 7, "pipeline": "token-classification", "inputs": ["And he said", "unto them"], "parameters": {"ignore_labels": []}}
            {"id": 8, "pipeline": "question-answering", "inputs": [{"question": "Who?", "context": "And he said"}], "parameters": {"top_k": 2}}
            {"id": 9, "pipeline": "question-answering", "inputs": [{"question": "Who?", "context": "And he said"}, {"question": "Who?", "context": "unto them"}]}
            """;
        var classifier = new TinyHeadsSeqClsModel();
        JsonElement[] answers = RunPipeline(input, classifier).Take(6)
            .Concat(RunPipeline(input, new TinyHeadsTokenClsModel()).Skip(6).Take(1))
            .Concat(RunPipeline(input, new TinyHeadsQaModel()).Skip(7)).ToArray();

        Assert.Equal(JsonValueKind.Array, answers[0].GetProperty("output").ValueKind);   // a text: [ {label, score} ]
        Assert.Equal(JsonValueKind.Object, answers[1].GetProperty("output").ValueKind);  // a {"text"} dict: the bare dict
        Assert.Equal(1, answers[2].GetProperty("output").GetArrayLength());              // top_k given: a list
        Assert.All(answers[3].GetProperty("output").EnumerateArray(), r => Assert.Equal(JsonValueKind.Object, r.ValueKind));
        Assert.Equal(3, answers[4].GetProperty("output")[0].GetArrayLength());           // top_k null: every label
        Assert.Contains("sigmoid, softmax or none", answers[5].GetProperty("error").GetString());
        Assert.Equal(2, answers[6].GetProperty("output").GetArrayLength());              // one list of tokens per text
        Assert.Equal(2, answers[7].GetProperty("output").GetArrayLength());              // one example: its answers
        Assert.Equal(JsonValueKind.Object, answers[8].GetProperty("output")[0].ValueKind); // two examples: one answer each
    }

    private static JsonElement[] RunPipeline(string input, IAlbertModel model)
    {
        var output = new StringWriter();
        CliVerbs.Pipeline(new StringReader(input), output, model);
        return output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToArray();
    }

    [Fact]
    public void Ner_writes_entities_with_character_offsets()
    {
        var model = new TinyHeadsTokenClsModel();
        const string text = "My name is Wolfgang and I live in Berlin";

        JsonElement tokens = Run(AlbertCli.HeadCommands.Ner, model, text, "--ignore-labels", "");
        JsonElement groups = Run(AlbertCli.HeadCommands.Ner, model, text, "--aggregation-strategy", "first");

        var expected = new TokenClassificationPipeline(model).Run(text, AggregationStrategy.None, []);
        Assert.Equal(expected.Count, tokens.GetArrayLength());
        Assert.Equal(["entity", "score", "index", "word", "start", "end"], tokens[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal(expected.Select(e => e.Start), tokens.EnumerateArray().Select(e => e.GetProperty("start").GetInt32()));
        Assert.All(groups.EnumerateArray(), g => Assert.Equal(["entity_group", "score", "word", "start", "end"], g.EnumerateObject().Select(p => p.Name)));
    }

    [Fact]
    public void Qa_writes_one_answer_as_a_dict_and_several_as_a_list()
    {
        var model = new TinyHeadsQaModel();
        const string context = "My name is Wolfgang and I live in Berlin.";

        JsonElement one = Run(AlbertCli.HeadCommands.Qa, model, "--question", "Where do I live?", "--context", context);
        JsonElement three = Run(AlbertCli.HeadCommands.Qa, model, "--question", "Where do I live?", "--context", context, "--top-k", "3",
            "--max-seq-len", "16", "--doc-stride", "3", "--handle-impossible-answer");

        var best = new QuestionAnsweringPipeline(model).Run("Where do I live?", context)[0];
        Assert.Equal(JsonValueKind.Object, one.ValueKind);
        Assert.Equal(best.Answer, one.GetProperty("answer").GetString());
        Assert.Equal(context[one.GetProperty("start").GetInt32()..one.GetProperty("end").GetInt32()], one.GetProperty("answer").GetString());
        Assert.Equal(3, three.GetArrayLength());
    }

    [SkippableFact]
    public void Sop_writes_both_orders_best_first()
    {
        IAlbertModel model = PipelineModels.WithTokenizer("tiny-groups");
        JsonElement result = Run(AlbertCli.HeadCommands.Sop, model, "The cat sat on the mat.", "Then it fell asleep.");
        Assert.Equal(["in_order", "swapped"], result.EnumerateArray().Select(r => r.GetProperty("label").GetString()).Order(StringComparer.Ordinal));
        Assert.True(result[0].GetProperty("score").GetDouble() >= result[1].GetProperty("score").GetDouble());
    }

    [Fact]
    public void Choose_writes_every_choice_best_first()
    {
        JsonElement result = Run(AlbertCli.HeadCommands.Choose, new TinyHeadsMultipleChoiceModel(), "And he said", "go", "stay", "amen");
        Assert.Equal(3, result.GetArrayLength());
        Assert.Equal(["amen", "go", "stay"], result.EnumerateArray().Select(r => r.GetProperty("choice").GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(1.0, result.EnumerateArray().Sum(r => r.GetProperty("score").GetDouble()), 5);
    }

    [Fact]
    public void A_verb_on_a_model_without_its_head_names_the_head()
    {
        var model = new TinyHeadsBaseModel();
        var e = Assert.Throws<InvalidOperationException>(() => AlbertCli.HeadCommands.Classify(["text"], model, new StringWriter()));
        Assert.Equal("checkpoint 'tiny-heads-base' has no sequence-classification head (its heads: Pooler).", e.Message);
        Assert.Contains("no sentence-order head", Assert.Throws<InvalidOperationException>(() => AlbertCli.HeadCommands.Sop(["a", "b"], model, new StringWriter())).Message);
        Assert.Contains("no multiple-choice head", Assert.Throws<InvalidOperationException>(() => AlbertCli.HeadCommands.Choose(["a", "b"], model, new StringWriter())).Message);
        Assert.Throws<ArgumentException>(() => AlbertCli.HeadCommands.Qa(["--question", "q"], new TinyHeadsQaModel(), new StringWriter()));
        Assert.Throws<ArgumentException>(() => AlbertCli.HeadCommands.Ner(["a", "--nope", "1"], new TinyHeadsTokenClsModel(), new StringWriter()));
    }
}
