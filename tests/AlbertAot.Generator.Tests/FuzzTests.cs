using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using AlbertAot.Generator.Diagnostics;
using AlbertAot.Generator.Parsing;
using AlbertAot.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;
using Xunit.Abstractions;

namespace AlbertAot.Generator.Tests;

/// <summary>
/// Random corruptions (fixed seed) of a real checkpoint's header, its config.json and its descriptor, through the
/// driver: every run must end in a generated model or ALB diagnostics, never an exception, AD0001 or ALB9999, and
/// within a time bound.
/// </summary>
public class FuzzTests
{
    private const int Seed = 20251126;
    private const int Cases = 400;
    private static readonly TimeSpan s_perRunBound = TimeSpan.FromSeconds(3);

    private static readonly string[] s_interesting =
    {
        "0", "-0", "-1", "1", "2", "3", "7", "8", "63", "64", "65", "1.5", "0.0", "1e-3", "1e2", "1e400", "-1e400",
        "2147483647", "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808", "99999999999999999999",
        "00", "1E+", "0x10", "NaN",
    };

    private static readonly string[] s_tokens =
    {
        "\"F16\"", "\"F32\"", "\"BF16\"", "\"I64\"", "\"F64\"", "\"U8\"", "\"\"", "null", "true", "[]", "{}", "[0,0]", "\"albert\"",
        "\"gelu\"", "\"relu\"", "\"bert\"", "\"relative_key\"", "\"__metadata__\"", ",", ":", "\"", "\\u0000", "\\", "[", "]", "{", "}",
    };

    private readonly ITestOutputHelper _output;

    public FuzzTests(ITestOutputHelper output) => _output = output;

    public sealed record FuzzCase(int Index, string What, Checkpoint Checkpoint);

    /// <summary>The cases, the same on every run: 1-3 mutations of the tiny-groups checkpoint each.</summary>
    public static List<FuzzCase> MakeCases()
    {
        var random = new Random(Seed);
        string header = TinyGroupsFixture.Header;
        string config = TinyGroupsFixture.Config;
        var cases = new List<FuzzCase>();
        for (int i = 0; i < Cases; i++)
        {
            string h = header, c = config;
            long? length = null, headerLength = null;
            var what = new List<string>();
            int mutations = 1 + random.Next(3);
            for (int m = 0; m < mutations; m++)
            {
                int target = random.Next(20);
                if (target < 10) h = Mutate(random, h, "header", what, isConfig: false);
                else if (target < 17) c = Mutate(random, c, "config", what, isConfig: true);
                else if (target < 19)
                {
                    length = random.Next(3) switch
                    {
                        0 => TinyGroupsFixture.FileLength + random.Next(-64, 65),
                        1 => random.Next(0, 20000),
                        _ => -1,
                    };
                    what.Add($"safetensors_length={length}");
                }
                else
                {
                    headerLength = random.Next(2) == 0 ? 10656 + random.Next(-16, 17) : random.Next(-1, 100);
                    what.Add($"header_length={headerLength}");
                }
            }
            CheckpointBuilder builder = TinyGroupsFixture.Builder().WithHeaderText(h).WithConfigFileText(c)
                .WithSafetensorsLength(length ?? TinyGroupsFixture.FileLength);
            if (headerLength is long hl) builder.WithHeaderLength(hl);
            cases.Add(new FuzzCase(i, string.Join("; ", what), builder.Build()));
        }
        return cases;
    }

