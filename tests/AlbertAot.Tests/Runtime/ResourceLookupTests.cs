using System;
using System.IO;
using System.Reflection;
using System.Reflection.Emit;
using AlbertAot.Tests.Fixtures;
using AlbertAot.Weights;
using Xunit;

namespace AlbertAot.Tests.Runtime;

/// <summary>
/// A binary built without a checkpoint's files (a project without the AlbertCheckpoint item or the targets, a trimmed
/// or filtered publish) fails at first use with an exception naming the resource, the assembly, what it does embed
/// and the likely causes.
/// </summary>
public class ResourceLookupTests
{
    private const string Weights = "AlbertAot/tiny-v1/model.safetensors", Tokenizer = "AlbertAot/tiny-heads-base/spiece.model";

    /// <summary>An assembly with no resources at all, as a trimmed or mis-configured publish leaves the model's.</summary>
    private static readonly Assembly Bare = AssemblyBuilder.DefineDynamicAssembly(new AssemblyName("TrimmedApp"), AssemblyBuilderAccess.Run);

    private static Assembly WithResources => typeof(TinyV1Model).Assembly;

    private static long FixtureLength => new FileInfo(Path.Combine(FixtureCases.Root, "tiny-v1", "model.safetensors")).Length;

    private static long FixtureHeaderLength
    {
        get
        {
            using FileStream file = File.OpenRead(Path.Combine(FixtureCases.Root, "tiny-v1", "model.safetensors"));
            var bytes = new byte[8];
            file.ReadExactly(bytes);
            return BitConverter.ToInt64(bytes);
        }
    }

    [Fact]
    public void Missing_weights_name_the_resource_the_assembly_and_the_causes()
    {
        var e = Assert.Throws<AlbertCheckpointException>(() => EmbeddedCheckpoint.Open(Bare, Weights, FixtureLength, FixtureHeaderLength));
        Assert.StartsWith($"The checkpoint resource '{Weights}' is not embedded in assembly 'TrimmedApp' (it embeds no AlbertAot resources at all).", e.Message);
        Assert.Contains("compiled against checkpoint 'tiny-v1', but this binary was built without its files", e.Message);
        Assert.Contains("<AlbertCheckpoint Include=\"...\" Name=\"tiny-v1\" />", e.Message);
        Assert.Contains("build/AlbertAot.targets", e.Message);
        Assert.Contains("trimming or resource filtering", e.Message);
    }

    [Fact]
    public void Missing_tokenizer_names_the_resource_and_the_assembly()
    {
        var e = Assert.Throws<AlbertCheckpointException>(() => EmbeddedCheckpoint.LoadTokenizer(Bare, Tokenizer));
        Assert.StartsWith($"The tokenizer resource '{Tokenizer}' is not embedded in assembly 'TrimmedApp'", e.Message);
        Assert.Contains("Name=\"tiny-heads-base\"", e.Message);
    }

    [Fact]
    public void A_checkpoint_missing_beside_others_lists_what_the_assembly_embeds()
    {
        var e = Assert.Throws<AlbertCheckpointException>(() =>
            EmbeddedCheckpoint.Open(WithResources, "AlbertAot/albert-base-v2/model.safetensors", FixtureLength, FixtureHeaderLength));
        Assert.Contains($"is not embedded in assembly '{WithResources.GetName().Name}' (it embeds the files of checkpoint(s) tiny-groups, tiny-groups-bf16, tiny-groups-int8, tiny-heads-base, ", e.Message);
        Assert.Contains("tiny-v1)", e.Message);
        Assert.Contains("compiled against checkpoint 'albert-base-v2'", e.Message);
    }

    [Fact]
    public void A_checkpoint_embedded_without_its_tokenizer_lists_the_files_it_has()
    {
        var e = Assert.Throws<AlbertCheckpointException>(() => EmbeddedCheckpoint.LoadTokenizer(WithResources, "AlbertAot/tiny-heads-qa/spiece.model.missing"));
        Assert.Contains("(of checkpoint 'tiny-heads-qa' it embeds only AlbertAot/tiny-heads-qa/", e.Message);
    }

    [Fact]
    public void An_embedded_checkpoint_that_differs_from_the_compiled_one_says_rebuild()
    {
        Assert.Equal(FixtureLength, EmbeddedCheckpoint.Open(WithResources, Weights, FixtureLength, FixtureHeaderLength).Length);
        var e = Assert.Throws<AlbertCheckpointException>(() => EmbeddedCheckpoint.Open(WithResources, Weights, FixtureLength + 4, FixtureHeaderLength));
        Assert.Contains($"is {FixtureLength} bytes but the model was compiled against a file of {FixtureLength + 4} bytes: rebuild", e.Message);
        e = Assert.Throws<AlbertCheckpointException>(() => EmbeddedCheckpoint.Open(WithResources, Weights, FixtureLength, FixtureHeaderLength + 8));
        Assert.Contains($"has a {FixtureHeaderLength}-byte header but the model was compiled against one of {FixtureHeaderLength + 8} bytes", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => EmbeddedCheckpoint.Open(WithResources, Weights, 4, 0));
    }

    [Fact]
    public void An_embedded_tokenizer_that_is_not_a_spiece_model_is_a_checkpoint_error()
    {
        var e = Assert.Throws<AlbertCheckpointException>(() => EmbeddedCheckpoint.LoadTokenizer(WithResources, Weights));
        Assert.Contains($"The tokenizer resource '{Weights}' of assembly '{WithResources.GetName().Name}' is not a usable spiece.model", e.Message);
    }
}
