using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;
using AlbertAot.Generator.Parsing;
using AlbertAot.Generator.Tests.Infrastructure;
using Xunit;

namespace AlbertAot.Generator.Tests;

/// <summary>
/// The test checkpoints are only as good as their likeness to what build/AlbertAot.targets writes and what HF saves:
/// these tests hold the builder to both.
/// </summary>
public class DescriptorFormatTests
{
    private static string RepoFile(params string[] parts)
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "AlbertAot.sln"))) dir = Path.GetDirectoryName(dir);
        Assert.NotNull(dir);
        return Path.Combine(dir!, Path.Combine(parts));
    }

    [Fact]
    public void BuilderWritesTheKeysTheBuildTargetsWrite_InTheirOrder()
    {
        string targets = File.ReadAllText(RepoFile("src", "AlbertAot", "build", "AlbertAot.targets"));
        string[] written = Regex.Matches(targets, "text\\.Append\\(\"([a-z_]+)=\"\\)").Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal("header", written.Last());
        // tokenizer_pieces is written only for a valid tokenizer: the builder writes it when given a count.
        string[] built = new CheckpointBuilder("m", Configs.Tiny).WithTokenizerPieces(100).Build().DescriptorText.Split('\n')
            .Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Substring(0, l.IndexOf('='))).ToArray();
        Assert.Equal(written, built);
    }

    [Fact]
    public void BuilderDescriptor_ParsesBackToItsValues()
    {
        Checkpoint c = new CheckpointBuilder("m", Configs.Tiny).WithTokenizer(exists: false, declared: true).Build();
        CheckpointDescriptor d = CheckpointDescriptor.Parse(c.DescriptorText)!;
        Assert.Equal("m", d.Name);
        Assert.Equal(c.ConfigPath, d.ConfigPath);
        Assert.True(d.ConfigExists);
        Assert.Equal(c.SafetensorsPath, d.SafetensorsPath);
        Assert.Equal(c.SafetensorsLength, d.SafetensorsLength);
        Assert.Equal(c.HeaderLength, d.HeaderLength);
        Assert.Equal("", d.HeaderError);
        Assert.Equal(c.TokenizerPath, d.TokenizerPath);
        Assert.True(d.TokenizerDeclared);
        Assert.False(d.TokenizerExists);
        Assert.Equal(c.HeaderJson, d.HeaderJson);
        Assert.Equal(0, c.HeaderLength % 8);
        Assert.Equal(c.SafetensorsLength, 8 + c.HeaderLength + c.Tensors.Max(t => t.End));
    }

    [Fact]
    public void BuilderSynthesizesTheRealTinyGroupsHeader()
    {
        // The synthesized header for the fixture's config equals the header of the real file, tensor for tensor.
        Checkpoint synthesized = TinyGroupsFixture.Builder().Build();
        using JsonDocument real = JsonDocument.Parse(TinyGroupsFixture.Header);
        using JsonDocument ours = JsonDocument.Parse(synthesized.HeaderJson);
        string Canonical(JsonDocument doc) => string.Join("\n", doc.RootElement.EnumerateObject()
            .Where(p => p.Name != "__metadata__").OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => p.Name + " " + p.Value.GetRawText()));
        Assert.Equal(Canonical(real), Canonical(ours));
        Assert.Equal(TinyGroupsFixture.FileLength - 8 - 10656, synthesized.Tensors.Max(t => t.End));
    }

    [Fact]
    public void TheTargetsWriteNonFiniteLines_InTheFormatTheParserReads()
    {
        // nonfinite=NANS INFS ELEMENTS "name" (a JSON string: a tensor name may hold any character), one line per tensor.
        string targets = File.ReadAllText(RepoFile("src", "AlbertAot", "build", "AlbertAot.targets"));
        Assert.Contains("found.Append(\"nonfinite=\").Append(nans).Append(' ').Append(infinities).Append(' ').Append((t.Item2 - t.Item1) / size)", targets);
        Assert.Contains(".Append(' ').Append(JsonString(t.Item4)).Append('\\n');", targets);
        Checkpoint c = new CheckpointBuilder("m", Configs.Tiny).WithNonFinite("a.weight", 1, 2, 30).WithNonFinite("odd \"name\"\n=x", 0, 5, 5).Build();
        CheckpointDescriptor d = CheckpointDescriptor.Parse(c.DescriptorText)!;
        Assert.Equal(new[] { new NonFiniteTensor("a.weight", 1, 2, 30), new NonFiniteTensor("odd \"name\"\n=x", 0, 5, 5) }, d.NonFinite);
        Assert.Equal("ok", d.NonFiniteScan);
        Assert.Equal(c.HeaderJson, d.HeaderJson);
    }

    [Fact]
    public void NewFields_ParseBackToTheirValues()
    {
        Checkpoint c = new CheckpointBuilder("m", Configs.Tiny).WithHeaderError("it says 9 bytes", "length").WithTokenizerError("it has no pieces")
            .WithNonFiniteScan("skipped: big-endian build machine").Build();
        CheckpointDescriptor d = CheckpointDescriptor.Parse(c.DescriptorText)!;
        Assert.Equal(("it says 9 bytes", "length", "it has no pieces", "skipped: big-endian build machine"),
            (d.HeaderError, d.HeaderErrorKind, d.TokenizerError, d.NonFiniteScan));
        Assert.Empty(d.NonFinite);
        Assert.Equal(-1, d.TokenizerPieces); // no tokenizer_pieces line: not checked
        Assert.Equal(30000, CheckpointDescriptor.Parse(new CheckpointBuilder("m", Configs.Tiny).WithTokenizerPieces(30000).Build().DescriptorText)!.TokenizerPieces);
    }

    /// <summary>
    /// A descriptor written by the targets before hostile-input handling (no header_error_kind, tokenizer_error,
    /// nonfinite_scan or nonfinite lines, e.g. from an older package in a long-lived obj/): the defaults mean
    /// "not checked", and the generator reports what it always reported.
    /// </summary>
    [Fact]
    public void OlderDescriptor_WithoutTheNewKeys_ParsesWithDefaults()
    {
        string text = string.Join("\n", new CheckpointBuilder("m", Configs.Tiny).WithHeaderError("the file is 4 bytes, shorter than the 8-byte header length field", "truncated")
            .Build().DescriptorText.Split('\n').Where(l => !l.StartsWith("header_error_kind=") && !l.StartsWith("tokenizer_error=") && !l.StartsWith("nonfinite")));
        CheckpointDescriptor d = CheckpointDescriptor.Parse(text)!;
        Assert.Equal(("", "", ""), (d.HeaderErrorKind, d.TokenizerError, d.NonFiniteScan));
        Assert.Empty(d.NonFinite);
        var (_, problems) = SafetensorsHeader.Parse("m", d);
        Assert.Equal("ALB0009", Assert.Single(problems).Id);
    }

    [Fact]
    public void UnknownKeysAndMalformedNonFiniteLines_AreIgnored()
    {
        string text = new CheckpointBuilder("m", Configs.Tiny).Build().DescriptorText.Replace("nonfinite_scan=ok\n",
            "nonfinite_scan=ok\nfuture_key=1\nnonfinite=1 2\nnonfinite=a b c \"x\"\nnonfinite=1 1 -4 \"x\"\nnonfinite=1 0 4 not-json\nnonfinite=1 0 4 [1]\nnonfinite=1 0 4 \"ok\"\n");
        CheckpointDescriptor d = CheckpointDescriptor.Parse(text)!;
        Assert.Equal(new[] { new NonFiniteTensor("ok", 1, 0, 4) }, d.NonFinite);
    }

    [Fact]
    public void ModelSafetensorsMissing_DescriptorAsTheTargetsWriteIt()
    {
        string text = new CheckpointBuilder("m", Configs.Tiny).WithSafetensorsLength(-1).Build().DescriptorText;
        Assert.Contains("\nsafetensors_length=-1\nheader_length=-1\n", text);
        Assert.EndsWith("\nheader=", text);
    }
}
