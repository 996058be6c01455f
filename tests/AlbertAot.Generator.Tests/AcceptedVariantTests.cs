using System.Collections.Generic;
using System.Linq;
using AlbertAot.Generator.Tests.Infrastructure;
using Xunit;

namespace AlbertAot.Generator.Tests;

/// <summary>
/// Checkpoints HF and older tooling really produce, which must compile without a diagnostic: naming variants, tied or
/// stored decoders, buffers and foreign heads in the file, half-precision storage, missing optional heads, config
/// fields the model ignores.
/// </summary>
public class AcceptedVariantTests
{
    private static CheckpointBuilder Tiny(string name = "m") => new(name, Configs.Tiny);

    private static (GeneratorRun Run, GeneratedModel Model, Checkpoint Checkpoint) Generate(CheckpointBuilder builder)
    {
        Checkpoint checkpoint = builder.Build();
        GeneratorRun run = GeneratorHarness.Run(checkpoint).AssertGeneratesAndCompiles();
        var model = new GeneratedModel(run);
        model.AssertTensorTableMatches(checkpoint);
        return (run, model, checkpoint);
    }

    [Fact]
    public void NoAlbertPrefix_BareAlbertModelCheckpoint()
    {
        var (run, model, _) = Generate(Tiny().WithPrefix(false).WithMlm(false));
        List<GeneratedTensor> table = model.TensorTable();
        Assert.Contains(table, t => t.Name == "embeddings.word_embeddings.weight");
        Assert.Contains(table, t => t.Name == "encoder.albert_layer_groups.0.albert_layers.0.ffn.weight");
        Assert.Contains(table, t => t.Name == "pooler.weight");
        Assert.DoesNotContain(table, t => t.Name.StartsWith("albert."));
        Assert.Contains("public bool HasPooler => true;", run.Source);
    }

    [Fact]
    public void NoAlbertPrefix_WithMlmHead()
    {
        var (_, model, _) = Generate(Tiny().WithPrefix(false));
        Assert.Contains(model.TensorTable(), t => t.Field == "MlmDecoderBias" && t.Name == "predictions.bias");
    }

    [Fact]
    public void DecoderWeightAbsent_DecoderIsTiedToWordEmbeddings()
    {
        var (run, model, _) = Generate(Tiny().WithDecoderWeight(false));
        Assert.DoesNotContain(model.TensorTable(), t => t.Name == "predictions.decoder.weight");
        Assert.Contains("    wordEmbeddings, checkpoint.Get(Tensors.MlmDecoderBias));", run.Source);
    }

    [Fact]
    public void DecoderWeightStored_IsCheckedButStillTied()
    {
        var (run, model, _) = Generate(Tiny().WithDecoderWeight(true));
        Assert.DoesNotContain(model.TensorTable(), t => t.Name == "predictions.decoder.weight");
        Assert.Contains("    wordEmbeddings, checkpoint.Get(Tensors.MlmDecoderBias));", run.Source);
    }

    [Theory]
    [InlineData(DecoderBias.PredictionsBias, "predictions.bias")]
    [InlineData(DecoderBias.Both, "predictions.bias")]
    [InlineData(DecoderBias.DecoderBiasOnly, "predictions.decoder.bias")]
    public void DecoderBias_TakesPredictionsBiasOrDecoderBias(DecoderBias mode, string used)
    {
        var (_, model, _) = Generate(Tiny().WithDecoderWeight().WithDecoderBias(mode));
        Assert.Equal(used, model.TensorTable().Single(t => t.Field == "MlmDecoderBias").Name);
    }

    [Fact]
    public void PositionIdsBufferStoredAsI64_IsIgnored()
    {
        var (_, model, checkpoint) = Generate(Tiny().WithPositionIds());
        Assert.Equal("I64", checkpoint.Tensor("albert.embeddings.position_ids").DType);
        Assert.DoesNotContain(model.TensorTable(), t => t.Name.Contains("position_ids"));
    }

    [Fact]
    public void UnexpectedExtraTensors_AreIgnored()
    {
        var (_, model, _) = Generate(Tiny().WithSop()
            .WithExtraTensor("qa_outputs.weight", "F32", 2, 16).WithExtraTensor("qa_outputs.bias", "F32", 2)
            .WithExtraTensor("classifier.weight", "F64", 3, 16)
            .WithExtraTensor("albert.encoder.albert_layer_groups.7.albert_layers.0.ffn.weight", "I8", 5)
            .WithExtraTensor("empty", "F32", 0)
            .WithExtraTensor("scalar", "BOOL"));
        Assert.Equal(7 + 16 + 2 + 5, model.TensorTable().Count);
    }

