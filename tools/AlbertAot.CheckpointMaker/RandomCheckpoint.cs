using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using AlbertAot.Weights;

namespace AlbertAot.CheckpointMaker;

/// <summary>The files <see cref="RandomCheckpoint.Write"/> wrote.</summary>
public sealed record RandomCheckpointFiles(string ConfigPath, string ModelPath, int TensorCount, long ModelBytes);

/// <summary>
/// Writes a random ALBERT checkpoint folder in exact HuggingFace layout: config.json (every field of albert-base-v1's,
/// keys sorted as HF writes them) and model.safetensors (HF tensor names and shapes, in the order safetensors'
/// save_file writes them). Values are structured like the test fixtures' so that bugs show: weights N(0, 0.02), except
/// attention query/key N(0, 0.2) so attention is peaked; LayerNorm weights 1 + N(0, 0.1); biases N(0, 0.05); the
/// word embeddings' padding row zero.
/// </summary>
public static class RandomCheckpoint
{
    public const string ConfigFileName = "config.json";
    public const string ModelFileName = "model.safetensors";

    private const string BaseConfigResource = "AlbertAot.CheckpointMaker.albert-base-v1.config.json";

    /// <summary>Creates <paramref name="directory"/> if needed and writes config.json and model.safetensors into it.</summary>
    /// <exception cref="ArgumentException">The options contradict each other (e.g. the SOP head without the MLM head).</exception>
    /// <exception cref="InvalidDataException">The resulting config is not a valid ALBERT shape; the message names the field.</exception>
    public static RandomCheckpointFiles Write(string directory, RandomCheckpointOptions options)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(options);
        CheckHeads(options);
        JsonObject config = BuildConfig(options);
        AlbertShape shape = AlbertShape.Read(config, options.ConfigPath ?? "albert-base-v1");
        List<SafetensorsTensor> tensors = CreateTensors(shape, options);

