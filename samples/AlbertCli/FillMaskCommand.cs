using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using AlbertAot;
using AlbertAot.Pipelines;

namespace AlbertCli;

/// <summary>
/// <c>AlbertCli fill-mask "Hello I'm a [MASK] model." [--top-k N] [--targets a,b]</c>: HF's fill-mask pipeline on the
/// compiled model, printed as HF's pipeline returns it: a list of <c>{score, token, token_str, sequence}</c> for a text
/// with one <c>[MASK]</c>, a list of such lists (one per mask) for several.
/// </summary>
internal static class FillMaskCommand
{
    public const string Usage = "fill-mask \"TEXT with [MASK]\" [--top-k N] [--targets a,b] [--threads N]";

    /// <param name="args">The verb's arguments (after "fill-mask").</param>
    /// <param name="log">Where HF's target warnings go (standard error in the program); null: nowhere.</param>
    /// <returns>0.</returns>
    /// <exception cref="ArgumentException">Bad arguments, a text without [MASK], or a model that cannot fill masks
    /// (<see cref="InvalidOperationException"/>).</exception>
    public static int Run(string[] args, IAlbertModel model, TextWriter output, TextWriter? log = null)
    {
        VerbArguments arguments = VerbArguments.Parse(args, "fill-mask", Usage, "--top-k", "--targets", "--threads");
        string text = arguments.SinglePositional();
        int topK = arguments.TryGet("--top-k", out string? k) ? VerbArguments.ParseCount(k, "--top-k") : FillMaskPipeline.DefaultTopK;
        string[]? targets = arguments.TryGet("--targets", out string? t) ? t.Split(',') : null;

        using AlbertAot.Runtime.AlbertSession? session = arguments.Session(model);
        var pipeline = new FillMaskPipeline(model, session);
        if (targets is not null && log is not null)
            foreach (string warning in pipeline.ResolveTargets(targets).Warnings) log.WriteLine($"warning: {warning}");
        IReadOnlyList<IReadOnlyList<FillMaskResult>> results = pipeline.Run(text, topK, targets);

        output.Write(CliJson.Write(writer => WriteHfOutput(writer, results), indented: true));
        output.Write('\n');
        output.Flush();
        return 0;
    }

    /// <summary>HF's shape: the bare list of candidates for one mask, a list of lists for several.</summary>
    public static void WriteHfOutput(Utf8JsonWriter writer, IReadOnlyList<IReadOnlyList<FillMaskResult>> perMask)
    {
        if (perMask.Count == 1)
        {
            WriteCandidates(writer, perMask[0]);
            return;
        }
        writer.WriteStartArray();
        foreach (IReadOnlyList<FillMaskResult> candidates in perMask) WriteCandidates(writer, candidates);
        writer.WriteEndArray();
    }

    private static void WriteCandidates(Utf8JsonWriter writer, IReadOnlyList<FillMaskResult> candidates)
    {
        writer.WriteStartArray();
        foreach (FillMaskResult r in candidates)
        {
            writer.WriteStartObject();
            writer.WriteNumber("score", (double)r.Score);
            writer.WriteNumber("token", r.Token);
            writer.WriteString("token_str", r.TokenStr);
            writer.WriteString("sequence", r.Sequence);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }
}

/// <summary>
/// JSON output without the reflection serializer (AOT-safe): Utf8JsonWriter, non-ASCII text written as is, float32
/// values written as the double they convert to, in the shortest digits that read back to it (the digits Python's
/// json.dumps writes for HF's <c>tensor.tolist()</c>; only the exponent's "E" differs).
/// </summary>
internal static class CliJson
{
    private static readonly JsonWriterOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonWriterOptions Indented = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = true };

    /// <summary>The text <paramref name="write"/> produces (one JSON value, no trailing newline).</summary>
    public static string Write(Action<Utf8JsonWriter> write, bool indented = false)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, indented ? Indented : Compact)) write(writer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>A float32 value as HF's <c>tensor.tolist()</c> gives it: the double it converts to.</summary>
    public static void WriteFloat(Utf8JsonWriter writer, float value)
    {
        if (!float.IsFinite(value)) throw new InvalidOperationException($"The model produced {value}, which JSON cannot hold.");
        writer.WriteNumberValue((double)value);
    }

    /// <summary>A row-major [rows, width] block as a list of lists.</summary>
    public static void WriteMatrix(Utf8JsonWriter writer, ReadOnlySpan<float> values, int width)
    {
        writer.WriteStartArray();
        for (int at = 0; at < values.Length; at += width) WriteVector(writer, values.Slice(at, width));
        writer.WriteEndArray();
    }

    public static void WriteVector(Utf8JsonWriter writer, ReadOnlySpan<float> values)
    {
        writer.WriteStartArray();
        foreach (float value in values) WriteFloat(writer, value);
        writer.WriteEndArray();
    }
}

/// <summary>A verb's command line: positional arguments and "--name value" options (only the names it accepts).</summary>
internal sealed class VerbArguments
{
    private readonly List<string> _positionals = new();
    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);
    private string _verb = "", _usage = "";

    /// <exception cref="ArgumentException">An unknown option, or an option without its value.</exception>
    public static VerbArguments Parse(string[] args, string verb, string usage, params string[] optionNames)
    {
        ArgumentNullException.ThrowIfNull(args);
        var parsed = new VerbArguments { _verb = verb, _usage = usage };
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (Array.IndexOf(optionNames, arg) < 0)
                    throw new ArgumentException($"unknown option '{arg}' for {verb}; usage: AlbertCli {usage}");
                if (i + 1 >= args.Length) throw new ArgumentException($"option {arg} needs a value; usage: AlbertCli {usage}");
                parsed._options[arg] = args[++i];
            }
            else parsed._positionals.Add(arg);
        }
        return parsed;
    }

    /// <exception cref="ArgumentException">Not exactly one positional argument.</exception>
    public string SinglePositional() => _positionals.Count == 1
        ? _positionals[0]
        : throw new ArgumentException($"{_verb} takes one text (quote it), got {_positionals.Count}; usage: AlbertCli {_usage}");

    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) => _options.TryGetValue(name, out value);

    /// <summary>
    /// <c>--threads N</c>: a session whose GEMMs and attention split across N threads (bit-identical results); null for
    /// the default, 1 (the calling thread alone).
    /// </summary>
    /// <exception cref="ArgumentException">Not a whole number from 1 to 256.</exception>
    public AlbertAot.Runtime.AlbertSession? Session(IAlbertModel model)
    {
        if (!TryGet("--threads", out string? text)) return null;
        int threads = ParseCount(text, "--threads");
        if (threads is < 1 or > 256) throw new ArgumentException($"--threads takes a whole number from 1 to 256, not '{text}'.");
        return threads == 1 ? null : model.CreateSession(threads);
    }

    /// <exception cref="ArgumentException">Not a non-negative integer.</exception>
    public static int ParseCount(string text, string option) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw new ArgumentException($"{option} takes a whole number of 0 or more, not '{text}'.");
}
