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
        string[] built = new CheckpointBuilder("m", Configs.Tiny).Build().DescriptorText.Split('\n')
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
    public void ModelSafetensorsMissing_DescriptorAsTheTargetsWriteIt()
    {
        string text = new CheckpointBuilder("m", Configs.Tiny).WithSafetensorsLength(-1).Build().DescriptorText;
        Assert.Contains("\nsafetensors_length=-1\nheader_length=-1\n", text);
        Assert.EndsWith("\nheader=", text);
    }
}