        Directory.CreateDirectory(directory);
        string configPath = Path.Combine(directory, ConfigFileName);
        string modelPath = Path.Combine(directory, ModelFileName);
        File.WriteAllBytes(configPath, FormatConfig(config));
        SafetensorsFile.Write(modelPath, tensors);
        return new RandomCheckpointFiles(configPath, modelPath, tensors.Count, new FileInfo(modelPath).Length);
    }

    private static void CheckHeads(RandomCheckpointOptions options)
    {
        if (options.DType is not (SafetensorsDType.F32 or SafetensorsDType.F16 or SafetensorsDType.BF16))
            throw new ArgumentException($"Weights are stored as F32, F16 or BF16, not {options.DType}.");
        if (options.SentenceOrderHead && !options.MaskedLMHead)
            throw new ArgumentException("The SOP head (--sop) makes an AlbertForPreTraining checkpoint, which has the MLM head too.");
        if (options.SentenceOrderHead && !options.Pooler)
            throw new ArgumentException("The SOP head (--sop) classifies the pooled output: it needs the pooler.");
        if (options.Decoder == DecoderStorage.Store && !options.MaskedLMHead)
            throw new ArgumentException("A stored decoder (--decoder store) belongs to the MLM head, which is left out.");
    }

    /// <summary>albert-base-v1's fields, replaced by the config file's, then by the overrides; architectures from the heads.</summary>
    private static JsonObject BuildConfig(RandomCheckpointOptions options)
    {
        JsonObject config;
        using (Stream stream = typeof(RandomCheckpoint).Assembly.GetManifestResourceStream(BaseConfigResource)
            ?? throw new InvalidOperationException($"The resource '{BaseConfigResource}' is not embedded in the CheckpointMaker assembly."))
        {
            config = ParseObject(stream, "albert-base-v1.config.json");
        }
        if (options.ConfigPath is not null)
        {
            using FileStream file = File.OpenRead(options.ConfigPath);
            foreach (KeyValuePair<string, JsonNode?> field in ParseObject(file, options.ConfigPath))
                config[field.Key] = field.Value?.DeepClone();
        }

        Override(config, "vocab_size", options.VocabSize);
        Override(config, "embedding_size", options.EmbeddingSize);
        Override(config, "hidden_size", options.HiddenSize);
        Override(config, "num_hidden_layers", options.NumHiddenLayers);
        Override(config, "num_hidden_groups", options.NumHiddenGroups);
        Override(config, "inner_group_num", options.InnerGroupNum);
        Override(config, "num_attention_heads", options.NumAttentionHeads);
        Override(config, "intermediate_size", options.IntermediateSize);
        Override(config, "max_position_embeddings", options.MaxPositionEmbeddings);
        if (options.HiddenAct is not null)
            config["hidden_act"] = options.HiddenAct;
        string architecture = !options.MaskedLMHead ? "AlbertModel"
            : options.SentenceOrderHead ? "AlbertForPreTraining"
            : "AlbertForMaskedLM";
        config["architectures"] = new JsonArray(architecture);
        return config;
    }

    private static JsonObject ParseObject(Stream json, string source)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{source}' is not valid JSON: {e.Message}", e);
        }
        return node as JsonObject ?? throw new InvalidDataException($"'{source}' is not a JSON object.");
    }

    private static void Override(JsonObject config, string key, int? value)
    {
        if (value is int given)
            config[key] = given;
    }

    /// <summary>As HF's <c>to_json_file</c>: keys sorted, two-space indent, a final newline.</summary>
    private static byte[] FormatConfig(JsonObject config)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, NewLine = "\n" }))
        {
            json.WriteStartObject();
            foreach (KeyValuePair<string, JsonNode?> field in config.OrderBy(field => field.Key, StringComparer.Ordinal))
            {
                json.WritePropertyName(field.Key);
                if (field.Value is null)
                    json.WriteNullValue();
                else
                    field.Value.WriteTo(json);
            }
            json.WriteEndObject();
        }
        buffer.Write("\n"u8);
        return buffer.ToArray();
    }

    /// <summary>How a tensor's random values are drawn.</summary>
    private enum Init
    {
        /// <summary>N(0, 0.02), HF's initializer_range.</summary>
        Weight,
        /// <summary>N(0, 0.2): query and key, so that attention is peaked and a wrong head split shows.</summary>
        AttentionScoreWeight,
        /// <summary>1 + N(0, 0.1).</summary>
        LayerNormWeight,
        /// <summary>N(0, 0.05).</summary>
        Bias,
        /// <summary>N(0, 0.02) with the padding row zero, as nn.Embedding(padding_idx) initialises it.</summary>
        WordEmbeddings,
    }

    /// <param name="Name">The name without the backbone prefix: also what seeds the tensor's values.</param>
    /// <param name="InBackbone">Whether the name takes the <c>albert.</c> prefix.</param>
    private sealed record TensorSpec(string Name, int[] Shape, Init Init, bool InBackbone);

    private static List<TensorSpec> Layout(AlbertShape shape, RandomCheckpointOptions options)
    {
        var specs = new List<TensorSpec>();
        void Add(string name, int[] dims, Init init, bool inBackbone = true) => specs.Add(new TensorSpec(name, dims, init, inBackbone));
        void Linear(string name, int outputs, int inputs, Init weightInit = Init.Weight, bool inBackbone = true)
        {
            Add(name + ".weight", [outputs, inputs], weightInit, inBackbone);
            Add(name + ".bias", [outputs], Init.Bias, inBackbone);
        }
        void LayerNorm(string name, int width, bool inBackbone = true)
        {
            Add(name + ".weight", [width], Init.LayerNormWeight, inBackbone);
            Add(name + ".bias", [width], Init.Bias, inBackbone);
        }

        int e = shape.EmbeddingSize, h = shape.HiddenSize, i = shape.IntermediateSize;
        Add("embeddings.word_embeddings.weight", [shape.VocabSize, e], Init.WordEmbeddings);
        Add("embeddings.position_embeddings.weight", [shape.MaxPositionEmbeddings, e], Init.Weight);
        Add("embeddings.token_type_embeddings.weight", [shape.TypeVocabSize, e], Init.Weight);
        LayerNorm("embeddings.LayerNorm", e);
        Linear("encoder.embedding_hidden_mapping_in", h, e);
        for (int group = 0; group < shape.NumHiddenGroups; group++)
        {
            for (int inner = 0; inner < shape.InnerGroupNum; inner++)
            {
                string layer = $"encoder.albert_layer_groups.{group}.albert_layers.{inner}.";
                Linear(layer + "attention.query", h, h, Init.AttentionScoreWeight);
                Linear(layer + "attention.key", h, h, Init.AttentionScoreWeight);
                Linear(layer + "attention.value", h, h);
                Linear(layer + "attention.dense", h, h);
                LayerNorm(layer + "attention.LayerNorm", h);
                Linear(layer + "ffn", i, h);
                Linear(layer + "ffn_output", h, i);
                LayerNorm(layer + "full_layer_layer_norm", h);
            }
        }
        if (options.Pooler)
            Linear("pooler", h, h);
        if (options.MaskedLMHead)
        {
            Linear("predictions.dense", e, h, inBackbone: false);
            LayerNorm("predictions.LayerNorm", e, inBackbone: false);
            Add("predictions.bias", [shape.VocabSize], Init.Bias, inBackbone: false);
        }
        if (options.SentenceOrderHead)
            Linear("sop_classifier.classifier", 2, h, inBackbone: false);
        return specs;
    }

    private static List<SafetensorsTensor> CreateTensors(AlbertShape shape, RandomCheckpointOptions options)
    {
        string prefix = options.AlbertPrefix ? "albert." : "";
        var tensors = new List<SafetensorsTensor>();
        var byName = new Dictionary<string, SafetensorsTensor>(StringComparer.Ordinal);
        foreach (TensorSpec spec in Layout(shape, options))
        {
            float[] values = CreateValues(spec, shape, options.Seed);
            var tensor = SafetensorsTensor.FromSingles(spec.InBackbone ? prefix + spec.Name : spec.Name, values, spec.Shape, options.DType);
            tensors.Add(tensor);
            byName.Add(spec.Name, tensor);
        }

        if (options.Decoder == DecoderStorage.Store)
        {
            // The decoder is tied: old checkpoints store copies of the word embeddings and of predictions.bias.
            SafetensorsTensor embeddings = byName["embeddings.word_embeddings.weight"];
            SafetensorsTensor bias = byName["predictions.bias"];
            tensors.Add(new SafetensorsTensor("predictions.decoder.weight", embeddings.DType, [.. embeddings.Shape], embeddings.Data));
            tensors.Add(new SafetensorsTensor("predictions.decoder.bias", bias.DType, [.. bias.Shape], bias.Data));
        }
        if (options.PositionIds)
        {
            long[] positions = new long[shape.MaxPositionEmbeddings];
            for (int p = 0; p < positions.Length; p++)
                positions[p] = p;
            tensors.Add(SafetensorsTensor.FromInt64s(prefix + "embeddings.position_ids", positions, [1, positions.Length]));
        }

        // safetensors' save_file orders tensors by element size, largest first, then by name.
        tensors.Sort((a, b) =>
        {
            int bySize = b.DType.ElementSize().CompareTo(a.DType.ElementSize());
            return bySize != 0 ? bySize : string.CompareOrdinal(a.Name, b.Name);
        });
        return tensors;
    }

    private static float[] CreateValues(TensorSpec spec, AlbertShape shape, ulong seed)
    {
        long count = 1;
        foreach (int dimension in spec.Shape)
            count *= dimension;
        float[] values = new float[count];
        NormalSampler sampler = NormalSampler.ForStream(seed, spec.Name);
        switch (spec.Init)
        {
            case Init.Weight:
                sampler.Fill(values, 0, 0.02);
                break;
            case Init.AttentionScoreWeight:
                sampler.Fill(values, 0, 0.2);
                break;
            case Init.LayerNormWeight:
                sampler.Fill(values, 1, 0.1);
                break;
            case Init.Bias:
                sampler.Fill(values, 0, 0.05);
                break;
            case Init.WordEmbeddings:
                sampler.Fill(values, 0, 0.02);
                if (shape.PadTokenId is int pad)
                    values.AsSpan(pad * shape.EmbeddingSize, shape.EmbeddingSize).Clear();
                break;
        }
        return values;
    }

    /// <summary>The config fields that decide tensor shapes, checked.</summary>
    private sealed record AlbertShape(
        int VocabSize, int EmbeddingSize, int HiddenSize, int NumHiddenGroups, int InnerGroupNum, int IntermediateSize,
        int MaxPositionEmbeddings, int TypeVocabSize, int? PadTokenId)
    {
        public static AlbertShape Read(JsonObject config, string source)
        {
            int hiddenSize = Positive(config, "hidden_size", source);
            int heads = Positive(config, "num_attention_heads", source);
            if (hiddenSize % heads != 0)
                throw new InvalidDataException($"Config '{source}': hidden_size {hiddenSize} is not a multiple of num_attention_heads {heads}.");
            Positive(config, "num_hidden_layers", source);
            int vocabSize = Positive(config, "vocab_size", source);

            int? padTokenId = null;
            if (config["pad_token_id"] is not null)
            {
                int pad = Integer(config, "pad_token_id", source);
                if (pad < 0 || pad >= vocabSize)
                    throw new InvalidDataException($"Config '{source}': pad_token_id {pad} is outside the vocabulary [0, {vocabSize}).");
                padTokenId = pad;
            }
            return new AlbertShape(
                vocabSize,
                Positive(config, "embedding_size", source),
                hiddenSize,
                Positive(config, "num_hidden_groups", source),
                Positive(config, "inner_group_num", source),
                Positive(config, "intermediate_size", source),
                Positive(config, "max_position_embeddings", source),
                Positive(config, "type_vocab_size", source),
                padTokenId);
        }

        private static int Positive(JsonObject config, string key, string source)
        {
            int value = Integer(config, key, source);
            if (value <= 0)
                throw new InvalidDataException($"Config '{source}': {key} is {value}; it must be positive.");
            return value;
        }

        private static int Integer(JsonObject config, string key, string source)
        {
            JsonNode? node = config[key];
            if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue(out int result))
                return result;
            string found = node is null ? "missing" : node.ToJsonString();
            throw new InvalidDataException($"Config '{source}': {key} must be an integer, found {found}.");
        }
    }
}
