using System.Collections.Generic;
using System.Linq;
using AlbertAot.Generator.Tests.Infrastructure;
using Xunit;

namespace AlbertAot.Generator.Tests;

/// <summary>
/// The released ALBERT shapes, compiled from config.json and a synthesized header alone: the generated class compiles
/// against the runtime, its constants are the config's, its tensor table is the header's, and the unrolled layer
/// schedule is HF's.
/// </summary>
public class RealShapesTests
{
    public static IEnumerable<object[]> ReleasedConfigs => Configs.ReleasedNames.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(ReleasedConfigs))]
    public void ReleasedAlbertConfig_GeneratesCompilingModelWithItsConstantsAndSchedule(string name)
    {
        string config = Configs.Released(name);
        AlbertShape shape = AlbertShape.FromConfig(config);
        Checkpoint checkpoint = new CheckpointBuilder(name, config).WithDecoderWeight().WithDecoderBias(DecoderBias.Both).Build();

        GeneratorRun run = GeneratorHarness.Run(checkpoint, GeneratorHarness.ModelSource(name)).AssertGeneratesAndCompiles();
        var model = new GeneratedModel(run);

        Assert.Equal(name, model.Constant("CheckpointName"));
        Assert.Equal(30000, model.Constant("VocabSize"));
        Assert.Equal(128, model.Constant("EmbeddingSize"));
        Assert.Equal(shape.Hidden, model.Constant("HiddenSize"));
        Assert.Equal(shape.Layers, model.Constant("NumHiddenLayers"));
        Assert.Equal(1, model.Constant("NumHiddenGroups"));
        Assert.Equal(1, model.Constant("InnerGroupNum"));
        Assert.Equal(shape.Heads, model.Constant("NumAttentionHeads"));
        Assert.Equal(shape.Hidden / shape.Heads, model.Constant("HeadSize"));
        Assert.Equal(shape.Intermediate, model.Constant("IntermediateSize"));
        Assert.Equal(512, model.Constant("MaxPositionEmbeddings"));
        Assert.Equal(2, model.Constant("TypeVocabSize"));
        Assert.Equal(1e-12f, model.Constant("LayerNormEps"));
        Assert.Equal(0, model.Constant("PadTokenId"));
        Assert.Equal(true, model.Constant("HasTokenizer"));

        // v1 configs say "gelu" (erf), v2 "gelu_new" (tanh approximation): the kernel is chosen at build time.
        bool v2 = name.EndsWith("-v2");
        Assert.Equal(v2 ? "gelu_new" : "gelu", model.Constant("HiddenAct"));
        Assert.Equal(v2 ? "GeluTanh" : "Gelu", model.ConfigActivation());
        Assert.Equal(new[] { v2 ? "GeluTanh" : "Gelu" }, model.ActivationCalls("Layer"));
        Assert.Equal(new[] { v2 ? "GeluTanh" : "Gelu" }, model.ActivationCalls("RunMlmHead"));

        // One layer group of one layer, applied num_hidden_layers times.
        Assert.Equal(Enumerable.Repeat((0, 0), shape.Layers), model.Schedule());
        Assert.Equal(7 + 16 + 2 + 5, model.TensorTable().Count);
        model.AssertTensorTableMatches(checkpoint);
        Assert.Contains("public bool HasPooler => true;", run.Source);
        Assert.Contains("public bool HasMlmHead => true;", run.Source);
    }

    public static IEnumerable<object[]> Schedules => new[]
    {
        // layers, groups, inner, the groups HF runs (int(i / (L / G)) for i in range(L)), computed with Python 3
        new object[] { 12, 3, 2, new[] { 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2 } },
        new object[] { 12, 5, 1, new[] { 0, 0, 0, 1, 1, 2, 2, 2, 3, 3, 4, 4 } },
        new object[] { 12, 5, 2, new[] { 0, 0, 0, 1, 1, 2, 2, 2, 3, 3, 4, 4 } },
        new object[] { 12, 7, 1, new[] { 0, 0, 1, 1, 2, 2, 3, 4, 4, 5, 5, 6 } },
        new object[] { 10, 3, 3, new[] { 0, 0, 0, 0, 1, 1, 1, 2, 2, 2 } },
        new object[] { 4, 2, 2, new[] { 0, 0, 1, 1 } },
        new object[] { 6, 6, 1, new[] { 0, 1, 2, 3, 4, 5 } },
        new object[] { 3, 1, 3, new[] { 0, 0, 0 } },
    };

    [Theory]
    [MemberData(nameof(Schedules))]
    public void GroupedConfig_UnrollsHfLayerSchedule(int layers, int groups, int inner, int[] hfGroups)
    {
        string config = Configs.With(Configs.Tiny, ("num_hidden_layers", layers), ("num_hidden_groups", groups), ("inner_group_num", inner));
        Checkpoint checkpoint = new CheckpointBuilder("grouped", config).Build();

        GeneratorRun run = GeneratorHarness.Run(checkpoint, GeneratorHarness.ModelSource("grouped")).AssertGeneratesAndCompiles();
        var model = new GeneratedModel(run);

        List<(int Group, int Inner)> schedule = model.Schedule();
        Assert.Equal(layers * inner, schedule.Count);
        // Each group call runs every inner layer of the group, in order.
        var expected = hfGroups.SelectMany(g => Enumerable.Range(0, inner).Select(i => (g, i))).ToList();
        Assert.Equal(expected, schedule);
        Assert.Equal(GeneratedModel.HfSchedule(layers, groups, inner), schedule);

        Assert.Equal(groups, model.Constant("NumHiddenGroups"));
        Assert.Equal(inner, model.Constant("InnerGroupNum"));
        // One TensorInfo per tensor of every (group, inner layer), each loaded once into the groups array.
        Assert.Equal(groups * inner * 16, model.TensorTable().Count(t => t.Field.StartsWith("Group")));
        for (int g = 0; g < groups; g++)
            Assert.Contains($"new global::AlbertAot.Weights.AlbertLayerWeights[] // group {g}", run.Source);
        model.AssertTensorTableMatches(checkpoint);
    }

    [Fact]
    public void TinyGroupsFixture_RealHeader_RunsGroups0011WithTwoInnerLayersEach()
    {
        Checkpoint checkpoint = TinyGroupsFixture.Checkpoint();
        GeneratorRun run = GeneratorHarness.Run(checkpoint, GeneratorHarness.ModelSource("tiny-groups")).AssertGeneratesAndCompiles();
        var model = new GeneratedModel(run);

        Assert.Equal(new[] { (0, 0), (0, 1), (0, 0), (0, 1), (1, 0), (1, 1), (1, 0), (1, 1) }, model.Schedule());
        Assert.Equal(3175356L, model.TensorsConstant("FileLength"));
        Assert.Equal(10656L, model.TensorsConstant("HeaderLength"));
        GeneratedTensor words = model.TensorTable().Single(t => t.Field == "WordEmbeddings");
        // "albert.embeddings.word_embeddings.weight": F16 [30000, 24], data_offsets [3264, 1443264] in the real file.
        Assert.Equal(new GeneratedTensor("WordEmbeddings", "albert.embeddings.word_embeddings.weight", "F16", 8 + 10656 + 3264, 30000 * 24), words);
        Assert.Equal("GeluTanh", model.ConfigActivation());
    }

    [Fact]
    public void EmptyConfig_TakesHfAlbertConfigDefaults()
    {
        // AlbertConfig() defaults are the xxlarge shape: E 128, H 4096, 64 heads, I 16384, 12 layers, gelu_new.
        Checkpoint checkpoint = new CheckpointBuilder("defaults", "{}").Build();
        GeneratorRun run = GeneratorHarness.Run(checkpoint, GeneratorHarness.ModelSource("defaults")).AssertGeneratesAndCompiles();
        var model = new GeneratedModel(run);
        Assert.Equal(30000, model.Constant("VocabSize"));
        Assert.Equal(128, model.Constant("EmbeddingSize"));
        Assert.Equal(4096, model.Constant("HiddenSize"));
        Assert.Equal(64, model.Constant("NumAttentionHeads"));
        Assert.Equal(16384, model.Constant("IntermediateSize"));
        Assert.Equal(12, model.Constant("NumHiddenLayers"));
        Assert.Equal(512, model.Constant("MaxPositionEmbeddings"));
        Assert.Equal("gelu_new", model.Constant("HiddenAct"));
        Assert.Equal("GeluTanh", model.ConfigActivation());
    }
}
