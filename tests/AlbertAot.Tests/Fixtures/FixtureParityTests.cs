using System;
using System.Linq;
using AlbertAot.Weights;
using Xunit;

namespace AlbertAot.Tests.Fixtures;

/// <summary>
/// Every case of every fixture through the generated code, against the expected outputs of the independent float64
/// reference (../shared/fixtures/README.md), within the fixtures' tolerances.
/// </summary>
public class FixtureParityTests(Xunit.Abstractions.ITestOutputHelper output)
{
    public static TheoryData<string, string> Cases => FixtureCases.All();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_matches_the_expected_outputs(string fixture, string caseName)
    {
        IAlbertModel model = FixtureCases.Models[fixture]();
        SafetensorsFile file = FixtureCases.Read(fixture, caseName);
        AlbertOutputKinds kinds = AlbertOutputKinds.LastHiddenState;
        if (file.Contains("pooler_output")) kinds |= AlbertOutputKinds.PoolerOutput;
        if (file.Contains("mlm_logits")) kinds |= AlbertOutputKinds.MlmLogits;

        AlbertOutputs outputs = model.Forward(FixtureCases.Inputs(file), kinds);

        float tolerance = FixtureCases.Tolerance(fixture);
        string what = $"{fixture}/{caseName}";
        var worst = new System.Collections.Generic.List<string>
        {
            $"last_hidden_state {FixtureCases.AssertClose(what, file, "last_hidden_state", outputs.LastHiddenState, tolerance):G2}",
        };
        if (file.Contains("pooler_output"))
            worst.Add($"pooler_output {FixtureCases.AssertClose(what, file, "pooler_output", outputs.PoolerOutput, tolerance):G2}");
        if (file.Contains("mlm_logits"))
            worst.Add($"mlm_logits {FixtureCases.AssertClose(what, file, "mlm_logits", outputs.MlmLogits, tolerance):G2}");
        output.WriteLine($"{what}: max |diff| {string.Join(", ", worst)} (tolerance {tolerance:G2})");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Logits_at_chosen_positions_equal_the_full_logits_there(string fixture, string caseName)
    {
        IAlbertModel model = FixtureCases.Models[fixture]();
        if (!model.HasMlmHead) return; // tiny-heads/base is an AlbertModel: no MLM head (tested below)
        AlbertInputs inputs = FixtureCases.Inputs(FixtureCases.Read(fixture, caseName));
        var positions = new (int, int)[] { (inputs.BatchSize - 1, inputs.SequenceLength - 1), (0, 0), (0, inputs.SequenceLength / 2) };

        FloatTensor chosen = model.MlmLogitsAt(inputs, positions);
        FloatTensor all = model.Forward(inputs, AlbertOutputKinds.MlmLogits).MlmLogits!;

        Assert.Equal(new[] { positions.Length, model.Config.VocabSize }, chosen.Shape);
        for (int p = 0; p < positions.Length; p++)
            Assert.True(chosen.Row(p).SequenceEqual(all.Row(positions[p].Item1, positions[p].Item2)), $"position {positions[p]} differs");
    }

    [Fact]
    public void A_checkpoint_without_an_MLM_head_refuses_MLM_logits_by_name()
    {
        var model = new TinyHeadsBaseModel();
        Assert.False(model.HasMlmHead);
        var e = Assert.Throws<InvalidOperationException>(() => model.Forward(AlbertInputs.Single(2, 10, 3), AlbertOutputKinds.MlmLogits));
        Assert.Contains("tiny-heads-base", e.Message);
        Assert.Contains("no MLM head", e.Message);
    }

    [Fact]
    public void Each_fixture_compiles_its_config_into_constants()
    {
        Assert.Equal((30000, 16, 32, 4, 64, 3, 1, 1), (TinyV1Model.VocabSize, TinyV1Model.EmbeddingSize, TinyV1Model.HiddenSize,
            TinyV1Model.NumAttentionHeads, TinyV1Model.IntermediateSize, TinyV1Model.NumHiddenLayers, TinyV1Model.NumHiddenGroups, TinyV1Model.InnerGroupNum));
        Assert.Equal((4, 2, 2, "gelu_new"), (TinyGroupsModel.NumHiddenLayers, TinyGroupsModel.NumHiddenGroups, TinyGroupsModel.InnerGroupNum, TinyGroupsModel.HiddenAct));
        Assert.Equal(AlbertActivation.Relu, new TinyHeadsBaseModel().Config.Activation);
    }

    [Fact]
    public void F32_weights_are_read_in_place_and_F16_weights_widened_once()
    {
        Assert.True(TinyV1Model.ModelWeights.Embeddings.WordEmbeddings.IsInPlace);
        Assert.True(TinyV1Model.ModelWeights.Groups[0][0].FfnWeight.IsInPlace);
        Assert.False(TinyGroupsModel.ModelWeights.Embeddings.WordEmbeddings.IsInPlace);
        Assert.Same(TinyGroupsModel.ModelWeights, TinyGroupsModel.ModelWeights);
    }
}
