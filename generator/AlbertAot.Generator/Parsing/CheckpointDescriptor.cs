using System;
using System.Collections.Generic;
using System.Globalization;
using AlbertAot.Generator.Json;
using AlbertAot.Generator.Model;

namespace AlbertAot.Generator.Parsing;

/// <summary>A conversion the build task did not make, and why.</summary>
internal sealed record SkippedConversion(string Precision, string Reason);

/// <summary>A float tensor the build task found NaN or infinite values in.</summary>
internal sealed record NonFiniteTensor(string Name, long NaNs, long Infinities, long Elements);

/// <summary>
/// What build/AlbertAot.targets found for one declared checkpoint: its files, the size of model.safetensors and
/// its header (the generator may not read files itself). Written to obj/ as "&lt;name&gt;.albert": key=value
/// lines, then "header=" followed by the raw JSON header to the end of the file.
/// The format is tolerant both ways: unknown keys are ignored and every key added later has a default that means
/// "not checked" (an older targets file that does not write header_error_kind, tokenizer_error or nonfinite lines
/// gives the diagnostics it always gave).
/// </summary>
internal sealed record CheckpointDescriptor(
    string Name,
    string Directory,
    string ConfigPath,
    bool ConfigExists,
    string SafetensorsPath,
    long SafetensorsLength,
    long HeaderLength,
    string HeaderError,
    string TokenizerPath,
    bool TokenizerDeclared,
    bool TokenizerExists,
    string HeaderJson)
{
    public const string Extension = ".albert";

    /// <summary>
    /// What kind of problem <see cref="HeaderError"/> is: "truncated" (shorter than the 8-byte length field),
    /// "length" (the length field runs past the end of the file or beyond the format's limit), "utf8" (the header
    /// bytes are not UTF-8), "io" (the file could not be read); "" for none or an older targets file.
    /// </summary>
    public string HeaderErrorKind { get; init; } = "";

    /// <summary>Why the tokenizer file is not a usable SentencePiece model ("" when it is, or was not checked).</summary>
    public string TokenizerError { get; init; } = "";

    /// <summary>How many pieces (ids) the tokenizer has, when the build task read it as valid; -1 when not checked.</summary>
    public int TokenizerPieces { get; init; } = -1;

    /// <summary>"ok" when the build task scanned the float tensors for NaN/Inf, else why not ("" from an older targets file).</summary>
    public string NonFiniteScan { get; init; } = "";

    /// <summary>The float tensors holding NaN or infinite values, in file order.</summary>
    public EquatableArray<NonFiniteTensor> NonFinite { get; init; } = EquatableArray<NonFiniteTensor>.Empty;

    /// <summary>
    /// The precision the described file is in (PrecisionKinds): Float32 for the checkpoint's own model.safetensors,
    /// BFloat16/Int8 for a file the build task converted (docs/precision.md); -1 for a value the generator does not know.
    /// </summary>
    public int Precision { get; init; } = PrecisionKinds.Float32;

    /// <summary>Whether the described file is embedded in the assembly (the task leaves out a float32 file no class uses).</summary>
    public bool Embedded { get; init; } = true;

    /// <summary>The precision classes without Precision = ... use: the item's Precision metadata, or Float32.</summary>
    public int DefaultPrecision { get; init; } = PrecisionKinds.Float32;

    /// <summary>The item's Precision metadata when it names no precision ("" when it is valid or absent).</summary>
    public string PrecisionError { get; init; } = "";

    /// <summary>For a converted file: the model.safetensors it was converted from.</summary>
    public string Source { get; init; } = "";

    /// <summary>The conversions asked for that the task did not make (a broken source, an I/O error), with why.</summary>
    public EquatableArray<SkippedConversion> Skipped { get; init; } = EquatableArray<SkippedConversion>.Empty;

    /// <summary>Whether this describes a file the build task converted (then I8 tensors, their scales and gaps between tensors are expected).</summary>
    public bool IsConverted => Precision != PrecisionKinds.Float32;

    /// <summary>Reads a descriptor; null when the text is not one (then the build targets and generator disagree).</summary>
    public static CheckpointDescriptor? Parse(string? text)
    {
        if (text is null) return null;
        string name = "", directory = "", configPath = "", safetensorsPath = "", headerError = "", tokenizerPath = "", headerJson = "";
        string headerErrorKind = "", tokenizerError = "", nonFiniteScan = "", precisionError = "", source = "";
        int precision = PrecisionKinds.Float32, defaultPrecision = PrecisionKinds.Float32;
        bool embedded = true;
        var nonFinite = new List<NonFiniteTensor>();
        var skipped = new List<SkippedConversion>();
        bool configExists = false, tokenizerDeclared = false, tokenizerExists = false;
        int tokenizerPieces = -1;
        long length = -1, headerLength = -1;
        int pos = 0;
        while (pos < text.Length)
        {
            int end = text.IndexOf('\n', pos);
            if (end < 0) end = text.Length;
            string line = text.Substring(pos, end - pos).TrimEnd('\r');
            if (line.StartsWith("header=", StringComparison.Ordinal))
            {
                headerJson = text.Substring(pos + "header=".Length);
                break;
            }
            pos = end + 1;
            if (line.Length == 0 || line[0] == '#') continue;
            int eq = line.IndexOf('=');
            if (eq <= 0) continue;
            string key = line.Substring(0, eq), value = line.Substring(eq + 1);
            switch (key)
            {
                case "name": name = value; break;
                case "directory": directory = value; break;
                case "config": configPath = value; break;
                case "config_exists": configExists = value == "true"; break;
                case "safetensors": safetensorsPath = value; break;
                case "safetensors_length": length = ParseLong(value); break;
                case "header_length": headerLength = ParseLong(value); break;
                case "header_error": headerError = value; break;
                case "header_error_kind": headerErrorKind = value; break;
                case "tokenizer": tokenizerPath = value; break;
                case "tokenizer_declared": tokenizerDeclared = value == "true"; break;
                case "tokenizer_exists": tokenizerExists = value == "true"; break;
                case "tokenizer_error": tokenizerError = value; break;
                case "tokenizer_pieces": tokenizerPieces = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : -1; break;
                case "nonfinite_scan": nonFiniteScan = value; break;
                case "precision": precision = PrecisionKinds.Parse(value); break;
                case "default_precision": defaultPrecision = Math.Max(PrecisionKinds.Parse(value), PrecisionKinds.Float32); break;
                case "precision_error": precisionError = value; break;
                case "embedded": embedded = value != "false"; break;
                case "source": source = value; break;
                case "skipped":
                    int space = value.IndexOf(' ');
                    skipped.Add(space < 0 ? new SkippedConversion(value, "") : new SkippedConversion(value.Substring(0, space), value.Substring(space + 1)));
                    break;
                case "nonfinite":
                    if (ParseNonFinite(value) is { } tensor) nonFinite.Add(tensor);
                    break;
            }
        }
        if (name.Length == 0) return null;
        return new CheckpointDescriptor(name, directory, configPath, configExists, safetensorsPath, length, headerLength,
            headerError, tokenizerPath, tokenizerDeclared, tokenizerExists, headerJson)
        {
            HeaderErrorKind = headerErrorKind,
            TokenizerError = tokenizerError,
            TokenizerPieces = tokenizerPieces,
            NonFiniteScan = nonFiniteScan,
            NonFinite = nonFinite.ToEquatableArray(),
            Precision = precision,
            Embedded = embedded,
            DefaultPrecision = defaultPrecision,
            PrecisionError = precisionError,
            Source = source,
            Skipped = skipped.ToEquatableArray(),
        };
    }

    /// <summary>"nonfinite=NANS INFS ELEMENTS "name"": three counts, then the tensor name as a JSON string. Malformed lines are skipped.</summary>
    private static NonFiniteTensor? ParseNonFinite(string value)
    {
        string[] parts = value.Split(new[] { ' ' }, 4);
        if (parts.Length != 4) return null;
        long nans = ParseLong(parts[0]), infinities = ParseLong(parts[1]), elements = ParseLong(parts[2]);
        if (nans < 0 || infinities < 0 || elements < 0) return null;
        try
        {
            JsonValue tensor = JsonParser.Parse(parts[3]);
            return tensor.Kind == JsonKind.String ? new NonFiniteTensor(tensor.Text!, nans, infinities, elements) : null;
        }
        catch (JsonParseException)
        {
            return null;
        }
    }

    private static long ParseLong(string value) =>
        long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) ? v : -1;
}
