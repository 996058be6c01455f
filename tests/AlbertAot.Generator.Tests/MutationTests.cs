using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AlbertAot.Generator.Diagnostics;
using AlbertAot.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;
using Xunit.Abstractions;

namespace AlbertAot.Generator.Tests;

/// <summary>
/// The mutation test of issue 7: <see cref="Cases"/> = 5000 random corruptions (seed <see cref="Seed"/>) of valid
/// checkpoints as the build task describes them (the real tiny-groups header and config, and the four tiny-heads task
/// checkpoints), each run through the full GeneratorDriver: byte-level bit flips, truncations, number edits,
/// tensor/field name edits, dtype and rank edits, token swaps, deletions and copies in the safetensors header and
/// config.json, whole config.json replacements, and edits of the descriptor's fields (file and header lengths, the
/// build task's header/tokenizer errors and NaN reports, missing files). 1-3 mutations per case.
/// Every case must end in a generated model or ALB diagnostics: no exception, no AD0001 (or CS8784/CS8785), no ALB9999
/// (a caught generator bug), a model only when no error was reported, and each run within <see cref="s_perCaseBound"/>.
/// The first <see cref="CompiledModels"/> distinct models that still generate (a corruption that leaves a valid
/// checkpoint, e.g. another layer_norm_eps) are compiled.
/// </summary>
public class MutationTests
{
    public const int Seed = 20251126;
    public const int Cases = 5000;
    public const int CompiledModels = 40;
    private static readonly TimeSpan s_perCaseBound = TimeSpan.FromSeconds(3);

    private readonly ITestOutputHelper _output;

    public MutationTests(ITestOutputHelper output) => _output = output;

    // ---- the valid starting points ----

    private sealed record Base(string Name, string Config, string Header, long FileLength)
    {
        public long DataLength => FileLength - 8 - Encoding.UTF8.GetByteCount(Header);
        public string[] TensorNames { get; } = Regex.Matches(Header, "\"([^\"]+)\":\\{\"dtype\"").Select(m => m.Groups[1].Value).ToArray();
    }

    private static readonly Lazy<Base[]> s_bases = new(() => new[]
    {
        new Base("tiny-groups", TinyGroupsFixture.Config, TinyGroupsFixture.Header, TinyGroupsFixture.FileLength),
        new Base("seq-cls", TinyHeadsFixture.Config("seq-cls"), TinyHeadsFixture.Header("seq-cls"), TinyHeadsFixture.FileLengths["seq-cls"]),
        new Base("token-cls", TinyHeadsFixture.Config("token-cls"), TinyHeadsFixture.Header("token-cls"), TinyHeadsFixture.FileLengths["token-cls"]),
        new Base("qa", TinyHeadsFixture.Config("qa"), TinyHeadsFixture.Header("qa"), TinyHeadsFixture.FileLengths["qa"]),
        new Base("multiple-choice", TinyHeadsFixture.Config("multiple-choice"), TinyHeadsFixture.Header("multiple-choice"), TinyHeadsFixture.FileLengths["multiple-choice"]),
    });

    public sealed record MutationCase(int Index, string BaseName, string What, Checkpoint Checkpoint);

    // ---- the mutations ----

    private static readonly string[] s_numbers =
    {
        "0", "-0", "-1", "1", "2", "3", "7", "8", "63", "64", "65", "1.5", "0.0", "-0.0", "1e-3", "1e2", "1e400", "-1e400", "1e-400",
        "2147483647", "2147483648", "-2147483649", "4294967296", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
        "18446744073709551616", "99999999999999999999", "00", "1E+", "0x10", "NaN", "Infinity", "-", "1.", ".5", "+1",
    };

    private static readonly string[] s_tokens =
    {
        "\"F16\"", "\"F32\"", "\"BF16\"", "\"I16\"", "\"U16\"", "\"I32\"", "\"U32\"", "\"I64\"", "\"F64\"", "\"U8\"", "\"F33\"", "\"\"", "null", "true", "[]", "{}", "[0,0]", "[-1]", "[0]", "[1,0]",
        "\"albert\"", "\"gelu\"", "\"relu\"", "\"swiglu\"", "\"bert\"", "\"relative_key\"", "\"__metadata__\"", ",", ":", "\"", "\\u0000", "\\", "[", "]",
        "{", "}", "\"\\ud800\"", "\"\u00e9\"", "{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}",
    };