    private static string Mutate(Random random, string text, string name, List<string> what, bool isConfig)
    {
        if (text.Length == 0) return "{";
        int pos = random.Next(text.Length);
        switch (random.Next(6))
        {
            case 0:
            {
                char flipped = (char)(text[pos] ^ (1 << random.Next(7)));
                what.Add($"{name}: flip @{pos} '{text[pos]}'→U+{(int)flipped:X4}");
                return text.Substring(0, pos) + flipped + text.Substring(pos + 1);
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
                    0 => s_interesting[random.Next(s_interesting.Length)],
                    1 => long.TryParse(n.Value, out long v) ? (v + random.Next(-3, 4)).ToString(CultureInfo.InvariantCulture) : "1",
                    _ => long.TryParse(n.Value, out long w) ? (w * 2).ToString(CultureInfo.InvariantCulture) : "2",
                };
                what.Add($"{name}: number '{n.Value}' @{n.Index} → '{replacement}'");
                return text.Substring(0, n.Index) + replacement + text.Substring(n.Index + n.Length);
            }
            case 3:
            {
                int count = 1 + random.Next(Math.Min(40, text.Length - pos));
                what.Add($"{name}: delete {count} @{pos}");
                return text.Remove(pos, count);
            }
            case 4:
            {
                int count = 1 + random.Next(Math.Min(200, text.Length - pos));
                int at = random.Next(text.Length);
                what.Add($"{name}: copy {count} @{pos} to {at}");
                return text.Insert(at, text.Substring(pos, count));
            }
            default:
            {
                string token = s_tokens[random.Next(s_tokens.Length)];
                MatchCollection strings = Regex.Matches(text, "\"[^\"]*\"|-?\\d+|\\[|\\]|\\{|\\}|true|false|null");
                if (strings.Count == 0) goto case 1;
                Match s = strings[random.Next(strings.Count)];
                what.Add($"{name}: token {s.Value} @{s.Index} → {token}");
                return text.Substring(0, s.Index) + token + text.Substring(s.Index + s.Length);
            }
        }
    }

    private static readonly HashSet<string> s_ids = AlbertDiagnostics.All.Select(d => d.Id).ToHashSet();

    [Fact]
    public void RandomCorruptions_EndInAModelOrAlbDiagnostics_NeverACrash()
    {
        Compilation compilation = GeneratorHarness.CreateCompilation(GeneratorHarness.ModelSource("tiny-groups"));
        // Warm up the JIT and the compilation's symbol tables so the bound measures the generator.
        GeneratorHarness.Run(GeneratorHarness.CreateDriver(GeneratorHarness.Inputs(new[] { TinyGroupsFixture.Checkpoint() }).Texts,
            GeneratorHarness.Inputs(new[] { TinyGroupsFixture.Checkpoint() }).Options), compilation).AssertGeneratesAndCompiles();

        var outcomes = new Dictionary<string, int>();
        var slowest = TimeSpan.Zero;
        var total = Stopwatch.StartNew();
        foreach (FuzzCase c in MakeCases())
        {
            var (texts, options) = GeneratorHarness.Inputs(new[] { c.Checkpoint });
            var watch = Stopwatch.StartNew();
            GeneratorRun run;
            try
            {
                run = GeneratorHarness.Run(GeneratorHarness.CreateDriver(texts, options), compilation);
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException($"case {c.Index} ({c.What}) threw {e}");
            }
            watch.Stop();
            if (watch.Elapsed > slowest) slowest = watch.Elapsed;
            string context = $"case {c.Index} ({c.What})";

            Assert.True(run.Result.Exception is null, $"{context}: {run.Result.Exception}");
            foreach (Diagnostic d in run.Diagnostics.Concat(run.DriverDiagnostics))
                Assert.True(s_ids.Contains(d.Id) && d.Id != "ALB9999", $"{context}: {d}");
            Assert.True(watch.Elapsed < s_perRunBound, $"{context}: took {watch.Elapsed}");

            var errors = run.Errors.ToList();
            if (run.Sources.Length == 1)
            {
                Assert.True(errors.Count == 0, $"{context}: a model was generated despite {string.Join(", ", errors)}");
                outcomes["generated"] = outcomes.GetValueOrDefault("generated") + 1;
            }
            else
            {
                Assert.True(run.Sources.Length == 0, $"{context}: {run.Sources.Length} sources");
                Assert.True(errors.Count > 0, $"{context}: neither a model nor an error");
                foreach (string id in errors.Select(e => e.Id).Distinct()) outcomes[id] = outcomes.GetValueOrDefault(id) + 1;
            }
        }
        _output.WriteLine($"{Cases} cases in {total.Elapsed.TotalSeconds:F1} s, slowest {slowest.TotalMilliseconds:F0} ms");
        foreach (var pair in outcomes.OrderBy(p => p.Key)) _output.WriteLine($"  {pair.Key}: {pair.Value}");
        // The corruptions reach the header, the config and the descriptor checks, and some leave a valid checkpoint.
        Assert.Contains("generated", outcomes.Keys);
        Assert.Contains("ALB0009", outcomes.Keys);
        Assert.Contains("ALB0010", outcomes.Keys);
        Assert.Contains("ALB0004", outcomes.Keys);
    }

    /// <summary>Where a corruption still yields a model (e.g. a changed layer_norm_eps or layer count), the model compiles.</summary>
    [Fact]
    public void RandomCorruptions_ThatStillGenerate_Compile()
    {
        Compilation compilation = GeneratorHarness.CreateCompilation(GeneratorHarness.ModelSource("tiny-groups"));
        var seen = new HashSet<string>();
        var failures = new List<string>();
        int compiled = 0;
        foreach (FuzzCase c in MakeCases())
        {
            var (texts, options) = GeneratorHarness.Inputs(new[] { c.Checkpoint });
            GeneratorRun run = GeneratorHarness.Run(GeneratorHarness.CreateDriver(texts, options), compilation);
            if (run.Sources.Length != 1 || !seen.Add(run.Sources[0].SourceText.ToString())) continue;
            compiled++;
            var problems = run.Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
            if (problems.Count > 0) failures.Add($"case {c.Index} ({c.What}): {problems[0]}");
        }
        _output.WriteLine($"{compiled} distinct generated models compiled");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>
    /// Valid configs for the tiny-groups tensors with random values for what the tensors do not fix (layer count,
    /// layer_norm_eps over a realistic range, activation, padding id, ignored fields): every model compiles and
    /// carries the values. (Values outside float range are GeneratedCodeRobustnessTests' failing case.)
    /// </summary>
    [Fact]
    public void RandomValidConfigs_CompileWithTheirValues()
    {
        var random = new Random(Seed + 1);
        string[] activations = ConfigParser.Activations.Keys.ToArray();
        Compilation compilation = GeneratorHarness.CreateCompilation(GeneratorHarness.ModelSource("tiny-groups"));
        for (int i = 0; i < 60; i++)
        {
            // Up to the generator's bound on layer applications (tiny-groups has 2 inner layers per group).
            int layers = (int)Math.Round(Math.Exp(random.NextDouble() * Math.Log(ConfigParser.MaxLayerApplications / 2 / 4.0)) * 4);
            double eps = Math.Pow(10, -20 + random.NextDouble() * 19);
            string act = activations[random.Next(activations.Length)];
            int pad = random.Next(30000);
            string config = Configs.With(TinyGroupsFixture.Config, ("num_hidden_layers", layers), ("layer_norm_eps", eps),
                ("hidden_act", act), ("pad_token_id", pad), ("gap_size", random.Next(100)), ("hidden_dropout_prob", random.NextDouble()));
            Checkpoint checkpoint = TinyGroupsFixture.Builder().WithConfigFileText(config).WithHeaderText(TinyGroupsFixture.Header)
                .WithSafetensorsLength(TinyGroupsFixture.FileLength).Build();
            var (texts, options) = GeneratorHarness.Inputs(new[] { checkpoint });
            GeneratorRun run = GeneratorHarness.Run(GeneratorHarness.CreateDriver(texts, options), compilation);
            string context = $"case {i}: layers {layers}, eps {eps:R}, {act}, pad {pad}";
            try
            {
                run.AssertGeneratesAndCompiles();
                var model = new GeneratedModel(run);
                Assert.Equal(layers, model.Constant("NumHiddenLayers"));
                Assert.Equal((float)eps, model.Constant("LayerNormEps"));
                Assert.Equal(act, model.Constant("HiddenAct"));
                Assert.Equal(pad, model.Constant("PadTokenId"));
                Assert.Equal(GeneratedModel.HfSchedule(layers, 2, 2), model.Schedule());
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new Xunit.Sdk.XunitException(context + ": " + e.Message);
            }
        }
    }
}
