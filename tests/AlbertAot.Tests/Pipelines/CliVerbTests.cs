using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using AlbertAot.Pipelines;
using AlbertAot.Tests.Fixtures;
using Xunit;

namespace AlbertAot.Tests.Pipelines;

/// <summary>The fill-mask, embed and pipeline verbs of AlbertCli, in-process (the model card check runs the program).</summary>
public sealed class CliVerbTests
{
    [SkippableFact]
    public void Fill_mask_prints_HFs_list_for_one_mask_and_a_list_of_lists_for_several()
    {
        IAlbertModel model = PipelineModels.WithTokenizer("tiny-v1");
        var pipeline = new FillMaskPipeline(model);

        JsonElement one = RunFillMask(model, "Hello I'm a [MASK] model.", "--top-k", "3");
        JsonElement two = RunFillMask(model, "Then [MASK] ABRAHAM took [MASK] wife.");

        AssertCandidates(pipeline.RunSingleMask("Hello I'm a [MASK] model.", 3), one);
        var perMask = pipeline.Run("Then [MASK] ABRAHAM took [MASK] wife.");
        Assert.Equal(2, two.GetArrayLength());
        for (int m = 0; m < 2; m++) AssertCandidates(perMask[m], two[m]);
    }

    [SkippableFact]
    public void Fill_mask_takes_comma_separated_targets_and_logs_HFs_warnings()
    {
        IAlbertModel model = PipelineModels.WithTokenizer("tiny-v1");
        var log = new StringWriter();

        JsonElement output = RunFillMask(model, log, "Hello I'm a [MASK] model.", "--targets", "king,LORD,▁the");

        Assert.Equal(3, output.GetArrayLength());
        Assert.Equal(new[] { 14, 1068, 1581 }, output.EnumerateArray().Select(c => c.GetProperty("token").GetInt32()).Order());
        Assert.Contains("warning: The specified target token `LORD` does not exist in the model vocabulary. Replacing with `▁lord`.", log.ToString());
    }

    [SkippableFact]
    public void Fill_mask_rejects_bad_command_lines_with_the_usage()
    {
        IAlbertModel model = PipelineModels.WithTokenizer("tiny-v1");

        Assert.Contains("takes one text", Assert.Throws<ArgumentException>(() => CliVerbs.FillMask([], model, new StringWriter())).Message);
        Assert.Contains("unknown option '--top'", Assert.Throws<ArgumentException>(() => CliVerbs.FillMask(["a [MASK]", "--top", "3"], model, new StringWriter())).Message);
        Assert.Contains("--top-k takes a whole number", Assert.Throws<ArgumentException>(() => CliVerbs.FillMask(["a [MASK]", "--top-k", "x"], model, new StringWriter())).Message);
        Assert.Contains("needs a value", Assert.Throws<ArgumentException>(() => CliVerbs.FillMask(["a [MASK]", "--top-k"], model, new StringWriter())).Message);
        Assert.Contains("has no [MASK]", Assert.Throws<ArgumentException>(() => CliVerbs.FillMask(["no mask"], model, new StringWriter())).Message);
        Assert.Contains("MLM head", Assert.Throws<InvalidOperationException>(() => CliVerbs.FillMask(["a [MASK]"], new TinyHeadsBaseModel(), new StringWriter())).Message);
    }

