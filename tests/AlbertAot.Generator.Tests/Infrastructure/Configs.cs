using System;
using System.IO;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AlbertAot.Generator.Tests.Infrastructure;

/// <summary>config.json texts: the released ALBERT configs (Fixtures/configs), a tiny one, and edits of them.</summary>
public static class Configs
{
    /// <summary>A small valid config: V 100, E 8, H 16, 4 heads, I 32, 2 layers, 1 group × 1 inner, gelu_new.</summary>
    public const string Tiny = """
        {
          "architectures": ["AlbertForMaskedLM"],
          "attention_probs_dropout_prob": 0.1,
          "bos_token_id": 2,
          "embedding_size": 8,
          "eos_token_id": 3,
          "hidden_act": "gelu_new",
          "hidden_dropout_prob": 0.1,
          "hidden_size": 16,
          "initializer_range": 0.02,
          "inner_group_num": 1,
          "intermediate_size": 32,
          "layer_norm_eps": 1e-12,
          "max_position_embeddings": 32,
          "model_type": "albert",
          "num_attention_heads": 4,
          "num_hidden_groups": 1,
          "num_hidden_layers": 2,
          "pad_token_id": 0,
          "type_vocab_size": 2,
          "vocab_size": 100
        }
        """;

    public static readonly string[] ReleasedNames =
    {
        "albert-base-v1", "albert-large-v1", "albert-xlarge-v1", "albert-xxlarge-v1",
        "albert-base-v2", "albert-large-v2", "albert-xlarge-v2", "albert-xxlarge-v2",
    };

    public static string FixturePath(params string[] parts) =>
        Path.Combine(AppContext.BaseDirectory, "Fixtures", Path.Combine(parts));

    public static string Released(string name) => File.ReadAllText(FixturePath("configs", name + ".json"));

    /// <summary>The config with some fields set (a null value writes JSON null) or removed (<see cref="Remove"/>).</summary>
    public static string With(string json, params (string Field, object? Value)[] fields)
    {
        JsonObject root = JsonNode.Parse(json)!.AsObject();
        foreach (var (field, value) in fields)
        {
            if (ReferenceEquals(value, Remove)) root.Remove(field);
            else root[field] = value is null ? null : JsonSerializer.SerializeToNode(value);
        }
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Marker for <see cref="With"/>: delete the field.</summary>
    public static readonly object Remove = new();
}