    [Theory]
    [InlineData("F16")]
    [InlineData("BF16")]
    [InlineData("F32")]
    public void HalfPrecisionStorage(string dtype)
    {
        var (run, model, _) = Generate(Tiny().WithDType(dtype));
        Assert.All(model.TensorTable(), t => Assert.Equal(dtype, t.DType));
        Assert.Contains($"weights stored as {dtype} and embedded", run.Source);
    }

    [Fact]
    public void MixedStorageTypes()
    {
        var (run, model, _) = Generate(Tiny().WithDType("F16")
            .WithTensorDType("albert.embeddings.word_embeddings.weight", "BF16")
            .WithTensorDType("albert.embeddings.LayerNorm.weight", "F32")
            .WithTensorDType("albert.embeddings.LayerNorm.bias", "F32"));
        Assert.Equal("BF16", model.TensorTable().Single(t => t.Field == "WordEmbeddings").DType);
        Assert.Equal("F32", model.TensorTable().Single(t => t.Field == "EmbeddingLayerNormBias").DType);
        Assert.Contains("weights stored as BF16, F16, F32 and embedded", run.Source);
    }

    [Fact]
    public void NoPooler()
    {
        var (run, model, _) = Generate(Tiny().WithPooler(false));
        Assert.Contains("public bool HasPooler => false;", run.Source);
        Assert.Contains("AlbertPoolerWeights? pooler = null;", run.Source);
        Assert.Contains("throw new global::System.InvalidOperationException(\"Checkpoint '\" + CheckpointName + \"' has no pooler.\");", run.Source);
        Assert.DoesNotContain(model.TensorTable(), t => t.Field.StartsWith("Pooler"));
    }

    [Fact]
    public void NoMlmHead()
    {
        var (run, model, _) = Generate(Tiny().WithMlm(false));
        Assert.Contains("public bool HasMlmHead => false;", run.Source);
        Assert.Contains("AlbertMlmHeadWeights? mlmHead = null;", run.Source);
        Assert.DoesNotContain(model.TensorTable(), t => t.Field.StartsWith("Mlm"));
    }

    [Fact]
    public void NoPoolerNoMlmHeadNoTokenizer()
    {
        Checkpoint checkpoint = Tiny().WithPooler(false).WithMlm(false).WithTokenizer(exists: false).Build();
        GeneratorRun run = GeneratorHarness.Run(checkpoint).AssertNoCrash();
        Assert.Equal("ALB0014", Assert.Single(run.Diagnostics).Id);
        run.AssertCompiles();
        Assert.Equal(7 + 16, new GeneratedModel(run).TensorTable().Count);
    }

    [Fact]
    public void IgnoredConfigFields_DoNotChangeTheModel()
    {
        string baseline = GeneratorHarness.Run(Tiny().Build()).AssertGeneratesAndCompiles().Source;
        string config = Configs.With(Configs.Tiny,
            ("gap_size", 5), ("net_structure_type", 1), ("num_memory_blocks", 3), ("down_scale_factor", 2),
            ("hidden_dropout_prob", 0.5), ("attention_probs_dropout_prob", 0.5), ("classifier_dropout_prob", null),
            ("initializer_range", 1.0), ("bos_token_id", 7), ("eos_token_id", null), ("torch_dtype", "float16"),
            ("transformers_version", "4.57.1"), ("id2label", new Dictionary<string, string> { ["0"] = "a" }),
            ("architectures", Configs.Remove), ("position_embedding_type", "absolute"));
        Checkpoint checkpoint = Tiny().WithConfigFileText(config).Build();
        Assert.Equal(baseline, GeneratorHarness.Run(checkpoint).AssertGeneratesAndCompiles().Source);
    }

    [Fact]
    public void PadTokenIdNull()
    {
        var (_, model, _) = Generate(Tiny().WithConfigFileText(Configs.With(Configs.Tiny, ("pad_token_id", null))));
        Assert.Equal(0, model.Constant("PadTokenId"));
    }