    private static readonly string[] s_configFields =
    {
        "vocab_size", "embedding_size", "hidden_size", "num_hidden_layers", "num_hidden_groups", "num_attention_heads", "intermediate_size",
        "inner_group_num", "max_position_embeddings", "type_vocab_size", "layer_norm_eps", "pad_token_id", "hidden_act", "position_embedding_type",
        "model_type", "architectures", "id2label", "num_labels", "problem_type",
    };

    private static readonly string[] s_configValues =
    {
        "0", "-1", "-16", "1", "2", "3", "4", "12", "16", "48", "1000", "30000", "2147483648", "1e-12", "1e-5", "0.5", "1e39", "-1e-12", "12.5",
        "\"12\"", "null", "true", "false", "[]", "{}", "[\"AlbertForMaskedLM\"]", "[\"AlbertForPreTraining\"]", "[\"AlbertForQuestionAnswering\"]",
        "[\"AlbertForSequenceClassification\"]", "[\"AlbertForTokenClassification\"]", "[\"AlbertForMultipleChoice\"]", "[1]", "\"gelu\"", "\"gelu_new\"",
        "\"relu\"", "\"swiglu\"", "\"GELU\"", "\"absolute\"", "\"relative_key\"", "\"relative_key_query\"", "\"albert\"", "\"bert\"",
        "{\"0\":\"a\",\"1\":\"b\"}", "{\"0\":\"a\"}", "{\"1\":\"a\"}", "{\"0\":\"a\",\"1\":\"b\",\"2\":\"c\"}", "{\"0\":1}", "\"regression\"", "\"ranking\"",
    };

    /// <summary>The cases, the same on every run.</summary>
    public static IEnumerable<MutationCase> MakeCases()
    {
        var random = new Random(Seed);
        Base[] bases = s_bases.Value;
        for (int i = 0; i < Cases; i++)
        {
            Base b = bases[random.Next(2) == 0 ? 0 : 1 + random.Next(bases.Length - 1)];
            string h = b.Header, c = b.Config;
            var what = new List<string>();
            var descriptorEdits = new List<Func<CheckpointBuilder, CheckpointBuilder>>();
            bool headerNotUtf8 = false;
            int mutations = 1 + random.Next(3);
            for (int m = 0; m < mutations; m++)
            {
                int target = random.Next(20);
                if (target < 9) h = MutateText(random, h, "header", what, b.TensorNames, ref headerNotUtf8);
                else if (target < 16)
                {
                    bool ignored = false;
                    c = random.Next(4) == 0 ? EditConfigField(random, c, what) : MutateText(random, c, "config", what, s_configFields, ref ignored);
                }
                else descriptorEdits.Add(MutateDescriptor(random, b, what));
            }
            long headerLength = Encoding.UTF8.GetByteCount(h);
            CheckpointBuilder builder = new CheckpointBuilder(b.Name, b.Config).WithHeaderText(h).WithConfigFileText(c)
                .WithSafetensorsLength(8 + headerLength + b.DataLength);
            // A header whose bytes are not UTF-8 is what the build task reports, not text the generator sees.
            if (headerNotUtf8) builder.WithHeaderError("the header is not valid UTF-8", "utf8");
            foreach (var edit in descriptorEdits) builder = edit(builder);
            yield return new MutationCase(i, b.Name, string.Join("; ", what), builder.Build());
        }
    }