    [SkippableFact]
    public void Threads_give_the_same_output_as_one_thread_and_bad_counts_are_refused()
    {
        IAlbertModel model = PipelineModels.WithTokenizer("tiny-v1");
        var one = new StringWriter();
        var two = new StringWriter();
        CliVerbs.FillMask(["Then [MASK] ABRAHAM took [MASK] wife."], model, one);
        CliVerbs.FillMask(["Then [MASK] ABRAHAM took [MASK] wife.", "--threads", "2"], model, two);
        Assert.Equal(one.ToString(), two.ToString()); // bit-identical scores through a 2-thread session

        var baseModel = new TinyHeadsBaseModel();
        var embedOne = new StringWriter();
        var embedThree = new StringWriter();
        CliVerbs.Embed(["In the beginning"], baseModel, embedOne);
        CliVerbs.Embed(["In the beginning", "--threads", "3"], baseModel, embedThree);
        Assert.Equal(embedOne.ToString(), embedThree.ToString());

        Assert.Contains("--threads takes a whole number from 1 to 256", Assert.Throws<ArgumentException>(() => CliVerbs.FillMask(["a [MASK]", "--threads", "0"], model, new StringWriter())).Message);
        Assert.Contains("--threads takes a whole number", Assert.Throws<ArgumentException>(() => CliVerbs.Embed(["a", "--threads", "two"], baseModel, new StringWriter())).Message);
    }

    [Fact]
    public void Embed_prints_the_features_of_a_text_or_pair_exactly()
    {
        var model = new TinyHeadsBaseModel();
        FeatureExtractionResult expected = new FeatureExtractionPipeline(model).Run("In the beginning", "God created");
        var output = new StringWriter();

        Assert.Equal(0, CliVerbs.Embed(["In the beginning", "--pair", "God created"], model, output));

        using JsonDocument document = JsonDocument.Parse(output.ToString());
        JsonElement root = document.RootElement;
        Assert.Equal(["last_hidden_state", "pooler_output"], root.EnumerateObject().Select(p => p.Name));
        JsonElement hidden = root.GetProperty("last_hidden_state");
        Assert.Equal(expected.InputIds.Count, hidden.GetArrayLength());
        // Written as the double each float32 is: reads back to the very same float.
        Assert.Equal(expected.LastHiddenState.Data, hidden.EnumerateArray().SelectMany(row => row.EnumerateArray()).Select(v => (float)v.GetDouble()));
        Assert.Equal(expected.PoolerOutput!.Data, root.GetProperty("pooler_output").EnumerateArray().Select(v => (float)v.GetDouble()));
        Assert.Contains("unknown option", Assert.Throws<ArgumentException>(() => CliVerbs.Embed(["x", "--pairs", "y"], model, new StringWriter())).Message);
    }

