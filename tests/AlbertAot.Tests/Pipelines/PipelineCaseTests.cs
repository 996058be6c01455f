using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using AlbertAot.Tests.Fixtures;
using AlbertAot.Tests.Tokenization;
using Xunit;

namespace AlbertAot.Tests.Pipelines;

/// <summary>
/// ../shared/pipeline-cases/public.jsonl: HF's outputs (transformers 4.46.3) for all five pipelines on the fixtures, which
/// must all agree through <c>AlbertCli pipeline</c> run in-process, each case on the fixture model its <c>model</c> field
/// names, within the cases' README tolerances (fill-mask score relative 1e-3, other floats absolute 1e-4, everything
/// else exact, order and offsets included).
/// </summary>
public sealed class PipelineCaseTests
{
    private static readonly string[] Served = ["fill-mask", "feature-extraction", "text-classification", "token-classification", "question-answering"];

    private static readonly Dictionary<string, int> Expected = new()
    {
        ["fill-mask"] = 85, ["feature-extraction"] = 20, ["text-classification"] = 60, ["token-classification"] = 75, ["question-answering"] = 62,
    };

    [SkippableTheory]
    [InlineData("fill-mask")]
    [InlineData("feature-extraction")]
    [InlineData("text-classification")]
    [InlineData("token-classification")]
    [InlineData("question-answering")]
    public void Every_case_agrees_through_the_pipeline_verb(string pipeline)
    {
        List<JsonElement> cases = ReadCases().Where(c => c.GetProperty("pipeline").GetString() == pipeline).ToList();
        Dictionary<string, JsonElement> outputs = RunThroughVerb(cases, out string log);

        int agree = 0;
        var mismatches = new List<string>();
        foreach (JsonElement c in cases)
        {
            string id = c.GetProperty("id").GetString()!;
            string? difference = outputs.TryGetValue(id, out JsonElement answer)
                ? answer.TryGetProperty("output", out JsonElement output)
                    ? Compare(c.GetProperty("expected"), output, "output", relative: pipeline == "fill-mask")
                    : $"error line: {answer.GetRawText()}"
                : "no answer line";
            if (difference is null) agree++;
            else if (mismatches.Count < 10) mismatches.Add($"{id} ({c.GetProperty("model").GetString()}): {difference}");
        }

        Assert.True(mismatches.Count == 0, $"{pipeline} {agree}/{cases.Count}\n{string.Join("\n", mismatches)}\n{log}");
        Assert.Equal(Expected[pipeline], cases.Count);
    }