    private static string MutateText(Random random, string text, string name, List<string> what, string[] names, ref bool notUtf8)
    {
        if (text.Length == 0) return "{}";
        int pos = random.Next(text.Length);
        switch (random.Next(9))
        {
            case 8 when name == "header":
            {
                // A shape with the same element count but another rank: [a, b] → [a * b] or [1, a, b].
                MatchCollection shapes = Regex.Matches(text, "\"shape\":\\[([0-9,]*)\\]");
                if (shapes.Count == 0) goto case 1;
                Match m = shapes[random.Next(shapes.Count)];
                long[] dims = m.Groups[1].Value.Length == 0 ? Array.Empty<long>() : m.Groups[1].Value.Split(',').Select(long.Parse).ToArray();
                long[] reshaped = random.Next(2) == 0 && dims.Length > 0 ? new[] { dims.Aggregate(1L, (x, y) => x * y) } : dims.Prepend(1L).ToArray();
                string value = "\"shape\":[" + string.Join(",", reshaped) + "]";
                what.Add($"{name}: {m.Value} → {value}");
                return text.Substring(0, m.Index) + value + text.Substring(m.Index + m.Length);
            }
            case 8:
            {
                // The whole document replaced: emptied, wrapped in an array, or a JSON scalar.
                string replaced = random.Next(4) switch { 0 => "", 1 => " \n", 2 => "[" + text + "]", _ => "\"" + name + "\"" };
                what.Add($"{name}: replaced by {(replaced.Length > 8 ? "[...]" : replaced)}");
                return replaced;
            }
            case 0:
            {
                // A bit flip in the file's bytes. The compiler reads config.json with U+FFFD for invalid UTF-8; the
                // build task refuses a header that is not UTF-8.
                byte[] bytes = Encoding.UTF8.GetBytes(text);
                int at = random.Next(bytes.Length), bit = random.Next(8);
                bytes[at] ^= (byte)(1 << bit);
                what.Add($"{name}: flip bit {bit} of byte {at}");
                try
                {
                    return new UTF8Encoding(false, true).GetString(bytes);
                }
                catch (DecoderFallbackException)
                {
                    if (name == "header") notUtf8 = true;
                    return Encoding.UTF8.GetString(bytes);
                }
            }
            case 1:
                what.Add($"{name}: truncate to {pos}");
                return text.Substring(0, pos);
            case 2:
            {
                MatchCollection numbers = Regex.Matches(text, @"-?\d+(\.\d+)?([eE][+-]?\d+)?");
                if (numbers.Count == 0) goto case 1;
                Match n = numbers[random.Next(numbers.Count)];
                string replacement = random.Next(3) switch
                {
                    0 => s_numbers[random.Next(s_numbers.Length)],
                    1 => long.TryParse(n.Value, out long v) ? (v + random.Next(-3, 4)).ToString(CultureInfo.InvariantCulture) : "1",
                    _ => long.TryParse(n.Value, out long w) ? (random.Next(2) == 0 ? w * 2 : -w).ToString(CultureInfo.InvariantCulture) : "2",
                };
                what.Add($"{name}: number '{n.Value}' @{n.Index} → '{replacement}'");
                return text.Substring(0, n.Index) + replacement + text.Substring(n.Index + n.Length);
            }
            case 3:
            {
                // Name edits: a tensor name or config key renamed to another one (a duplicate), edited, or cut.
                MatchCollection strings = Regex.Matches(text, "\"([^\"\\\\]*)\"");
                if (strings.Count == 0) goto case 1;
                Match s = strings[random.Next(strings.Count)];
                string old = s.Groups[1].Value;
                string renamed = random.Next(5) switch
                {
                    0 => names[random.Next(names.Length)],
                    1 => old.Length > 0 ? old.Remove(random.Next(old.Length), 1) : "x",
                    2 => old.Length > 0 ? old.Substring(0, random.Next(old.Length)) : "",
                    3 => old.Replace("albert.", random.Next(2) == 0 ? "" : "bert.").Replace(".0.", "." + random.Next(4) + "."),
                    _ => old + (random.Next(2) == 0 ? "_" : ".weight"),
                };
                what.Add($"{name}: name \"{old}\" @{s.Index} → \"{renamed}\"");
                return text.Substring(0, s.Index) + "\"" + renamed + "\"" + text.Substring(s.Index + s.Length);
            }
            case 4:
            {
                int count = 1 + random.Next(Math.Min(40, text.Length - pos));
                what.Add($"{name}: delete {count} @{pos}");
                return text.Remove(pos, count);
            }
            case 5:
            {
                int count = 1 + random.Next(Math.Min(200, text.Length - pos));
                int at = random.Next(text.Length);
                what.Add($"{name}: copy {count} @{pos} to {at}");
                return text.Insert(at, text.Substring(pos, count));
            }
            case 6 when random.Next(2) == 0:
            {
                // A dtype changed: to one of the same width (the layout stays valid), or to any other.
                MatchCollection dtypes = Regex.Matches(text, "\"dtype\":\"([A-Z0-9_]*)\"");
                if (dtypes.Count == 0) goto case 1;
                Match d = dtypes[random.Next(dtypes.Count)];
                string[] choices = d.Groups[1].Value switch
                {
                    "F32" => new[] { "I32", "U32", "F16", "F64" },
                    "F16" or "BF16" => new[] { "I16", "U16", "BF16", "F16", "F32" },
                    _ => new[] { "F32", "F16", "BF16", "BOOL", "F8_E4M3" },
                };
                string dtype = choices[random.Next(choices.Length)];
                what.Add($"{name}: {d.Value} @{d.Index} → {dtype}");
                return text.Substring(0, d.Groups[1].Index) + dtype + text.Substring(d.Groups[1].Index + d.Groups[1].Length);
            }
            case 6:
            {
                // Swap the values of two tensors' fields (dtypes, shapes or offsets trade places).
                MatchCollection fields = Regex.Matches(text, "\"(dtype|shape|data_offsets)\":(\"[^\"]*\"|\\[[^\\]]*\\])");
                if (fields.Count < 2) goto default;
                Match a = fields[random.Next(fields.Count)];
                Match[] same = fields.Where(f => f.Groups[1].Value == a.Groups[1].Value && f.Index != a.Index).ToArray();
                if (same.Length == 0) goto default;
                Match b = same[random.Next(same.Length)];
                var (first, second) = a.Index < b.Index ? (a, b) : (b, a);
                what.Add($"{name}: swap {first.Value} @{first.Index} with {second.Value} @{second.Index}");
                return text.Substring(0, first.Index) + second.Value + text.Substring(first.Index + first.Length, second.Index - first.Index - first.Length) +
                       first.Value + text.Substring(second.Index + second.Length);
            }
            default:
            {
                string token = s_tokens[random.Next(s_tokens.Length)];
                MatchCollection tokens = Regex.Matches(text, "\"[^\"]*\"|-?\\d+|\\[|\\]|\\{|\\}|true|false|null");
                if (tokens.Count == 0) goto case 1;
                Match t = tokens[random.Next(tokens.Count)];
                what.Add($"{name}: token {t.Value} @{t.Index} → {token}");
                return text.Substring(0, t.Index) + token + text.Substring(t.Index + t.Length);
            }
        }
    }

