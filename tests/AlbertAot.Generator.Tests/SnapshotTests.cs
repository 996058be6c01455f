using AlbertAot.Generator.Tests.Infrastructure;
using Snapshooter;
using Snapshooter.Xunit;
using Xunit;

namespace AlbertAot.Generator.Tests;

/// <summary>
/// The generated source, pinned (__snapshots__/, Snapshooter.Xunit; CI runs with SNAPSHOOTER_STRICT_MODE=true so a
/// missing snapshot fails). A diff here is a change of the emitted code: review it, then delete the .snap to accept.
/// </summary>
public class SnapshotTests
{
    [Fact]
    public void TinyGroups_RealHeader_GeneratedSource()
    {
        // The fixture's config.json and the real header of its model.safetensors: 2 groups × 2 inner layers, F16, gelu_new,
        // pooler, MLM head with stored decoder weight and bias, SOP head (AlbertForPreTraining), tokenizer present.
        GeneratorRun run = GeneratorHarness.Run(TinyGroupsFixture.Checkpoint(), "namespace Fixtures;\n" + GeneratorHarness.ModelSource("tiny-groups", "TinyGroups"))
            .AssertGeneratesAndCompiles();
        Snapshot.Match(run.Source);
    }

    [Theory]
    [InlineData("seq-cls")]
    [InlineData("token-cls")]
    [InlineData("qa")]
    [InlineData("multiple-choice")]
    public void TinyHeads_RealHeader_GeneratedSource(string head)
    {
        // ../shared/fixtures/tiny-heads: one relu encoder under each task head; token-cls and qa are saved without the pooler.
        GeneratorRun run = GeneratorHarness.Run(TinyHeadsFixture.Checkpoint(head), "namespace Fixtures;\n" + GeneratorHarness.ModelSource(head, "Heads" + head.Replace("-", "")))
            .AssertGeneratesAndCompiles();
        Snapshot.Match(run.Source, SnapshotNameExtension.Create(head));
    }

    [Fact]
    public void BareEncoder_NoMlmHeadNoPoolerNoTokenizer_GeneratedSource()
    {
        // An AlbertModel saved without the "albert." prefix and without its pooler, relu, BF16, nested in a partial type.
        string config = Configs.With(Configs.Tiny, ("hidden_act", "relu"), ("architectures", new[] { "AlbertModel" }));
        Checkpoint checkpoint = new CheckpointBuilder("bare", config).WithPrefix(false).WithPooler(false).WithMlm(false)
            .WithDType("BF16").WithTokenizer(exists: false).Build();
        const string source = "namespace App.Models;\npublic static partial class Models\n{\n    [AlbertAot.AlbertModel(\"bare\")] public sealed partial class Bare;\n}\n";
        GeneratorRun run = GeneratorHarness.Run(checkpoint, source).AssertNoCrash();
        Assert.Equal("ALB0014", Assert.Single(run.Diagnostics).Id);
        run.AssertCompiles();
        Snapshot.Match(run.Source);
    }
}