    [SkippableFact]
    public void The_shared_checker_accepts_the_verbs_answers()
    {
        string checker = TokenizerFiles.RequireShared("tools/check_pipeline_cases.py");
        string? python = FindPython();
        Skip.If(python is null, "python3 is not on PATH (the shared checker is optional).");

        List<JsonElement> served = ReadCases().Where(c => Served.Contains(c.GetProperty("pipeline").GetString())).ToList();
        Dictionary<string, JsonElement> outputs = RunThroughVerb(served, out _);
        string directory = Path.Combine(Path.GetTempPath(), "albertaot-pipeline-cases-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        try
        {
            string subset = Path.Combine(directory, "cases.jsonl"), actual = Path.Combine(directory, "actual.jsonl");
            File.WriteAllLines(subset, served.Select(c => c.GetRawText()));
            File.WriteAllLines(actual, served.Select(c => outputs[c.GetProperty("id").GetString()!].GetRawText()));
            var info = new ProcessStartInfo(python!, $"\"{checker}\" \"{subset}\" \"{actual}\"") { RedirectStandardOutput = true, RedirectStandardError = true };
            using Process process = Process.Start(info)!;
            string report = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, report);
            Assert.Contains("fill-mask                85/85", report);
            Assert.Contains("feature-extraction       20/20", report);
            Assert.Contains("text-classification      60/60", report);
            Assert.Contains("token-classification     75/75", report);
            Assert.Contains("question-answering       62/62", report);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [SkippableFact]
    public void A_model_without_the_head_gets_an_error_line_naming_the_pipeline()
    {
        // tiny-heads/base is a bare AlbertModel: every task pipeline needs a head it lacks, fill-mask the MLM head.
        List<JsonElement> others = ReadCases().Where(c => c.GetProperty("pipeline").GetString() != "feature-extraction").ToList();
        Assert.NotEmpty(others);
        var input = new StringBuilder();
        foreach (JsonElement c in others) input.Append(Request(c)).Append('\n');
        var output = new StringWriter();

        int status = CliVerbs.Pipeline(new StringReader(input.ToString()), output, new TinyHeadsBaseModel());

        Assert.Equal(1, status);
        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(others.Count, lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            using JsonDocument answer = JsonDocument.Parse(lines[i]);
            Assert.Equal(others[i].GetProperty("id").GetString(), answer.RootElement.GetProperty("id").GetString());
            string error = answer.RootElement.GetProperty("error").GetString()!;
            Assert.StartsWith($"pipeline {others[i].GetProperty("pipeline").GetString()} is not supported by this model: ", error);
            Assert.Contains("tiny-heads-base", error);
        }
    }

    [Fact]
    public void An_unknown_pipeline_gets_an_error_line_naming_it()
    {
        var output = new StringWriter();
        int status = CliVerbs.Pipeline(new StringReader("{\"id\": \"x\", \"pipeline\": \"summarization\", \"inputs\": \"text\"}\n"), output, new TinyHeadsBaseModel());
        Assert.Equal(1, status);
        using JsonDocument answer = JsonDocument.Parse(output.ToString());
        Assert.Equal("pipeline summarization is not supported by this model", answer.RootElement.GetProperty("error").GetString());
    }

    /// <summary>Each case's request (without its expected output) through the verb, on the model its line names.</summary>
    private static Dictionary<string, JsonElement> RunThroughVerb(List<JsonElement> cases, out string log)
    {
        var answers = new Dictionary<string, JsonElement>();
        var logs = new StringBuilder();
        foreach (IGrouping<string, JsonElement> group in cases.GroupBy(c => c.GetProperty("model").GetString()!))
        {
            Assert.True(FixtureCases.Models.ContainsKey(group.Key), $"no fixture model for '{group.Key}'");
            IAlbertModel model = FixtureCases.Models[group.Key]();
            Skip.If(model.Tokenizer is null,
                $"fixture '{group.Key}' was compiled without a tokenizer: ../shared/albert/spiece.model (ALBERT's real 30k-clean.model) is absent.");
            var input = new StringBuilder();
            foreach (JsonElement c in group) input.Append(Request(c)).Append('\n');
            var output = new StringWriter();
            var log_ = new StringWriter();
            CliVerbs.Pipeline(new StringReader(input.ToString()), output, model, log_);
            logs.Append(log_);
            foreach (string line in output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                JsonElement answer = JsonDocument.Parse(line).RootElement.Clone();
                answers[answer.GetProperty("id").GetString()!] = answer;
            }
        }
        log = logs.ToString();
        return answers;
    }

    /// <summary>The line a client sends: the case without its expected output and tags.</summary>
    private static string Request(JsonElement c)
    {
        var request = new Dictionary<string, JsonElement>();
        foreach (string key in new[] { "id", "pipeline", "model", "inputs", "parameters" })
            if (c.TryGetProperty(key, out JsonElement value)) request[key] = value;
        return JsonSerializer.Serialize(request);
    }

    private static List<JsonElement> ReadCases() =>
        File.ReadAllLines(TokenizerFiles.RequireShared("pipeline-cases/public.jsonl"))
            .Where(l => l.Trim().Length > 0)
            .Select(l => JsonDocument.Parse(l).RootElement.Clone())
            .ToList();

    /// <summary>../shared/tools/check_pipeline_cases.py's comparison: null when equal within tolerance.</summary>
    internal static string? Compare(JsonElement expected, JsonElement actual, string path, bool relative, double atol = 1e-4, double rtol = 1e-3)
    {
        switch (expected.ValueKind)
        {
            case JsonValueKind.String or JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null:
                return actual.ValueKind == expected.ValueKind && (expected.ValueKind != JsonValueKind.String || actual.GetString() == expected.GetString())
                    ? null : $"{path}: expected {expected.GetRawText()}, got {actual.GetRawText()}";
            case JsonValueKind.Number:
                if (actual.ValueKind != JsonValueKind.Number) return $"{path}: expected number {expected.GetRawText()}, got {actual.GetRawText()}";
                if (expected.TryGetInt64(out long e) && actual.TryGetInt64(out long a)) return e == a ? null : $"{path}: expected {e}, got {a}";
                double want = expected.GetDouble(), got = actual.GetDouble();
                double tolerance = relative ? rtol * Math.Abs(want) + 1e-9 : atol;
                return Math.Abs(got - want) <= tolerance ? null : $"{path}: expected {want:R}, got {got:R} (tolerance {tolerance:G2})";
            case JsonValueKind.Array:
                if (actual.ValueKind != JsonValueKind.Array) return $"{path}: expected a list, got {actual.ValueKind}";
                if (actual.GetArrayLength() != expected.GetArrayLength()) return $"{path}: expected {expected.GetArrayLength()} items, got {actual.GetArrayLength()}";
                for (int i = 0; i < expected.GetArrayLength(); i++)
                    if (Compare(expected[i], actual[i], $"{path}[{i}]", relative, atol, rtol) is string d) return d;
                return null;
            case JsonValueKind.Object:
                if (actual.ValueKind != JsonValueKind.Object) return $"{path}: expected an object, got {actual.ValueKind}";
                string[] wantKeys = expected.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();
                string[] gotKeys = actual.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();
                if (!wantKeys.SequenceEqual(gotKeys)) return $"{path}: keys [{string.Join(", ", gotKeys)}] != expected [{string.Join(", ", wantKeys)}]";
                foreach (JsonProperty p in expected.EnumerateObject())
                    if (Compare(p.Value, actual.GetProperty(p.Name), $"{path}.{p.Name}", relative, atol, rtol) is string d) return d;
                return null;
            default:
                return $"{path}: unsupported expected value {expected.ValueKind}";
        }
    }

    private static string? FindPython()
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            if (directory.Length == 0) continue;
            string candidate = Path.Combine(directory, "python3");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
