using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using AlbertAot.Generator.Parsing;
using AlbertAot.Generator.Tests.Infrastructure;
using AlbertAot.Tests.Integration;
using Microsoft.CodeAnalysis;
using Xunit;

namespace AlbertAot.Generator.Tests;

/// <summary>
/// build/AlbertAot.targets' BF16/INT8 conversion run for real (docs/precision.md) on small checkpoints with known values:
/// the item's Precision metadata, precisions named literally in a C# source, a broken source, an F16 source, a bad value.
/// </summary>
public sealed class PrecisionBuildFixture : IDisposable
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "albertaot-precision-" + Guid.NewGuid().ToString("N")[..8]);
    public Dictionary<string, Checkpoint> Sources { get; } = new(StringComparer.Ordinal);
    public string FirstOutput { get; }
    public string SecondOutput { get; }
    public string[] Resources { get; }

    /// <summary>Values written into the pooler matrix (row 0 of albert.pooler.weight) to pin BF16 rounding by hand.</summary>
    public static readonly uint[] PoolerRow0 =
    {
        0x3F808000, // 1.00390625: halfway between bf16 0x3F80 and 0x3F81: ties to even, 0x3F80
        0x3F818000, // halfway between 0x3F81 and 0x3F82: ties to even, 0x3F82
        0x3F808001, // just above halfway: 0x3F81
        0x3F807FFF, // just below halfway: 0x3F80
        0xBF80C000, // -1.005859375, three quarters of the way from bf16 0xBF80 to 0xBF81: 0xBF81
        0x7FC00000, // NaN stays NaN
        0x7F7FFFFF, // float.MaxValue rounds up to +Inf
        0x00000000, // zero
    };

    public PrecisionBuildFixture()
    {
        Directory.CreateDirectory(Root);
        Write("bf", new CheckpointBuilder("bf", Configs.Tiny), "Precision=\"BFloat16\"");
        Write("i8", new CheckpointBuilder("i8", Configs.Tiny), "Precision=\"int8\"");
        Write("both", new CheckpointBuilder("both", Configs.Tiny), "");
        Write("half", new CheckpointBuilder("half", Configs.Tiny).WithDType("F16"), "Precision=\"bf16\"");
        Write("badvalue", new CheckpointBuilder("badvalue", Configs.Tiny), "Precision=\"fp8\"");
        Write("broken", new CheckpointBuilder("broken", Configs.Tiny), "Precision=\"BFloat16\"", cut: 100);
        // Precision named in the source only: both precisions converted, the float32 file not embedded.
        File.WriteAllText(Path.Combine(Root, "Models.cs"), """
            using AlbertAot;
            [AlbertModel("both", Precision = AlbertPrecision.Int8)] public partial class BothInt8;
            [global::AlbertAot.AlbertModelAttribute( "both" , Heads = AlbertHeads.MaskedLM,
                Precision = global::AlbertAot.AlbertPrecision.BFloat16)] public partial class BothBf16;
            """);
        string build = Path.Combine(BuildTaskFixture.RepositoryRoot, "src", "AlbertAot", "build");
        File.WriteAllText(Path.Combine(Root, "p.proj"), $"""
            <Project>
              <Import Project="{Path.Combine(build, "AlbertAot.props")}" />
              <PropertyGroup><IntermediateOutputPath>obj/</IntermediateOutputPath></PropertyGroup>
              <ItemGroup>
                {string.Join("\n    ", _items)}
                <Compile Include="Models.cs" />
              </ItemGroup>
              <Import Project="{Path.Combine(build, "AlbertAot.targets")}" />
              <Target Name="ListResources" DependsOnTargets="AlbertPrepareCheckpoints">
                <WriteLinesToFile File="resources.txt" Lines="@(EmbeddedResource->'%(LogicalName)')" Overwrite="true" />
              </Target>
            </Project>
            """);
        FirstOutput = MsBuild();
        SecondOutput = MsBuild();
        Resources = File.ReadAllLines(Path.Combine(Root, "resources.txt"));
    }

    private readonly List<string> _items = new();

    public string MsBuild()
    {
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var (code, output) = DotnetCli.Run(dotnet, "msbuild p.proj -t:ListResources -nologo -v:n -nodeReuse:false", Root, TimeSpan.FromMinutes(3));
        Assert.True(code == 0, "dotnet msbuild failed:\n" + output);
        return output;
    }

    /// <summary>A checkpoint folder whose values are a deterministic pseudo-random pattern, with row 3 of every matrix zero.</summary>
    private void Write(string name, CheckpointBuilder builder, string metadata, int cut = 0)
    {
        Checkpoint c = builder.Build();
        Sources[name] = c;
        var data = new byte[c.SafetensorsLength - c.DataStart];
        var random = new Random(name.GetHashCode(StringComparison.Ordinal) & 0xFFFF);
        foreach (HeaderTensor t in c.Tensors)
        {
            long columns = t.Shape.Length == 2 ? t.Shape[1] : long.MaxValue;
            for (long i = 0; i < t.ElementCount; i++)
            {
                float v = i / columns == 3 ? 0 : (float)((random.NextDouble() * 2 - 1) * Math.Pow(2, random.Next(-6, 3)));
                if (t.DType == "F32") BitConverter.GetBytes(v).CopyTo(data, t.Begin + 4 * i);
                else BitConverter.GetBytes(BitConverter.HalfToUInt16Bits((Half)v)).CopyTo(data, t.Begin + 2 * i);
            }
        }
        HeaderTensor pooler = c.Tensor("albert.pooler.weight");
        if (name == "bf") // (NaN and an overflow: not in the others, whose descriptors must give no ALB0029)
            for (int i = 0; i < PoolerRow0.Length; i++) BitConverter.GetBytes(PoolerRow0[i]).CopyTo(data, pooler.Begin + 4 * i);
        byte[] file = BitConverter.GetBytes((ulong)c.HeaderLength).Concat(Encoding.UTF8.GetBytes(c.HeaderJson)).Concat(data).ToArray();
        string dir = Path.Combine(Root, name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config.json"), Configs.Tiny);
        File.WriteAllBytes(Path.Combine(dir, "model.safetensors"), file[..(file.Length - cut)]);
        File.WriteAllBytes(Path.Combine(dir, "spiece.model"), SentencePieceBytes.Model());
        _items.Add($"<AlbertCheckpoint Include=\"{name}\" {metadata} />");
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

public sealed class PrecisionBuildTaskTests : IClassFixture<PrecisionBuildFixture>
{
    private readonly PrecisionBuildFixture _f;

    public PrecisionBuildTaskTests(PrecisionBuildFixture fixture) => _f = fixture;

    private string Obj(params string[] parts) => Path.Combine(_f.Root, "obj", "albert", Path.Combine(parts));

    private sealed record Tensor(string Name, string DType, long[] Shape, long Begin, long End);

    /// <summary>A safetensors file read and checked independently of the task and the generator.</summary>
    private sealed class SafetensorsFile
    {
        public SafetensorsFile(string path)
        {
            Bytes = File.ReadAllBytes(path);
            long n = (long)BitConverter.ToUInt64(Bytes, 0);
            Assert.InRange(n, 2, Bytes.Length - 8);
            DataStart = 8 + n;
            using JsonDocument header = JsonDocument.Parse(Encoding.UTF8.GetString(Bytes, 8, (int)n).TrimEnd(' '));
            foreach (JsonProperty p in header.RootElement.EnumerateObject())
            {
                if (p.Name == "__metadata__")
                {
                    foreach (JsonProperty m in p.Value.EnumerateObject()) Metadata[m.Name] = m.Value.GetString()!;
                    continue;
                }
                long[] offsets = p.Value.GetProperty("data_offsets").EnumerateArray().Select(x => x.GetInt64()).ToArray();
                Tensors.Add(new Tensor(p.Name, p.Value.GetProperty("dtype").GetString()!,
                    p.Value.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()).ToArray(), offsets[0], offsets[1]));
            }
        }

        public byte[] Bytes { get; }
        public long DataStart { get; }
        public Dictionary<string, string> Metadata { get; } = new();
        public List<Tensor> Tensors { get; } = new();
        public Tensor this[string name] => Tensors.Single(t => t.Name == name);
        public ReadOnlySpan<byte> Data(Tensor t) => Bytes.AsSpan((int)(DataStart + t.Begin), (int)(t.End - t.Begin));
        public float[] Floats(Tensor t) => t.DType switch
        {
            "F32" => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(Data(t)).ToArray(),
            "F16" => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(Data(t)).ToArray().Select(h => (float)h).ToArray(),
            _ => throw new InvalidOperationException(t.DType),
        };
    }

    /// <summary>bfloat16 by arithmetic, not bit tricks: the nearer of the two bfloat16 values around x, the even one on a tie.</summary>
    private static ushort NearestBFloat16(float x)
    {
        if (float.IsNaN(x)) return 0x7FC0;
        uint bits = BitConverter.SingleToUInt32Bits(x);
        uint lower = bits & 0xFFFF0000u, upper = lower + 0x10000u;
        double below = Math.Abs((double)x - BitConverter.UInt32BitsToSingle(lower));
        double above = Math.Abs((double)BitConverter.UInt32BitsToSingle(upper) - x);
        if (float.IsInfinity(BitConverter.UInt32BitsToSingle(upper)) && !float.IsInfinity(x))
            above = Math.Abs(Math.Pow(2, 128) * Math.Sign(x) - x); // the rounding boundary to infinity is 2^128
        if (below < above || (below == above && (lower & 0x10000u) == 0)) return (ushort)(lower >> 16);
        return (ushort)(upper >> 16);
    }

    private void AssertValidLayout(SafetensorsFile file)
    {
        Assert.Equal(0, file.DataStart % 8);
        long end = 0;
        foreach (Tensor t in file.Tensors.OrderBy(t => t.Begin))
        {
            Assert.True(t.Begin >= end, $"{t.Name} overlaps the tensor before it");
            Assert.Equal(0, t.Begin % 64);
            int size = t.DType switch { "F32" => 4, "I8" => 1, _ => 2 };
            Assert.Equal(t.Shape.Aggregate(1L, (a, b) => a * b) * size, t.End - t.Begin);
            end = t.End;
        }
        Assert.Equal(file.Bytes.Length - file.DataStart, end);
    }

    private void AssertConverted(string name, string precision)
    {
        Checkpoint source = _f.Sources[name];
        var original = new SafetensorsFile(Path.Combine(_f.Root, name, "model.safetensors"));
        var converted = new SafetensorsFile(Obj(precision == "Int8" ? "int8" : "bf16", name + ".safetensors"));
        AssertValidLayout(converted);
        Assert.Equal(precision == "Int8" ? "int8" : "bf16", converted.Metadata["albert_aot.precision"]);
        Assert.Equal("model.safetensors", converted.Metadata["albert_aot.source"]);
        Assert.Equal("pt", converted.Metadata["format"]);

        // Same tensors in the same data order, plus one _scale after each INT8 matrix.
        var expectedOrder = new List<string>();
        foreach (Tensor t in original.Tensors.OrderBy(t => t.Begin))
        {
            expectedOrder.Add(t.Name);
            if (precision == "Int8" && CheckpointBuilder.IsConvertedName(t.Name)) expectedOrder.Add(t.Name + "_scale");
        }
        Assert.Equal(expectedOrder, converted.Tensors.OrderBy(t => t.Begin).Select(t => t.Name));

        int convertedCount = 0;
        foreach (Tensor s in original.Tensors)
        {
            Tensor c = converted[s.Name];
            Assert.Equal(s.Shape, c.Shape);
            if (!CheckpointBuilder.IsConvertedName(s.Name))
            {
                Assert.Equal(s.DType, c.DType);
                Assert.True(original.Data(s).SequenceEqual(converted.Data(c)), $"{s.Name} must be copied byte for byte");
                continue;
            }
            convertedCount++;
            float[] w = original.Floats(s);
            if (precision == "BFloat16")
            {
                Assert.Equal("BF16", c.DType);
                ushort[] b = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(converted.Data(c)).ToArray();
                for (int i = 0; i < w.Length; i++)
                    if (b[i] != NearestBFloat16(w[i]) && !(float.IsNaN(w[i]) && (b[i] & 0x7FFF) > 0x7F80))
                        Assert.Fail($"{s.Name}[{i}] = {w[i]:R}: bf16 0x{b[i]:X4}, expected 0x{NearestBFloat16(w[i]):X4}");
            }
            else
            {
                Assert.Equal("I8", c.DType);
                Tensor scaleTensor = converted[s.Name + "_scale"];
                Assert.Equal("F32", scaleTensor.DType);
                Assert.Equal(new[] { s.Shape[0] }, scaleTensor.Shape);
                float[] scales = converted.Floats(scaleTensor);
                sbyte[] q = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, sbyte>(converted.Data(c)).ToArray();
                int columns = (int)s.Shape[1];
                for (int r = 0; r < s.Shape[0]; r++)
                {
                    float max = 0;
                    for (int k = 0; k < columns; k++) max = Math.Max(max, Math.Abs(w[r * columns + k]));
                    Assert.Equal(max / 127f, scales[r]);
                    if (r == 3) Assert.Equal(0f, scales[r]); // the zero row: scale 0, q 0
                    for (int k = 0; k < columns; k++)
                    {
                        sbyte v = q[r * columns + k];
                        Assert.InRange(v, (sbyte)-127, (sbyte)127);
                        double error = Math.Abs((double)v * scales[r] - w[r * columns + k]);
                        Assert.True(error <= scales[r] / 2 * (1 + 1e-5), $"{s.Name}[{r}, {k}] = {w[r * columns + k]:R}: q {v} · scale {scales[r]:R} is {error} off");
                    }
                }
            }
        }
        // Word embeddings, mapping in, Q, K, V, attention dense, FFN, FFN output, pooler, MLM dense.
        Assert.Equal(10, convertedCount);
        Assert.Equal(source.Tensors.Count, original.Tensors.Count);
    }

    [Fact]
    public void BFloat16_FromItemMetadata_ExactlyTheDocumentedTensors_RoundedToNearestEven() => AssertConverted("bf", "BFloat16");

    [Fact]
    public void Int8_FromLowerCaseItemMetadata_PerRowSymmetric_WithinHalfAScale() => AssertConverted("i8", "Int8");

    [Fact]
    public void BothPrecisionsNamedInTheSource_BothConverted() { AssertConverted("both", "Int8"); AssertConverted("both", "BFloat16"); }

    [Fact]
    public void F16Source_ConvertedToBFloat16() => AssertConverted("half", "BFloat16");

    [Fact]
    public void BFloat16Rounding_ByHand()
    {
        var file = new SafetensorsFile(Obj("bf16", "bf.safetensors"));
        ushort[] row = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(file.Data(file["albert.pooler.weight"])).ToArray()[..8];
        Assert.Equal(new ushort[] { 0x3F80, 0x3F82, 0x3F81, 0x3F80, 0xBF81, 0x7FC0, 0x7F80, 0x0000 }, row);
    }

    [Fact]
    public void OnlyWhatIsUsedIsEmbedded()
    {
        string[] expected =
        {
            "AlbertAot/bf/model.bf16.safetensors", "AlbertAot/i8/model.int8.safetensors", "AlbertAot/half/model.bf16.safetensors",
            "AlbertAot/both/model.bf16.safetensors", "AlbertAot/both/model.int8.safetensors",
            "AlbertAot/badvalue/model.safetensors", // an invalid value: the default, Float32 (and ALB0036 from the generator)
        };
        Assert.Equal(expected.OrderBy(x => x), _f.Resources.Where(r => r.Contains("safetensors")).OrderBy(x => x));
        Assert.Equal(6 * 2, _f.Resources.Count(r => r.EndsWith("/config.json") || r.EndsWith("/spiece.model")));
        Assert.False(File.Exists(Obj("bf16", "broken.safetensors")));
    }

    [Fact]
    public void SecondBuild_ConvertsNothing_AndATouchedSourceIsConvertedAgain()
    {
        Assert.Equal(5, _f.FirstOutput.Split('\n').Count(l => l.Contains("AlbertAot: converted checkpoint")));
        Assert.DoesNotContain("AlbertAot: converted checkpoint", _f.SecondOutput);
        string source = Path.Combine(_f.Root, "i8", "model.safetensors");
        DateTime before = File.GetLastWriteTimeUtc(Obj("int8", "i8.safetensors"));
        File.SetLastWriteTimeUtc(source, DateTime.UtcNow.AddSeconds(1));
        string third = _f.MsBuild();
        Assert.Single(third.Split('\n'), l => l.Contains("AlbertAot: converted checkpoint 'i8' to Int8"));
        Assert.True(File.GetLastWriteTimeUtc(Obj("int8", "i8.safetensors")) > before);
    }

    [Fact]
    public void AnOlderSourceInPlaceOfTheConvertedOne_IsConvertedAgain()
    {
        // The item now names a different checkpoint whose file is older than the conversion (another download, a
        // restored backup): a time comparison would keep the stale output; the stamp of the source must not.
        string source = Path.Combine(_f.Root, "bf", "model.safetensors"), output = Obj("bf16", "bf.safetensors");
        byte[] original = File.ReadAllBytes(source);
        DateTime originalTime = File.GetLastWriteTimeUtc(source);
        byte[] converted = File.ReadAllBytes(output);
        try
        {
            File.Copy(Path.Combine(_f.Root, "half", "model.safetensors"), source, overwrite: true); // F16: other bytes, other length
            File.SetLastWriteTimeUtc(source, new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc));
            string rebuilt = _f.MsBuild();
            Assert.Single(rebuilt.Split('\n'), l => l.Contains("AlbertAot: converted checkpoint 'bf' to BFloat16"));
            Assert.NotEqual(converted, File.ReadAllBytes(output));
        }
        finally
        {
            File.WriteAllBytes(source, original);
            File.SetLastWriteTimeUtc(source, originalTime);
            _f.MsBuild(); // the other tests read the conversion of the original
        }
        Assert.Equal(converted, File.ReadAllBytes(output));
    }

    // ---- the descriptors, fed to the generator ----

    private GeneratorRun Generate(string source, params string[] descriptors)
    {
        var texts = new List<TestAdditionalText>();
        var metadata = new Dictionary<string, IDictionary<string, string>>();
        foreach (string path in descriptors)
        {
            string text = File.ReadAllText(path);
            texts.Add(new TestAdditionalText(path, text));
            CheckpointDescriptor d = CheckpointDescriptor.Parse(text)!;
            if (d.IsConverted || !d.ConfigExists) continue;
            texts.Add(new TestAdditionalText(d.ConfigPath, File.ReadAllText(d.ConfigPath)));
            metadata[d.ConfigPath] = new Dictionary<string, string> { ["build_metadata.AdditionalFiles.AlbertCheckpoint"] = d.Name };
        }
        var options = new TestAnalyzerConfigOptionsProvider(metadata, new Dictionary<string, string>());
        return GeneratorHarness.Run(GeneratorHarness.CreateDriver(texts, options), GeneratorHarness.CreateCompilation(source)).AssertNoCrash();
    }

    [Fact]
    public void Descriptors_RecordThePrecision_AndTheGeneratorCompilesEveryClass()
    {
        CheckpointDescriptor original = CheckpointDescriptor.Parse(File.ReadAllText(Obj("both.albert")))!;
        Assert.False(original.Embedded);
        CheckpointDescriptor int8 = CheckpointDescriptor.Parse(File.ReadAllText(Obj("int8", "both.albert")))!;
        Assert.Equal((2, true, Path.Combine(_f.Root, "both", "model.safetensors")), (int8.Precision, int8.Embedded, int8.Source));
        Assert.Equal(new FileInfo(Obj("int8", "both.safetensors")).Length, int8.SafetensorsLength);

        GeneratorRun run = Generate(File.ReadAllText(Path.Combine(_f.Root, "Models.cs")), Obj("both.albert"), Obj("int8", "both.albert"), Obj("bf16", "both.albert"));
        Assert.Empty(run.Diagnostics.Select(d => d.ToString()));
        run.AssertCompiles();
        Assert.Equal(2, run.Sources.Length);

        GeneratorRun fromItem = Generate("[AlbertAot.AlbertModel(\"i8\")] public partial class I8;", Obj("i8.albert"), Obj("int8", "i8.albert"));
        Assert.Empty(fromItem.Diagnostics.Select(d => d.ToString()));
        Assert.Contains("ModelPrecision = global::AlbertAot.AlbertPrecision.Int8;", fromItem.Source);
    }

    [Fact]
    public void BrokenSource_NotConverted_TheGeneratorSaysWhatIsWrongWithIt()
    {
        CheckpointDescriptor d = CheckpointDescriptor.Parse(File.ReadAllText(Obj("broken.albert")))!;
        Assert.Contains(d.Skipped, s => s.Precision == "BFloat16");
        Assert.False(File.Exists(Obj("bf16", "broken.albert")));
        GeneratorRun run = Generate("[AlbertAot.AlbertModel(\"broken\")] public partial class B;", Obj("broken.albert"));
        Assert.Equal("ALB0023", Assert.Single(run.Errors).Id);
    }

    [Fact]
    public void BadPrecisionValue_IsAlb0036()
    {
        GeneratorRun run = Generate("[AlbertAot.AlbertModel(\"badvalue\")] public partial class B;", Obj("badvalue.albert"));
        Assert.Contains("Precision=\"fp8\"", GeneratorRun.Message(run.Single("ALB0036")));
    }
}
