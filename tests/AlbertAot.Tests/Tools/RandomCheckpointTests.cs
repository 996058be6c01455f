using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using AlbertAot.CheckpointMaker;
using AlbertAot.Weights;
using Xunit;

namespace AlbertAot.Tests.Tools;

public sealed class RandomCheckpointTests : IDisposable
{
    /// <summary>V 100, E 8, H 16, 2 heads, I 32, 3 layers in 1 group, 32 positions.</summary>
    private static readonly RandomCheckpointOptions Small = new()
    {
        VocabSize = 100,
        EmbeddingSize = 8,
        HiddenSize = 16,
        NumAttentionHeads = 2,
        IntermediateSize = 32,
        NumHiddenLayers = 3,
        NumHiddenGroups = 1,
        InnerGroupNum = 1,
        MaxPositionEmbeddings = 32,
        Seed = 5,
    };

    /// <summary>The small checkpoint's tensors as HF's AlbertForMaskedLM saves them, in file order.</summary>
    private static readonly (string Name, int[] Shape)[] SmallLayout =
    [
        ("albert.embeddings.LayerNorm.bias", [8]),
        ("albert.embeddings.LayerNorm.weight", [8]),
        ("albert.embeddings.position_embeddings.weight", [32, 8]),
        ("albert.embeddings.token_type_embeddings.weight", [2, 8]),
        ("albert.embeddings.word_embeddings.weight", [100, 8]),
        ("albert.encoder.albert_layer_groups.0.albert_layers.0.attention.LayerNorm.bias", [16]),
        ("albert.encoder.albert_layer_groups.0.albert_layers.0.attention.LayerNorm.weight", [16]),
        ("albert.encoder.albert_layer_groups.0.albert_layers.0.attention.dense.bias", [16]),
        ("albert.encoder.albert_layer_groups.0.albert_layers.0.attention.dense.weight", [16, 16]),
        ("albert.encoder.albert_layer_groups.0.albert_layers.0.attention.key.bias", [16]),
        ("albert.encoder.albert_layer_groups.0.albert_layers.0.attention.key.weight", [16, 16]),
        ("albert.encoder.albert_layer_groups.0.albert_layers.0.attention.query.bias", [16]),
        ("albert.encoder.albert_layer_groups.0.albert_layers.0.attention.query.weight", [16, 16]),
        ("albert.encoder.albert_layer_groups.0.albert_layers.0.attention.value.bias", [16]),
        ("albert.encoder.albert_layer_groups.0.albert_layers.0.attention.value.weight", [16, 16]),
        ("albert.encoder.albert_layer_groups.0.albert_layers.0.ffn.bias", [32]),
        ("albert.encoder.albert_layer_groups.0.albert_layers.0.ffn.weight", [32, 16]),
        ("albert.encoder.albert_layer_groups.0.albert_layers.0.ffn_output.bias", [16]),
        ("albert.encoder.albert_layer_groups.0.albert_layers.0.ffn_output.weight", [16, 32]),
        ("albert.encoder.albert_layer_groups.0.albert_layers.0.full_layer_layer_norm.bias", [16]),
        ("albert.encoder.albert_layer_groups.0.albert_layers.0.full_layer_layer_norm.weight", [16]),
        ("albert.encoder.embedding_hidden_mapping_in.bias", [16]),
        ("albert.encoder.embedding_hidden_mapping_in.weight", [16, 8]),
        ("albert.pooler.bias", [16]),
        ("albert.pooler.weight", [16, 16]),
        ("predictions.LayerNorm.bias", [8]),
        ("predictions.LayerNorm.weight", [8]),
        ("predictions.bias", [100]),
        ("predictions.dense.bias", [8]),
        ("predictions.dense.weight", [8, 16]),
    ];

