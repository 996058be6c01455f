using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using AlbertAot.Tokenization;
using AlbertCli;
using Xunit;

namespace AlbertAot.Tests.Tokenization;

/// <summary>
/// ../shared/tokenizer-cases/public.jsonl: 4208 outputs of HF's slow AlbertTokenizer on the real spiece.model
/// (ids, type ids, mask, tokens, both decodes), which must all agree exactly, through the library and through the
/// CLI's tokenize verb.
/// </summary>
public sealed class TokenizerCaseTests
{
    private static readonly string[] Fields = ["input_ids", "token_type_ids", "attention_mask", "tokens", "decoded", "decoded_cleanup"];

    [SkippableFact]
    public void EveryPublicCaseAgreesFieldByField()
    {
        AlbertTokenizer tokenizer = TokenizerFiles.Real;
        string[] lines = ReadCases();
        var agreeing = Fields.ToDictionary(f => f, _ => 0);
        var mismatches = new List<string>();
        foreach (string line in lines)
        {
            using JsonDocument document = JsonDocument.Parse(line);
            JsonElement expected = document.RootElement;
            bool padToMaxLength = expected.TryGetProperty("padding", out JsonElement padding) && padding.GetString() == "max_length";
            AlbertEncoding encoding = tokenizer.Encode(
                expected.GetProperty("text").GetString()!,
                expected.TryGetProperty("text_pair", out JsonElement pair) ? pair.GetString() : null,
                expected.TryGetProperty("max_length", out JsonElement max) ? max.GetInt32() : null,
                padToMaxLength);
            var actual = new Dictionary<string, string>
            {
                ["input_ids"] = JsonSerializer.Serialize(encoding.InputIds),
                ["token_type_ids"] = JsonSerializer.Serialize(encoding.TokenTypeIds),
                ["attention_mask"] = JsonSerializer.Serialize(encoding.AttentionMask),
                ["tokens"] = JsonSerializer.Serialize(encoding.Tokens),
                ["decoded"] = JsonSerializer.Serialize(tokenizer.Decode(encoding.InputIds)),
                ["decoded_cleanup"] = JsonSerializer.Serialize(tokenizer.Decode(encoding.InputIds, cleanUpTokenizationSpaces: true)),
            };
            foreach (string field in Fields)
            {
                string want = Canonical(expected.GetProperty(field));
                if (want == actual[field]) agreeing[field]++;
                else if (mismatches.Count < 5) mismatches.Add($"{expected.GetProperty("id")} {field}: expected {Shorten(want)}, got {Shorten(actual[field])}");
            }
        }

        string summary = string.Join(", ", Fields.Select(f => $"{f} {agreeing[f]}/{lines.Length}"));
        Assert.True(mismatches.Count == 0, $"{summary}\nfirst mismatches:\n{string.Join("\n", mismatches)}");
        Assert.Equal(4208, lines.Length);
    }

    [SkippableFact]
    public void TokenizeCommandAnswersEveryCaseLineByLine()
    {
        AlbertTokenizer tokenizer = TokenizerFiles.Real;
        string[] lines = ReadCases();
        // The command's input: only the request keys, as ../shared/tools/check_tokenizer_cases.py sends them.
        var input = new StringBuilder();
        foreach (string line in lines)
        {
            using JsonDocument document = JsonDocument.Parse(line);
            var request = new Dictionary<string, JsonElement>();
            foreach (string key in new[] { "id", "text", "text_pair", "max_length", "padding" })
            {
                if (document.RootElement.TryGetProperty(key, out JsonElement value)) request[key] = value.Clone();
            }
            input.Append(JsonSerializer.Serialize(request)).Append('\n');
        }

        var output = new StringWriter();
        int status = TokenizeCommand.Run(new StringReader(input.ToString()), output, tokenizer);

        string[] answers = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(0, status);
        Assert.Equal(lines.Length, answers.Length);
        var mismatches = new List<string>();
        for (int i = 0; i < lines.Length; i++)
        {
            using JsonDocument expected = JsonDocument.Parse(lines[i]);
            using JsonDocument actual = JsonDocument.Parse(answers[i]);
            foreach (string field in Fields.Prepend("id"))
            {
                string want = Canonical(expected.RootElement.GetProperty(field));
                string got = actual.RootElement.TryGetProperty(field, out JsonElement value) ? Canonical(value) : "(missing)";
                if (want != got && mismatches.Count < 5) mismatches.Add($"line {i + 1} {field}: expected {Shorten(want)}, got {Shorten(got)}");
            }
        }
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Fact]
    public void TokenizeCommandReportsBadLinesAndGoesOn()
    {
        const string input = """
            {"id": 7, "text": "Hello"}
            not json
            {"id": "b", "text": 3}
            {"text": "x", "padding": "max_length"}

            {"text": "a b", "text_pair": "c", "max_length": 4, "padding": "max_length"}
            """;
        var output = new StringWriter();

        int status = TokenizeCommand.Run(new StringReader(input), output, TokenizerFiles.Fixture);

        string[] answers = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(1, status);
        Assert.Equal(5, answers.Length);
        Assert.StartsWith("{\"id\":7,\"input_ids\":[2,", answers[0]);
        Assert.Contains("\"error\":\"line 2 is not JSON", answers[1]);
        Assert.Equal("{\"id\":\"b\",\"error\":\"line 3: \\\"text\\\" must be a string\"}", answers[2]);
        Assert.Contains("needs \\\"max_length\\\"", answers[3]);
        using JsonDocument last = JsonDocument.Parse(answers[4]);
        Assert.Equal(4, last.RootElement.GetProperty("input_ids").GetArrayLength());
    }

    private static string[] ReadCases() =>
        File.ReadAllLines(TokenizerFiles.RequireShared("tokenizer-cases/public.jsonl")).Where(l => l.Trim().Length > 0).ToArray();

    /// <summary>A JSON value re-serialized compactly, so equal values compare equal as strings.</summary>
    private static string Canonical(JsonElement value) => JsonSerializer.Serialize(value);

    private static string Shorten(string json) => json.Length <= 300 ? json : json[..300] + "...";
}
