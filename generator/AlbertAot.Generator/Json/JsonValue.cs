using System.Collections.Generic;

namespace AlbertAot.Generator.Json;

internal enum JsonKind { Object, Array, String, Number, True, False, Null }

/// <summary>A parsed JSON value. Objects keep their members in file order; numbers keep their source text.</summary>
internal sealed class JsonValue
{
    private JsonValue(JsonKind kind) => Kind = kind;

    public JsonKind Kind { get; }

    /// <summary>The string's value, or a number's source text.</summary>
    public string? Text { get; private set; }

    public List<KeyValuePair<string, JsonValue>>? Members { get; private set; }

    public List<JsonValue>? Items { get; private set; }

    public static JsonValue Object(List<KeyValuePair<string, JsonValue>> members) => new(JsonKind.Object) { Members = members };
    public static JsonValue Array(List<JsonValue> items) => new(JsonKind.Array) { Items = items };
    public static JsonValue String(string value) => new(JsonKind.String) { Text = value };
    public static JsonValue Number(string text) => new(JsonKind.Number) { Text = text };
    public static readonly JsonValue True = new(JsonKind.True);
    public static readonly JsonValue False = new(JsonKind.False);
    public static readonly JsonValue Null = new(JsonKind.Null);

    public JsonValue? Get(string name)
    {
        if (Members is null) return null;
        foreach (var member in Members)
            if (member.Key == name) return member.Value;
        return null;
    }

    /// <summary>How the value reads in a message: strings quoted, containers summarised.</summary>
    public string Describe() => Kind switch
    {
        JsonKind.String => "\"" + Text + "\"",
        JsonKind.Number => Text!,
        JsonKind.True => "true",
        JsonKind.False => "false",
        JsonKind.Null => "null",
        JsonKind.Array => "an array",
        _ => "an object",
    };
}