    private readonly string _root = Path.Combine(Path.GetTempPath(), $"albertaot-checkpoints-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_root))
            Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void WritesTheExactHuggingFaceLayout()
    {
        (SafetensorsFile model, JsonElement config) = Make("small", Small);

        Assert.Equal(SmallLayout.Select(t => t.Name), model.Tensors.Select(t => t.Name));
        foreach ((string name, int[] shape) in SmallLayout)
            Assert.True(shape.SequenceEqual(model.Shape(name)), $"{name}: [{string.Join(", ", model.Shape(name))}]");
        Assert.All(model.Tensors, tensor => Assert.Equal(SafetensorsDType.F32, tensor.DType));
        Assert.Equal(new Dictionary<string, string> { ["format"] = "pt" }, model.Metadata);

        Assert.Equal(["AlbertForMaskedLM"], config.GetProperty("architectures").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(100, config.GetProperty("vocab_size").GetInt32());
        Assert.Equal(8, config.GetProperty("embedding_size").GetInt32());
        Assert.Equal(16, config.GetProperty("hidden_size").GetInt32());
        Assert.Equal(2, config.GetProperty("num_attention_heads").GetInt32());
        Assert.Equal(32, config.GetProperty("intermediate_size").GetInt32());
        Assert.Equal(3, config.GetProperty("num_hidden_layers").GetInt32());
        Assert.Equal(32, config.GetProperty("max_position_embeddings").GetInt32());
        Assert.Equal("gelu", config.GetProperty("hidden_act").GetString());
        Assert.Equal("albert", config.GetProperty("model_type").GetString());
        Assert.Equal(1e-12, config.GetProperty("layer_norm_eps").GetDouble());
        // Every field of albert-base-v1's config.json, keys sorted as HF writes them.
        string[] keys = config.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
        Assert.Equal(
            [
                "architectures", "attention_probs_dropout_prob", "bos_token_id", "classifier_dropout_prob", "down_scale_factor",
                "embedding_size", "eos_token_id", "gap_size", "hidden_act", "hidden_dropout_prob", "hidden_size", "initializer_range",
                "inner_group_num", "intermediate_size", "layer_norm_eps", "max_position_embeddings", "model_type", "net_structure_type",
                "num_attention_heads", "num_hidden_groups", "num_hidden_layers", "num_memory_blocks", "pad_token_id", "type_vocab_size",
                "vocab_size",
            ],
            keys);
    }

    [Fact]
    public void DefaultsToTheShapeOfAlbertBaseV1()
    {
        (SafetensorsFile model, JsonElement config) = Make("base", new RandomCheckpointOptions());

        Assert.Equal(30, model.Tensors.Count);
        Assert.Equal([30000, 128], model.Shape("albert.embeddings.word_embeddings.weight"));
        Assert.Equal([512, 128], model.Shape("albert.embeddings.position_embeddings.weight"));
        Assert.Equal([768, 128], model.Shape("albert.encoder.embedding_hidden_mapping_in.weight"));
        Assert.Equal([3072, 768], model.Shape("albert.encoder.albert_layer_groups.0.albert_layers.0.ffn.weight"));
        Assert.Equal([128, 768], model.Shape("predictions.dense.weight"));
        Assert.Equal(11_812_272, model.Tensors.Sum(t => t.ElementCount));
        Assert.Equal(12, config.GetProperty("num_hidden_layers").GetInt32());
        Assert.Equal(768, config.GetProperty("hidden_size").GetInt32());
    }

    [Fact]
    public void IsDeterministicForASeed()
    {
        Make("first", Small);
        Make("second", Small);
        Make("other-seed", Small with { Seed = 6 });

        Assert.Equal(ReadFile("first", RandomCheckpoint.ModelFileName), ReadFile("second", RandomCheckpoint.ModelFileName));
        Assert.Equal(ReadFile("first", RandomCheckpoint.ConfigFileName), ReadFile("second", RandomCheckpoint.ConfigFileName));
        Assert.NotEqual(ReadFile("first", RandomCheckpoint.ModelFileName), ReadFile("other-seed", RandomCheckpoint.ModelFileName));
    }

    [Fact]
    public void ValuesAreStructuredLikeTheFixtures()
    {
        (SafetensorsFile model, _) = Make("values", Small with { HiddenSize = 64, NumAttentionHeads = 4, IntermediateSize = 128 });
        const string layer = "albert.encoder.albert_layer_groups.0.albert_layers.0.";

        float[] embeddings = model.ReadSingles("albert.embeddings.word_embeddings.weight");
        Assert.All(embeddings[..8], value => Assert.Equal(0f, value));
        AssertDistribution(embeddings[8..], 0, 0.02);
        AssertDistribution(model.ReadSingles(layer + "attention.query.weight"), 0, 0.2);
        AssertDistribution(model.ReadSingles(layer + "attention.key.weight"), 0, 0.2);
        AssertDistribution(model.ReadSingles(layer + "attention.value.weight"), 0, 0.02);
        AssertDistribution(model.ReadSingles(layer + "ffn.weight"), 0, 0.02);
        AssertDistribution(model.ReadSingles(layer + "full_layer_layer_norm.weight"), 1, 0.1);
        AssertDistribution(model.ReadSingles(layer + "ffn.bias"), 0, 0.05);
        AssertDistribution(model.ReadSingles("predictions.bias"), 0, 0.05);
    }

    [Theory]
    [InlineData(SafetensorsDType.F16)]
    [InlineData(SafetensorsDType.BF16)]
    public void HalfPrecisionStoresTheSameValuesRounded(SafetensorsDType storage)
    {
        (SafetensorsFile full, _) = Make("f32", Small);
        (SafetensorsFile half, _) = Make(storage.HeaderName(), Small with { DType = storage });

        Assert.Equal(full.Tensors.Select(t => t.Name), half.Tensors.Select(t => t.Name));
        Assert.All(half.Tensors, tensor => Assert.Equal(storage, tensor.DType));
        foreach (SafetensorsTensor tensor in full.Tensors)
        {
            float[] rounded = SafetensorsTensor.FromSingles("x", tensor.ToSingles(), [.. tensor.Shape], storage).ToSingles();
            Assert.Equal(rounded, half.ReadSingles(tensor.Name));
        }
    }

    [Fact]
    public void WithoutPrefixNamesTheBackboneAsABareAlbertModel()
    {
        (SafetensorsFile prefixed, _) = Make("prefixed", Small);
        (SafetensorsFile bare, _) = Make("bare", Small with { AlbertPrefix = false });

        string[] expected = SmallLayout.Select(t => t.Name.StartsWith("albert.", StringComparison.Ordinal) ? t.Name["albert.".Length..] : t.Name)
            .Order(StringComparer.Ordinal)
            .ToArray();
        Assert.Equal(expected, bare.Tensors.Select(t => t.Name));
        Assert.Contains(bare.Tensors, t => t.Name == "predictions.dense.weight");
        Assert.Equal(prefixed.ReadSingles("albert.pooler.weight"), bare.ReadSingles("pooler.weight"));
    }

    [Fact]
    public void StoredDecoderCopiesTheTiedTensors()
    {
        (SafetensorsFile model, _) = Make("decoder", Small with { Decoder = DecoderStorage.Store });

        Assert.Equal(SmallLayout.Length + 2, model.Tensors.Count);
        Assert.Equal([100, 8], model.Shape("predictions.decoder.weight"));
        Assert.Equal([100], model.Shape("predictions.decoder.bias"));
        Assert.Equal(model.ReadSingles("albert.embeddings.word_embeddings.weight"), model.ReadSingles("predictions.decoder.weight"));
        Assert.Equal(model.ReadSingles("predictions.bias"), model.ReadSingles("predictions.decoder.bias"));
        Assert.Equal(model.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal), model.Tensors.Select(t => t.Name));
    }

    [Fact]
    public void HeadsFollowTheArchitecture()
    {
        (SafetensorsFile pretraining, JsonElement pretrainingConfig) = Make("sop", Small with { SentenceOrderHead = true });
        (SafetensorsFile bare, JsonElement bareConfig) = Make("no-mlm", Small with { MaskedLMHead = false });
        (SafetensorsFile noPooler, _) = Make("no-pooler", Small with { Pooler = false });

        Assert.Equal([2, 16], pretraining.Shape("sop_classifier.classifier.weight"));
        Assert.Equal([2], pretraining.Shape("sop_classifier.classifier.bias"));
        Assert.True(pretraining.Contains("predictions.dense.weight"));
        Assert.Equal("AlbertForPreTraining", pretrainingConfig.GetProperty("architectures")[0].GetString());

        Assert.DoesNotContain(bare.Tensors, t => t.Name.StartsWith("predictions.", StringComparison.Ordinal));
        Assert.True(bare.Contains("albert.pooler.weight"));
        Assert.Equal("AlbertModel", bareConfig.GetProperty("architectures")[0].GetString());

        Assert.False(noPooler.Contains("albert.pooler.weight"));
        Assert.False(noPooler.Contains("albert.pooler.bias"));
        Assert.Equal(SmallLayout.Length - 2, noPooler.Tensors.Count);
    }

    [Fact]
    public void PositionIdsComeFirstAsSafetensorsOrdersLargerElements()
    {
        (SafetensorsFile model, _) = Make("position-ids", Small with { PositionIds = true, DType = SafetensorsDType.F16 });

        SafetensorsTensor positions = model.Tensors[0];
        Assert.Equal("albert.embeddings.position_ids", positions.Name);
        Assert.Equal(SafetensorsDType.I64, positions.DType);
        Assert.Equal([1, 32], positions.Shape);
        Assert.Equal(Enumerable.Range(0, 32).Select(p => (long)p), positions.ToInt64s());
    }

    [Fact]
    public void WritesEveryLayerOfEveryGroup()
    {
        (SafetensorsFile model, _) = Make("groups", Small with { NumHiddenLayers = 4, NumHiddenGroups = 2, InnerGroupNum = 2 });

        string[] layers = model.Tensors
            .Select(t => t.Name)
            .Where(name => name.Contains(".albert_layers.", StringComparison.Ordinal))
            .Select(name => name[..(name.IndexOf(".albert_layers.", StringComparison.Ordinal) + ".albert_layers.0".Length)])
            .Distinct()
            .ToArray();
        Assert.Equal(
            [
                "albert.encoder.albert_layer_groups.0.albert_layers.0", "albert.encoder.albert_layer_groups.0.albert_layers.1",
                "albert.encoder.albert_layer_groups.1.albert_layers.0", "albert.encoder.albert_layer_groups.1.albert_layers.1",
            ],
            layers);
        Assert.Equal(SmallLayout.Length + 3 * 16, model.Tensors.Count);
    }

    [Fact]
    public void ConfigFileFieldsReplaceTheDefaultsAndFlagsReplaceThem()
    {
        Directory.CreateDirectory(_root);
        string configPath = Path.Combine(_root, "custom.config.json");
        File.WriteAllText(configPath, """{"vocab_size": 50, "hidden_size": 24, "num_attention_heads": 3, "hidden_act": "relu", "custom_field": [1, 2]}""");

        (SafetensorsFile model, JsonElement config) = Make("custom", new RandomCheckpointOptions { ConfigPath = configPath, HiddenSize = 12 });

        Assert.Equal([50, 128], model.Shape("albert.embeddings.word_embeddings.weight"));
        Assert.Equal([12, 12], model.Shape("albert.pooler.weight"));
        Assert.Equal("relu", config.GetProperty("hidden_act").GetString());
        Assert.Equal(3072, config.GetProperty("intermediate_size").GetInt32());
        Assert.Equal(2, config.GetProperty("custom_field").GetArrayLength());
    }

    [Fact]
    public void RejectsContradictoryOptionsAndInvalidShapes()
    {
        Assert.Throws<ArgumentException>(() => Make("x", Small with { SentenceOrderHead = true, MaskedLMHead = false }));
        Assert.Throws<ArgumentException>(() => Make("x", Small with { SentenceOrderHead = true, Pooler = false }));
        Assert.Throws<ArgumentException>(() => Make("x", Small with { Decoder = DecoderStorage.Store, MaskedLMHead = false }));
        Assert.Throws<ArgumentException>(() => Make("x", Small with { DType = SafetensorsDType.I64 }));

        var heads = Assert.Throws<InvalidDataException>(() => Make("x", Small with { NumAttentionHeads = 3 }));
        Assert.Equal("Config 'albert-base-v1': hidden_size 16 is not a multiple of num_attention_heads 3.", heads.Message);
        var size = Assert.Throws<InvalidDataException>(() => Make("x", Small with { IntermediateSize = 0 }));
        Assert.Equal("Config 'albert-base-v1': intermediate_size is 0; it must be positive.", size.Message);
        Assert.False(Directory.Exists(Path.Combine(_root, "x")));
    }

    private (SafetensorsFile Model, JsonElement Config) Make(string name, RandomCheckpointOptions options)
    {
        RandomCheckpointFiles files = RandomCheckpoint.Write(Path.Combine(_root, name), options);
        Assert.Equal(new FileInfo(files.ModelPath).Length, files.ModelBytes);
        SafetensorsFile model = SafetensorsFile.Read(files.ModelPath);
        Assert.Equal(model.Tensors.Count, files.TensorCount);
        using JsonDocument config = JsonDocument.Parse(File.ReadAllBytes(files.ConfigPath));
        return (model, config.RootElement.Clone());
    }

    private byte[] ReadFile(string checkpoint, string file) => File.ReadAllBytes(Path.Combine(_root, checkpoint, file));

    private static void AssertDistribution(float[] values, double mean, double standardDeviation)
    {
        double sampleMean = values.Average(v => (double)v);
        double sampleDeviation = Math.Sqrt(values.Average(v => (v - sampleMean) * (v - sampleMean)));
        // Loose bounds: at least 64 samples, and they only have to tell 0.02 from 0.05, 0.1 and 0.2.
        Assert.InRange(sampleMean, mean - standardDeviation / 2, mean + standardDeviation / 2);
        Assert.InRange(sampleDeviation, standardDeviation * 0.75, standardDeviation * 1.25);
    }
}