    [Fact]
    public void PadTokenIdAbsent_AndOtherDefaults()
    {
        string config = Configs.With(Configs.Tiny, ("pad_token_id", Configs.Remove), ("type_vocab_size", Configs.Remove), ("layer_norm_eps", Configs.Remove));
        var (_, model, _) = Generate(Tiny().WithConfigFileText(config));
        Assert.Equal(0, model.Constant("PadTokenId"));
        Assert.Equal(2, model.Constant("TypeVocabSize"));
        Assert.Equal(1e-12f, model.Constant("LayerNormEps"));
    }

    [Fact]
    public void LayerNormEpsOtherThanDefault()
    {
        var (_, model, _) = Generate(Tiny().WithConfigFileText(Configs.With(Configs.Tiny, ("layer_norm_eps", 1e-5))));
        Assert.Equal(1e-5f, model.Constant("LayerNormEps"));
    }

    [Fact]
    public void HeaderWithoutMetadataOrPadding()
    {
        Generate(Tiny().WithMetadata(false).WithHeaderTransform(h => h.TrimEnd(' ')));
    }

    [Fact]
    public void HeaderPrettyPrintedAndUnsorted()
    {
        // The format only requires a JSON object; whitespace and key order are free.
        Checkpoint valid = Tiny().Build();
        string pretty = "{\n  " + string.Join(",\n  ", valid.Tensors.OrderByDescending(t => t.Begin).Select(t =>
            $"\"{t.Name}\": {{ \"dtype\": \"{t.DType}\", \"shape\": [ {string.Join(", ", t.Shape)} ], \"data_offsets\": [ {t.Begin}, {t.End} ] }}")) + "\n}";
        Generate(Tiny().WithHeaderText(pretty));
    }

    [Fact]
    public void DescriptorWithCrLfLineEndings()
    {
        Generate(Tiny().WithDescriptorTransform(d =>
        {
            int header = d.IndexOf("header=", System.StringComparison.Ordinal);
            return d.Substring(0, header).Replace("\n", "\r\n") + d.Substring(header);
        }));
    }

    [Fact]
    public void UnicodeTensorNames_AndHeaderLengthInBytes()
    {
        // Offsets are counted from 8 + the header's length in UTF-8 bytes, not in chars.
        var (_, _, checkpoint) = Generate(Tiny().WithExtraTensor("métadonnées.α", "F32", 2));
        Assert.True(checkpoint.HeaderLength > checkpoint.HeaderJson.Length);
    }

    [Fact]
    public void SeveralCheckpointsAndModelClasses()
    {
        Checkpoint a = Tiny("alpha").Build();
        Checkpoint b = new CheckpointBuilder("beta", Configs.With(Configs.Tiny, ("hidden_act", "relu"))).WithDType("BF16").Build();
        const string source = """
            namespace App.Models
            {
                [AlbertAot.AlbertModel("alpha")] public sealed partial class Alpha;
                [AlbertAot.AlbertModel("beta")] internal partial class Beta;
                public static partial class Registry
                {
                    [AlbertAot.AlbertModel("alpha")] public partial class AlphaAgain;
                }
                public partial struct Holder
                {
                    public partial record Inner
                    {
                        [AlbertAot.AlbertModel("beta")] private partial class Deep;
                    }
                }
            }
            """;
        GeneratorRun run = GeneratorHarness.Run(new[] { a, b }, source).AssertNoCrash();
        Assert.Empty(run.Diagnostics);
        Assert.Equal(
            new[] { "App.Models.Alpha.Albert.g.cs", "App.Models.Beta.Albert.g.cs", "App.Models.Holder.Inner.Deep.Albert.g.cs", "App.Models.Registry.AlphaAgain.Albert.g.cs" },
            run.Sources.Select(s => s.HintName).OrderBy(n => n, System.StringComparer.Ordinal));
        run.AssertCompiles();
        Assert.Equal("beta", run.Output.GetTypeByMetadataName("App.Models.Holder+Inner+Deep")!.GetMembers("CheckpointName").OfType<Microsoft.CodeAnalysis.IFieldSymbol>().Single().ConstantValue);
    }

    [Fact]
    public void ModelClassWithMembersAndBaseInterfaces()
    {
        const string source = """
            using System;
            namespace App;
            /// <summary>A model.</summary>
            [AlbertAot.AlbertModel("m")]
            public sealed partial class M : IDisposable
            {
                public void Dispose() { }
                public int Extra => VocabSize;
            }
            """;
        GeneratorRun run = GeneratorHarness.Run(Tiny().Build(), source).AssertGeneratesAndCompiles();
        Assert.Contains("namespace App", run.Source);
    }
}