    /// <summary>Sets (or removes, or adds unknown) a config field to a value chosen for the checks it reaches.</summary>
    private static string EditConfigField(Random random, string config, List<string> what)
    {
        string field = s_configFields[random.Next(s_configFields.Length)];
        string value = s_configValues[random.Next(s_configValues.Length)];
        JsonObject? root;
        try
        {
            root = JsonNode.Parse(config) as JsonObject;
            _ = root?.Count; // materialises the members: throws on a duplicate key
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or ArgumentException)
        {
            root = null;
        }
        if (root is null)
        {
            what.Add($"config: prepend \"{field}\": {value}");
            int brace = config.IndexOf('{');
            return brace < 0 ? config : config.Insert(brace + 1, $"\"{field}\": {value},");
        }
        if (random.Next(6) == 0)
        {
            what.Add($"config: remove \"{field}\"");
            root.Remove(field);
        }
        else
        {
            what.Add($"config: \"{field}\": {value}");
            root[field] = JsonNode.Parse(value);
        }
        return root.ToJsonString();
    }

    private static Func<CheckpointBuilder, CheckpointBuilder> MutateDescriptor(Random random, Base b, List<string> what)
    {
        long file = b.FileLength;
        switch (random.Next(13))
        {
            case 0:
            {
                long length = random.Next(4) switch { 0 => file + random.Next(-64, 65), 1 => random.Next(0, 20000), 2 => random.Next(0, 9), _ => -1 };
                what.Add($"safetensors_length={length}");
                return x => x.WithSafetensorsLength(length);
            }
            case 1:
            {
                long header = random.Next(3) switch { 0 => Encoding.UTF8.GetByteCount(b.Header) + random.Next(-16, 17), 1 => random.Next(-1, 100), _ => file + random.Next(0, 10) };
                what.Add($"header_length={header}");
                return x => x.WithHeaderLength(header);
            }
            case 2:
            {
                string kind = new[] { "truncated", "length", "utf8", "io", "", "future-kind" }[random.Next(6)];
                what.Add($"header_error (kind '{kind}')");
                return x => x.WithHeaderError("the task says no", kind);
            }
            case 3:
                what.Add("tokenizer_error");
                return x => x.WithTokenizerError("not protobuf: a varint runs past the end (byte 3)");
            case 4:
            {
                bool exists = random.Next(2) == 0, declared = random.Next(2) == 0;
                what.Add($"tokenizer exists={exists} declared={declared}");
                return x => x.WithTokenizer(exists, declared);
            }
            case 5:
            case 6:
            {
                string[] names = b.TensorNames;
                string tensor = random.Next(4) == 0 ? "garbage \"\n\\ name" : names[random.Next(names.Length)];
                long nans = random.Next(3) == 0 ? 0 : random.Next(1, 1000), infinities = random.Next(2) == 0 ? 0 : long.MaxValue / (1 + random.Next(5));
                long elements = 1 + random.Next(100000);
                what.Add($"nonfinite {tensor} {nans} {infinities}");
                return x => x.WithNonFinite(tensor, nans, infinities, elements);
            }
            case 7:
                what.Add("config_exists=false");
                return x => x.WithConfigMissing();
            case 8:
                what.Add("config not passed");
                return x => x.WithConfigNotPassed();
            case 9:
                what.Add("config unreadable");
                return x => x.WithConfigFileText(null);
            case 10:
                what.Add("descriptor name changed");
                return x => x.WithDescriptorTransform(d => d.Replace("name=" + b.Name + "\n", "name=" + b.Name + "x\n"));
            case 11:
            {
                int cut = random.Next(1, 600);
                what.Add($"descriptor cut by {cut} from the front");
                return x => x.WithDescriptorTransform(d => d.Substring(Math.Min(cut, d.Length)));
            }
            default:
            {
                string line = new[] { "nonfinite=1 2 3", "header_error_kind=length", "unknown=1", "safetensors_length=x", "nonfinite=-1 0 4 \"a\"", "name=" }[random.Next(6)];
                what.Add($"descriptor line '{line}' inserted");
                return x => x.WithDescriptorTransform(d => d.Insert(d.IndexOf("\nheader=", StringComparison.Ordinal) + 1, line + "\n"));
            }
        }
    }

