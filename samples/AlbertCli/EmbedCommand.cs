using System;
using System.IO;
using System.Text.Json;
using AlbertAot;
using AlbertAot.Pipelines;

namespace AlbertCli;

/// <summary>
/// <c>AlbertCli embed "text" [--pair "text2"]</c>: the model's features for a text or a pair, printed as one JSON object
/// <c>{"last_hidden_state": [[...] per token], "pooler_output": [...]}</c> (<c>pooler_output</c> null when the
/// checkpoint has no pooler). Tokens include <c>[CLS]</c> and <c>[SEP]</c>, as HF's AlbertModel sees them.
/// </summary>
internal static class EmbedCommand
{
    public const string Usage = "embed \"TEXT\" [--pair \"TEXT2\"] [--threads N]";

    /// <param name="args">The verb's arguments (after "embed").</param>
    /// <returns>0.</returns>
    /// <exception cref="ArgumentException">Bad arguments.</exception>
    /// <exception cref="InvalidOperationException">The model has no tokenizer.</exception>
    public static int Run(string[] args, IAlbertModel model, TextWriter output)
    {
        VerbArguments arguments = VerbArguments.Parse(args, "embed", Usage, "--pair", "--threads");
        string text = arguments.SinglePositional();
        string? pair = arguments.TryGet("--pair", out string? p) ? p : null;

        using AlbertAot.Runtime.AlbertSession? session = arguments.Session(model);
        FeatureExtractionResult features = new FeatureExtractionPipeline(model, session).Run(text, pair);

        output.Write(CliJson.Write(writer => WriteFeatures(writer, features)));
        output.Write('\n');
        output.Flush();
        return 0;
    }

    /// <summary><c>{"last_hidden_state": [tokens][hidden], "pooler_output": [hidden] or null}</c>.</summary>
    public static void WriteFeatures(Utf8JsonWriter writer, FeatureExtractionResult features)
    {
        writer.WriteStartObject();
        writer.WritePropertyName("last_hidden_state");
        CliJson.WriteMatrix(writer, features.LastHiddenState.Data, features.LastHiddenState.Shape[1]);
        writer.WritePropertyName("pooler_output");
        if (features.PoolerOutput is { } pooled) CliJson.WriteVector(writer, pooled.Data);
        else writer.WriteNullValue();
        writer.WriteEndObject();
    }

    /// <summary>What HF's feature-extraction pipeline returns for one input: <c>[1][tokens][hidden]</c>.</summary>
    public static void WriteHfOutput(Utf8JsonWriter writer, FeatureExtractionResult features)
    {
        writer.WriteStartArray();
        CliJson.WriteMatrix(writer, features.LastHiddenState.Data, features.LastHiddenState.Shape[1]);
        writer.WriteEndArray();
    }
}
