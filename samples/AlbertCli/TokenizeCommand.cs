using System;
using System.Buffers;
using System.IO;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using AlbertAot.Tokenization;

namespace AlbertCli;

/// <summary>
/// <c>AlbertCli tokenize</c>: JSONL in, JSONL out, one line at a time. Each input line is
/// <c>{"id"?, "text", "text_pair"?, "max_length"?, "padding"?}</c> (HF's <c>tokenizer(text, text_pair,
/// truncation=True, max_length=N, padding=...)</c>; no max_length, no truncation); each output line has
/// <c>id</c> (echoed when given), <c>input_ids</c>, <c>token_type_ids</c>, <c>attention_mask</c>, <c>tokens</c>,
/// <c>decoded</c> (special tokens skipped, no clean-up) and <c>decoded_cleanup</c> (with clean-up): the fields of the
/// HF tokenizer cases. A line that cannot be handled gives <c>{"id"?, "error"}</c> and the exit status 1.
/// </summary>
internal static class TokenizeCommand
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Tokenizes every line of <paramref name="input"/> until its end; blank lines are skipped.</summary>
    /// <returns>0 when every line was tokenized, 1 when some gave an error line.</returns>
    public static int Run(TextReader input, TextWriter output, AlbertTokenizer tokenizer)
    {
        var buffer = new ArrayBufferWriter<byte>();
        int failures = 0;
        int lineNumber = 0;
        string? line;
        while ((line = input.ReadLine()) is not null)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            buffer.ResetWrittenCount();
            using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            {
                if (!TryTokenize(line, lineNumber, tokenizer, writer)) failures++;
            }
            output.Write(Encoding.UTF8.GetString(buffer.WrittenSpan));
            output.Write('\n');
        }
        output.Flush();
        return failures == 0 ? 0 : 1;
    }

    private static bool TryTokenize(string line, int lineNumber, AlbertTokenizer tokenizer, Utf8JsonWriter writer)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            WriteError(writer, null, $"line {lineNumber} is not JSON: {e.Message}");
            return false;
        }
        using (document)
        {
            JsonElement request = document.RootElement;
            JsonElement? id = request.ValueKind == JsonValueKind.Object && request.TryGetProperty("id", out JsonElement idValue) ? idValue : null;
            AlbertEncoding encoding;
            try
            {
                encoding = Encode(request, tokenizer);
            }
            catch (FormatException e)
            {
                WriteError(writer, id, $"line {lineNumber}: {e.Message}");
                return false;
            }

            writer.WriteStartObject();
            if (id is JsonElement echoed)
            {
                writer.WritePropertyName("id");
                echoed.WriteTo(writer);
            }
            WriteInts(writer, "input_ids", encoding.InputIds);
            WriteInts(writer, "token_type_ids", encoding.TokenTypeIds);
            WriteInts(writer, "attention_mask", encoding.AttentionMask);
            writer.WriteStartArray("tokens");
            foreach (string token in encoding.Tokens) writer.WriteStringValue(token);
            writer.WriteEndArray();
            writer.WriteString("decoded", tokenizer.Decode(encoding.InputIds, skipSpecialTokens: true, cleanUpTokenizationSpaces: false));
            writer.WriteString("decoded_cleanup", tokenizer.Decode(encoding.InputIds, skipSpecialTokens: true, cleanUpTokenizationSpaces: true));
            writer.WriteEndObject();
            return true;
        }
    }

    /// <exception cref="FormatException">The request is not an object with the fields described above.</exception>
    private static AlbertEncoding Encode(JsonElement request, AlbertTokenizer tokenizer)
    {
        if (request.ValueKind != JsonValueKind.Object) throw new FormatException($"expected a JSON object, got {request.ValueKind}");
        if (!request.TryGetProperty("text", out JsonElement text) || text.ValueKind != JsonValueKind.String)
            throw new FormatException("\"text\" must be a string");
        string? textPair = null;
        if (request.TryGetProperty("text_pair", out JsonElement pair) && pair.ValueKind != JsonValueKind.Null)
        {
            if (pair.ValueKind != JsonValueKind.String) throw new FormatException("\"text_pair\" must be a string or null");
            textPair = pair.GetString();
        }
        int? maxLength = null;
        if (request.TryGetProperty("max_length", out JsonElement max) && max.ValueKind != JsonValueKind.Null)
        {
            if (max.ValueKind != JsonValueKind.Number || !max.TryGetInt32(out int value) || value < 1)
                throw new FormatException($"\"max_length\" must be a positive integer or null, not {max.GetRawText()}");
            maxLength = value;
        }
        bool padToMaxLength = false;
        if (request.TryGetProperty("padding", out JsonElement padding))
        {
            // One text at a time: "longest" (or true) pads to its own length, i.e. not at all.
            padToMaxLength = padding.ValueKind switch
            {
                JsonValueKind.String when padding.ValueEquals("max_length") => true,
                JsonValueKind.String when padding.ValueEquals("longest") || padding.ValueEquals("do_not_pad") => false,
                JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null => false,
                _ => throw new FormatException($"\"padding\" must be \"max_length\", \"longest\", \"do_not_pad\", a boolean or null, not {padding.GetRawText()}"),
            };
            if (padToMaxLength && maxLength is null) throw new FormatException("\"padding\": \"max_length\" needs \"max_length\"");
        }
        return tokenizer.Encode(text.GetString()!, textPair, maxLength, padToMaxLength);
    }

    private static void WriteInts(Utf8JsonWriter writer, string name, int[] values)
    {
        writer.WriteStartArray(name);
        foreach (int value in values) writer.WriteNumberValue(value);
        writer.WriteEndArray();
    }

    private static void WriteError(Utf8JsonWriter writer, JsonElement? id, string message)
    {
        writer.WriteStartObject();
        if (id is JsonElement echoed)
        {
            writer.WritePropertyName("id");
            echoed.WriteTo(writer);
        }
        writer.WriteString("error", message);
        writer.WriteEndObject();
    }
}