    // ---- running a case ----

    private static readonly HashSet<string> s_ids = AlbertDiagnostics.All.Select(d => d.Id).ToHashSet();

    /// <summary>Each base's user code ([AlbertModel("name")] partial class M), parsed and bound once.</summary>
    private static readonly Lazy<Dictionary<string, Compilation>> s_compilations = new(() =>
        s_bases.Value.ToDictionary(b => b.Name, b => (Compilation)GeneratorHarness.CreateCompilation(GeneratorHarness.ModelSource(b.Name))));

    private static GeneratorRun Run(MutationCase c)
    {
        var (texts, options) = GeneratorHarness.Inputs(new[] { c.Checkpoint });
        return GeneratorHarness.Run(GeneratorHarness.CreateDriver(texts, options), s_compilations.Value[c.BaseName]);
    }

    private static string Context(MutationCase c) => $"case {c.Index} ({c.BaseName}: {c.What})";

    /// <summary>
    /// Success or ALB diagnostics, nothing else: no exception out of the generator (no AD0001, CS8784/CS8785 from the
    /// driver), only known ALB ids and never ALB9999, and a model exactly when no error was reported.
    /// </summary>
    private static void AssertWellFormed(MutationCase c, GeneratorRun run)
    {
        Assert.True(run.Result.Exception is null, $"{Context(c)}: {run.Result.Exception}");
        foreach (Diagnostic d in run.DriverDiagnostics.Concat(run.RunResult.Diagnostics).Concat(run.Diagnostics))
            Assert.True(s_ids.Contains(d.Id) && d.Id != "ALB9999", $"{Context(c)}: {d}");
        bool errors = run.Errors.Any();
        Assert.True(run.Sources.Length == (errors ? 0 : 1), $"{Context(c)}: {(errors ? "a model was generated despite errors" : "neither a model nor an error")}: " +
            string.Join("; ", run.Diagnostics));
    }