    [Fact]
    public void Pipeline_answers_each_line_and_reports_bad_ones_without_stopping()
    {
        var model = new TinyHeadsBaseModel();
        const string input = """
            {"id": 1, "pipeline": "feature-extraction", "inputs": "And"}
            not json
            {"id": "b", "pipeline": "feature-extraction"}
            {"id": "c", "pipeline": "fill-mask", "inputs": "a [MASK]"}
            {"id": "d", "pipeline": "feature-extraction", "inputs": "And", "parameters": {"top_k": 3}}

            {"id": "e", "pipeline": "feature-extraction", "inputs": ["And", {"text": "And", "text_pair": "the earth"}], "parameters": {"truncation": true}}
            {"id": "f", "pipeline": "question-answering", "inputs": {"question": "q", "context": "c"}}
            {"id": "g", "pipeline": "feature-extraction", "inputs": "In the beginning God created", "parameters": {"tokenize_kwargs": {"truncation": true, "max_length": 4}}}
            """;
        var output = new StringWriter();

        int status = CliVerbs.Pipeline(new StringReader(input), output, model);

        Assert.Equal(1, status);
        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(8, lines.Length);
        JsonElement[] answers = lines.Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToArray();
        var pipeline = new FeatureExtractionPipeline(model);

        Assert.Equal(["id", "output"], answers[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, answers[0].GetProperty("id").GetInt32());
        AssertHfFeatures(pipeline.Run("And"), answers[0].GetProperty("output"));
        Assert.StartsWith("line 2 is not JSON", answers[1].GetProperty("error").GetString());
        Assert.Equal("{\"id\":\"b\",\"error\":\"\\\"inputs\\\" is missing\"}", lines[2]);
        Assert.StartsWith("pipeline fill-mask is not supported by this model: Fill-mask needs the MLM head", answers[3].GetProperty("error").GetString());
        Assert.Contains("not \"top_k\"", answers[4].GetProperty("error").GetString());
        JsonElement list = answers[5].GetProperty("output");
        Assert.Equal(2, list.GetArrayLength());
        AssertHfFeatures(pipeline.Run("And"), list[0]);
        AssertHfFeatures(pipeline.Run("And", "the earth"), list[1]);
        Assert.Equal("f", answers[6].GetProperty("id").GetString());
        Assert.Equal("pipeline question-answering is not supported by this model: checkpoint 'tiny-heads-base' has no question-answering head (its heads: Pooler)",
            answers[6].GetProperty("error").GetString());
        Assert.Equal(4, answers[7].GetProperty("output")[0].GetArrayLength());
    }

    [SkippableFact]
    public void Pipeline_fill_mask_takes_a_list_of_texts_and_HFs_parameters()
    {
        IAlbertModel model = PipelineModels.WithTokenizer("tiny-v1");
        var pipeline = new FillMaskPipeline(model);
        const string input = """
            {"id": "x", "pipeline": "fill-mask", "inputs": ["Hello I'm a [MASK] model.", "[MASK] and [MASK]"], "parameters": {"top_k": 2, "targets": "king"}}
            {"id": "y", "pipeline": "fill-mask", "inputs": "Hello I'm a [MASK] model.", "parameters": {"top_k": null, "targets": null}}
            {"id": "z", "pipeline": "fill-mask", "inputs": "Hello I'm a model."}
            """;
        var output = new StringWriter();

        int status = CliVerbs.Pipeline(new StringReader(input), output, model);

        Assert.Equal(1, status);
        JsonElement[] answers = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToArray();
        JsonElement x = answers[0].GetProperty("output");
        Assert.Equal(2, x.GetArrayLength());
        AssertCandidates(pipeline.RunSingleMask("Hello I'm a [MASK] model.", 2, ["king"]), x[0]);
        Assert.Equal(2, x[1].GetArrayLength());
        AssertCandidates(pipeline.Run("[MASK] and [MASK]", 2, ["king"])[1], x[1][1]);
        AssertCandidates(pipeline.RunSingleMask("Hello I'm a [MASK] model."), answers[1].GetProperty("output"));
        Assert.Contains("has no [MASK]", answers[2].GetProperty("error").GetString());
    }

    private static JsonElement RunFillMask(IAlbertModel model, params string[] args) => RunFillMask(model, null, args);

    private static JsonElement RunFillMask(IAlbertModel model, TextWriter? log, params string[] args)
    {
        var output = new StringWriter();
        Assert.Equal(0, CliVerbs.FillMask(args, model, output, log));
        return JsonDocument.Parse(output.ToString()).RootElement.Clone();
    }

    /// <summary>HF's dicts, key order included, with the library's values (scores as the exact float32).</summary>
    private static void AssertCandidates(IReadOnlyList<FillMaskResult> expected, JsonElement actual)
    {
        Assert.Equal(expected.Count, actual.GetArrayLength());
        for (int i = 0; i < expected.Count; i++)
        {
            JsonElement c = actual[i];
            Assert.Equal(["score", "token", "token_str", "sequence"], c.EnumerateObject().Select(p => p.Name));
            Assert.Equal(expected[i].Score, (float)c.GetProperty("score").GetDouble());
            Assert.Equal(expected[i].Token, c.GetProperty("token").GetInt32());
            Assert.Equal(expected[i].TokenStr, c.GetProperty("token_str").GetString());
            Assert.Equal(expected[i].Sequence, c.GetProperty("sequence").GetString());
        }
    }

    private static void AssertHfFeatures(FeatureExtractionResult expected, JsonElement actual)
    {
        Assert.Equal(1, actual.GetArrayLength());
        Assert.Equal(expected.InputIds.Count, actual[0].GetArrayLength());
        Assert.Equal(expected.LastHiddenState.Data, actual[0].EnumerateArray().SelectMany(row => row.EnumerateArray()).Select(v => (float)v.GetDouble()));
    }
}