    [Fact]
    public void Mutations5000_ThroughTheDriver_EndInAModelOrAlbDiagnostics()
    {
        Run(MakeCases().First()); // JIT warm-up, so the bound measures the generator
        var outcomes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var slowest = (Time: TimeSpan.Zero, Case: -1);
        var total = Stopwatch.StartNew();
        int count = 0;
        foreach (MutationCase c in MakeCases())
        {
            var watch = Stopwatch.StartNew();
            GeneratorRun run;
            try
            {
                run = Run(c);
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException($"{Context(c)} threw {e}");
            }
            watch.Stop();
            if (watch.Elapsed > slowest.Time) slowest = (watch.Elapsed, c.Index);
            Assert.True(watch.Elapsed < s_perCaseBound, $"{Context(c)}: took {watch.Elapsed}");
            AssertWellFormed(c, run);
            count++;
            if (run.Sources.Length == 1) outcomes["generated"] = outcomes.GetValueOrDefault("generated") + 1;
            foreach (string id in run.Diagnostics.Select(d => d.Id).Distinct()) outcomes[id] = outcomes.GetValueOrDefault(id) + 1;
        }
        _output.WriteLine($"{count} cases (seed {Seed}) through the driver in {total.Elapsed.TotalSeconds:F1} s, slowest {slowest.Time.TotalMilliseconds:F0} ms (case {slowest.Case})");
        foreach (var pair in outcomes) _output.WriteLine($"  {pair.Key}: {pair.Value} case(s)");
        Assert.Equal(Cases, count);
        // The corruptions reach every check of the header, the config and the descriptor, and some leave a valid checkpoint.
        foreach (string id in new[]
                 {
                     "generated", "ALB0001", "ALB0002", "ALB0003", "ALB0004", "ALB0005", "ALB0006", "ALB0007", "ALB0008", "ALB0009", "ALB0010",
                     "ALB0011", "ALB0012", "ALB0013", "ALB0014", "ALB0019", "ALB0020", "ALB0021", "ALB0023", "ALB0024", "ALB0025", "ALB0026",
                     "ALB0027", "ALB0028", "ALB0029", "ALB0030", "ALB0031", "ALB0032", "ALB0033", "ALB0034",
                 })
            Assert.True(outcomes.ContainsKey(id), $"no case reached {id}");
    }

    [Fact]
    public void MutationsThatStillGenerate_Compile()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var failures = new List<string>();
        var total = Stopwatch.StartNew();
        foreach (MutationCase c in MakeCases())
        {
            GeneratorRun run = Run(c);
            if (run.Sources.Length != 1 || !seen.Add(run.Sources[0].SourceText.ToString())) continue;
            var problems = run.Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
            if (problems.Count > 0) failures.Add($"{Context(c)}: {problems[0]}");
            if (seen.Count == CompiledModels) break;
        }
        _output.WriteLine($"{seen.Count} distinct generated models compiled in {total.Elapsed.TotalSeconds:F1} s");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal(CompiledModels, seen.Count);
    }

    // ---- scale: a hostile header is large, not only malformed ----

    /// <summary>
    /// 100,000 extra (empty, legal) tensors: an 8 MB header. Parsing is linear: JsonParser once computed the line and
    /// column of every object key by rescanning the text from its start: quadratic in the header (about 3.5e11 character reads here, minutes).
    /// </summary>
    [Fact]
    public void HeaderWith100000Tensors_GeneratesInBoundedTime()
    {
        var builder = new CheckpointBuilder("m", Configs.Tiny);
        for (int i = 0; i < 100_000; i++) builder.WithExtraTensor("extra." + i.ToString(CultureInfo.InvariantCulture), "F32", 0);
        Checkpoint checkpoint = builder.Build();
        Assert.True(checkpoint.HeaderJson.Length > 6_000_000, checkpoint.HeaderJson.Length.ToString(CultureInfo.InvariantCulture));
        var watch = Stopwatch.StartNew();
        GeneratorHarness.Run(checkpoint).AssertNoCrash();
        _output.WriteLine($"{checkpoint.HeaderJson.Length} header characters in {watch.Elapsed.TotalSeconds:F2} s");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
    }

    /// <summary>100,000 broken entries are 100 diagnostics and a count, not 100,000 diagnostics.</summary>
    [Fact]
    public void HeaderWith100000BrokenEntries_ReportsTheFirst100AndACount()
    {
        var builder = new CheckpointBuilder("m", Configs.Tiny);
        for (int i = 0; i < 100_000; i++) builder.WithExtraTensor("bad." + i.ToString(CultureInfo.InvariantCulture), "F99", 1);
        GeneratorRun run = GeneratorHarness.Run(builder.Build()).AssertNoCrash();
        Assert.Equal(101, run.Diagnostics.Length);
        Assert.All(run.Diagnostics.Take(100), d => Assert.Equal("ALB0026", d.Id));
        Assert.Equal("ALB0009", run.Diagnostics[100].Id);
        Assert.EndsWith("is invalid: 99900 further problem(s) with its tensor entries are not listed (only the first 100 are)", GeneratorRun.Message(run.Diagnostics[100]));
    }
}
