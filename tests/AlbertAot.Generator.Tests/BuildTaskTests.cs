using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using AlbertAot.Generator.Parsing;
using AlbertAot.Generator.Tests.Infrastructure;
using AlbertAot.Tokenization;
using AlbertAot.Tests.Integration;
using Microsoft.CodeAnalysis;
using Xunit;
using Xunit.Abstractions;

namespace AlbertAot.Generator.Tests;

/// <summary>
/// The MSBuild half of hostile-input handling: build/AlbertAot.targets' task run for real (one `dotnet msbuild` over
/// one project declaring every case below as an AlbertCheckpoint) on files broken on disk: safetensors files that are
/// short, have a 2^63 or too-long header length, a header that is not UTF-8, data cut short, NaN/Inf in F32, F16 and
/// BF16 tensors, overlapping tensors; spiece.model files that are not SentencePiece models, broken ones, and random
/// mutations of a valid one. Each descriptor is then fed to the generator, which must name the problem.
/// </summary>
public sealed class BuildTaskFixture : IDisposable
{
    public const int SpieceMutations = 150;
    private const int Seed = 7;

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "albertaot-buildtask-" + Guid.NewGuid().ToString("N")[..8]);
    internal Dictionary<string, CheckpointDescriptor> Descriptors { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> DescriptorTexts { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, byte[]> Tokenizers { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, CheckpointBuilder> Builders { get; } = new(StringComparer.Ordinal);
    public TimeSpan TaskTime { get; }
    public string BuildOutput { get; }

    private readonly List<string> _items = new();

    public BuildTaskFixture()
    {
        Directory.CreateDirectory(Root);

        // Valid checkpoints, and NaN / Inf written into tensors of each float storage type.
        WriteCheckpoint("clean-f32", new CheckpointBuilder("clean-f32", Configs.Tiny), null);
        WriteCheckpoint("nan-f32", new CheckpointBuilder("nan-f32", Configs.Tiny).WithExtraTensor("extra.buffer", "F32", 3), (c, data) =>
        {
            Put(c, data, "albert.encoder.albert_layer_groups.0.albert_layers.0.ffn.weight", 0, F32(float.NaN));
            Put(c, data, "albert.encoder.albert_layer_groups.0.albert_layers.0.ffn.weight", 7, F32(float.PositiveInfinity));
            Put(c, data, "albert.encoder.albert_layer_groups.0.albert_layers.0.ffn.weight", 511, F32(BitConverter.Int32BitsToSingle(unchecked((int)0xFFC00001)))); // a negative NaN
            Put(c, data, "predictions.bias", 99, F32(float.NegativeInfinity)); // the last element: the tail of the scan
            Put(c, data, "extra.buffer", 2, F32(float.NaN)); // not read by the model: in the descriptor, no warning
            Put(c, data, "albert.pooler.bias", 3, F32(float.MaxValue)); // finite extremes are fine
            Put(c, data, "albert.pooler.bias", 4, F32(float.Epsilon));
        });
        WriteCheckpoint("inf-f16", new CheckpointBuilder("inf-f16", Configs.Tiny).WithDType("F16"), (c, data) =>
        {
            Put(c, data, "albert.embeddings.word_embeddings.weight", 0, BitConverter.GetBytes((ushort)0x7C00)); // +Inf
            Put(c, data, "albert.embeddings.word_embeddings.weight", 799, BitConverter.GetBytes((ushort)0xFE00)); // NaN, last element
            Put(c, data, "albert.embeddings.LayerNorm.weight", 1, BitConverter.GetBytes((ushort)0x7BFF)); // 65504, the largest finite
        });
        WriteCheckpoint("nan-bf16", new CheckpointBuilder("nan-bf16", Configs.Tiny).WithDType("BF16"), (c, data) =>
        {
            for (int i = 0; i < 256; i += 2) Put(c, data, "albert.pooler.weight", i, BitConverter.GetBytes((ushort)0x7FC1)); // 128 NaN
            Put(c, data, "albert.pooler.weight", 1, BitConverter.GetBytes((ushort)0xFF80)); // -Inf
        });

        // Broken safetensors files.
        WriteRaw("short", new byte[] { 1, 2, 3, 4 });
        WriteRaw("huge-length", Concat(BitConverter.GetBytes(1UL << 63), new byte[1000]));
        WriteRaw("length-beyond", Concat(BitConverter.GetBytes(1000UL + 1), new byte[1000]));
        WriteRaw("not-utf8", Concat(BitConverter.GetBytes(8UL), new byte[] { 0x7B, 0xFF, 0xFE, 0x7D, 0x20, 0x20, 0x20, 0x20 }));
        WriteCheckpoint("truncated-data", new CheckpointBuilder("truncated-data", Configs.Tiny), null, cut: 100);
        string nested = "{\"x\":" + new string('[', 100_000) + new string(']', 100_000) + "}";
        WriteRaw("nested-header", Concat(BitConverter.GetBytes((ulong)nested.Length), Encoding.ASCII.GetBytes(nested)));
        var overlapping = new StringBuilder("{");
        for (int i = 0; i < 1000; i++) overlapping.Append(i == 0 ? "" : ",").Append($"\"t{i}\":{{\"dtype\":\"F32\",\"shape\":[65536],\"data_offsets\":[0,262144]}}");
        string overlap = overlapping.Append('}').ToString();
        WriteRaw("overlap", Concat(BitConverter.GetBytes((ulong)overlap.Length), Encoding.ASCII.GetBytes(overlap), new byte[262144]));

        // spiece.model: valid, broken, unsupported, missing, and random mutations of the valid one.
        byte[] valid = SentencePieceBytes.Model();
        Tokenizer("sp-valid", valid);
        Tokenizer("sp-large", SentencePieceBytes.Model(SentencePieceBytes.AlbertPieces.Concat(
            Enumerable.Range(0, 200).Select(i => ("\u2581extra" + i, SentencePieceBytes.Normal)))));
        Tokenizer("sp-empty", Array.Empty<byte>());
        Tokenizer("sp-json", Encoding.UTF8.GetBytes("{\"pieces\": []}"));
        Tokenizer("sp-vocab-text", Encoding.UTF8.GetBytes("<pad>\t0\n<unk>\t0\n[CLS]\t0\n"));
        Tokenizer("sp-half", valid[..(valid.Length / 2)]);
        Tokenizer("sp-no-pieces", SentencePieceBytes.Model(Array.Empty<(string, int)>()));
        Tokenizer("sp-bpe", SentencePieceBytes.Model(modelType: 2));
        Tokenizer("sp-byte-fallback", SentencePieceBytes.Model(byteFallback: true));
        Tokenizer("sp-no-unk", SentencePieceBytes.Model(SentencePieceBytes.AlbertPieces.Select(p => (p.Piece, p.Type == SentencePieceBytes.Unknown ? SentencePieceBytes.Control : p.Type))));
        Tokenizer("sp-duplicate", SentencePieceBytes.Model(SentencePieceBytes.AlbertPieces.Append(("a", SentencePieceBytes.Normal))));
        Tokenizer("sp-no-mask", SentencePieceBytes.Model(SentencePieceBytes.AlbertPieces.Where(p => p.Piece != "[MASK]")));
        Tokenizer("sp-bad-charsmap", SentencePieceBytes.Model(charsmap: new byte[] { 200, 0, 0, 0, 1, 2 }));
        Tokenizer("sp-denormalizer", SentencePieceBytes.Model(denormalizerCharsmap: new byte[] { 4, 0, 0, 0, 0, 0, 0, 0 }));
        var random = new Random(Seed);
        var garbage = new byte[4096];
        random.NextBytes(garbage);
        Tokenizer("sp-random", garbage);
        for (int i = 0; i < SpieceMutations; i++) Tokenizer($"sp-mutant-{i:D3}", Mutate(random, valid));
        _items.Add($"<AlbertCheckpoint Include=\"clean-f32\" Name=\"sp-missing\" Tokenizer=\"{Path.Combine(Root, "nowhere", "spiece.model")}\" />");
        string shared = Path.Combine(RepositoryRoot, "..", "shared", "albert", "spiece.model");
        if (File.Exists(shared)) Tokenizer("sp-albert", File.ReadAllBytes(shared));

        File.WriteAllText(Path.Combine(Root, "cases.proj"), $"""
            <Project>
              <Import Project="{Path.Combine(RepositoryRoot, "src", "AlbertAot", "build", "AlbertAot.props")}" />
              <PropertyGroup><IntermediateOutputPath>obj/</IntermediateOutputPath></PropertyGroup>
              <ItemGroup>
                {string.Join("\n    ", _items)}
              </ItemGroup>
              <Import Project="{Path.Combine(RepositoryRoot, "src", "AlbertAot", "build", "AlbertAot.targets")}" />
            </Project>
            """);

        var (code, output, elapsed) = RunMsBuild(Root, "cases.proj");
        BuildOutput = output;
        TaskTime = elapsed;
        Assert.True(code == 0, "dotnet msbuild failed:\n" + output);
        foreach (string file in Directory.GetFiles(Path.Combine(Root, "obj", "albert"), "*.albert"))
        {
            string text = File.ReadAllText(file);
            CheckpointDescriptor d = CheckpointDescriptor.Parse(text)!;
            Descriptors[d.Name] = d;
            DescriptorTexts[d.Name] = text;
        }
    }

    public static string RepositoryRoot
    {
        get
        {
            string? dir = AppContext.BaseDirectory;
            while (dir is not null && !File.Exists(Path.Combine(dir, "AlbertAot.sln"))) dir = Path.GetDirectoryName(dir);
            return dir ?? throw new InvalidOperationException("AlbertAot.sln not found above " + AppContext.BaseDirectory);
        }
    }

    public static byte[] F32(float value) => BitConverter.GetBytes(value);

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    private static void Put(Checkpoint c, byte[] data, string tensor, int element, byte[] value)
    {
        HeaderTensor t = c.Tensor(tensor);
        Array.Copy(value, 0, data, t.Begin + element * value.Length, value.Length);
    }

    /// <summary>A checkpoint folder: config.json (Configs.Tiny), model.safetensors with every value 0.5 except those edited.</summary>
    private void WriteCheckpoint(string name, CheckpointBuilder builder, Action<Checkpoint, byte[]>? edit, int cut = 0)
    {
        Checkpoint c = builder.Build();
        Builders[name] = builder;
        var data = new byte[c.SafetensorsLength - c.DataStart];
        foreach (HeaderTensor t in c.Tensors)
        {
            byte[] half = t.DType switch { "F32" => F32(0.5f), "F16" => BitConverter.GetBytes((ushort)0x3800), _ => BitConverter.GetBytes((ushort)0x3F00) };
            for (long i = t.Begin; i < t.End; i += half.Length) Array.Copy(half, 0, data, i, half.Length);
        }
        edit?.Invoke(c, data);
        byte[] file = Concat(BitConverter.GetBytes((ulong)c.HeaderLength), Encoding.UTF8.GetBytes(c.HeaderJson), data);
        WriteFolder(name, file[..(file.Length - cut)]);
    }

    private void WriteRaw(string name, byte[] safetensors) => WriteFolder(name, safetensors);

    private void WriteFolder(string name, byte[] safetensors)
    {
        string dir = Path.Combine(Root, name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config.json"), Configs.Tiny);
        File.WriteAllBytes(Path.Combine(dir, "model.safetensors"), safetensors);
        File.WriteAllBytes(Path.Combine(dir, "spiece.model"), SentencePieceBytes.Model());
        _items.Add($"<AlbertCheckpoint Include=\"{name}\" />");
    }

    private void Tokenizer(string name, byte[] bytes)
    {
        string path = Path.Combine(Root, "tokenizers", name + ".model");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        Tokenizers[name] = bytes;
        _items.Add($"<AlbertCheckpoint Include=\"clean-f32\" Name=\"{name}\" Tokenizer=\"{path}\" />");
    }

    /// <summary>1-3 random edits of a byte string: bit flips, truncations, byte and varint edits, deletions, copies.</summary>
    public static byte[] Mutate(Random random, byte[] bytes)
    {
        var b = new List<byte>(bytes);
        int edits = 1 + random.Next(3);
        for (int e = 0; e < edits && b.Count > 0; e++)
        {
            int at = random.Next(b.Count);
            switch (random.Next(6))
            {
                case 0: b[at] ^= (byte)(1 << random.Next(8)); break;
                case 1: b.RemoveRange(at, b.Count - at); break;
                case 2: b[at] = (byte)random.Next(256); break;
                case 3: b[at] = random.Next(2) == 0 ? (byte)0xFF : (byte)0x00; break;
                case 4: b.RemoveRange(at, Math.Min(b.Count - at, 1 + random.Next(16))); break;
                default: b.InsertRange(random.Next(b.Count), b.GetRange(at, Math.Min(b.Count - at, 1 + random.Next(32)))); break;
            }
        }
        return b.ToArray();
    }

    internal static (int Code, string Output, TimeSpan Elapsed) RunMsBuild(string directory, string project)
    {
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var watch = Stopwatch.StartNew();
        var (code, output) = DotnetCli.Run(dotnet,
            $"msbuild {project} -t:AlbertPrepareCheckpoints -nologo -v:m -nodeReuse:false -clp:PerformanceSummary", directory, TimeSpan.FromMinutes(3));
        return (code, output, watch.Elapsed);
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

public sealed class BuildTaskTests : IClassFixture<BuildTaskFixture>
{
    private readonly BuildTaskFixture _f;
    private readonly ITestOutputHelper _output;

    public BuildTaskTests(BuildTaskFixture fixture, ITestOutputHelper output)
    {
        _f = fixture;
        _output = output;
    }

    private CheckpointDescriptor D(string name) => _f.Descriptors[name];

    /// <summary>The generator over the descriptor the task wrote and the config.json on disk, with [AlbertModel(name)].</summary>
    private GeneratorRun Generate(string name)
    {
        CheckpointDescriptor d = D(name);
        var texts = new List<TestAdditionalText> { new(Path.Combine(_f.Root, "obj", "albert", name + ".albert"), _f.DescriptorTexts[name]) };
        var metadata = new Dictionary<string, IDictionary<string, string>>();
        if (d.ConfigExists)
        {
            texts.Add(new TestAdditionalText(d.ConfigPath, File.ReadAllText(d.ConfigPath)));
            metadata[d.ConfigPath] = new Dictionary<string, string> { ["build_metadata.AdditionalFiles.AlbertCheckpoint"] = name };
        }
        var options = new TestAnalyzerConfigOptionsProvider(metadata, new Dictionary<string, string>());
        return GeneratorHarness.Run(GeneratorHarness.CreateDriver(texts, options), GeneratorHarness.CreateCompilation(GeneratorHarness.ModelSource(name))).AssertNoCrash();
    }

    private string Only(string name, string id)
    {
        GeneratorRun run = Generate(name);
        Assert.True(run.Diagnostics.Length == 1 && run.Diagnostics[0].Id == id, $"{name}: expected only {id}, got {string.Join("; ", run.Diagnostics)}");
        Assert.Empty(run.Sources);
        return GeneratorRun.Message(run.Diagnostics[0]);
    }

    [Fact]
    public void TheTaskRan_AndWroteADescriptorPerCheckpoint()
    {
        _output.WriteLine($"dotnet msbuild over {_f.Descriptors.Count} checkpoints: {_f.TaskTime.TotalSeconds:F1} s");
        _output.WriteLine(string.Join("\n", _f.BuildOutput.Split('\n').Where(l => l.Contains("AlbertPrepareCheckpoints"))));
        Assert.Equal(_f.Tokenizers.Count + 12, _f.Descriptors.Count);
    }

    [Fact]
    public void CleanCheckpoint_ScannedAndValid_Generates()
    {
        CheckpointDescriptor d = D("clean-f32");
        Assert.Equal(("", "", "", "ok"), (d.HeaderError, d.HeaderErrorKind, d.TokenizerError, d.NonFiniteScan));
        Assert.Empty(d.NonFinite);
        Assert.True(d.TokenizerExists);
        Generate("clean-f32").AssertGeneratesAndCompiles();
    }

    [Fact]
    public void NaNAndInfInF32_CountedPerTensor_AndWarnedForTheTensorsTheModelReads()
    {
        const string ffn = "albert.encoder.albert_layer_groups.0.albert_layers.0.ffn.weight";
        CheckpointDescriptor d = D("nan-f32");
        Assert.Equal("ok", d.NonFiniteScan);
        Assert.Equal(new[] { new NonFiniteTensor(ffn, 2, 1, 512), new NonFiniteTensor("extra.buffer", 1, 0, 3), new NonFiniteTensor("predictions.bias", 0, 1, 100) },
            d.NonFinite.OrderBy(t => t.Name, StringComparer.Ordinal));
        GeneratorRun run = Generate("nan-f32");
        Assert.Equal(new[] { "ALB0029", "ALB0029" }, run.Diagnostics.Select(x => x.Id));
        string[] messages = run.Diagnostics.Select(GeneratorRun.Message).ToArray();
        Assert.Contains(messages, m => m == $"Checkpoint 'nan-f32': tensor '{ffn}' in '{D("nan-f32").SafetensorsPath}' holds 2 NaN and 1 infinite value(s) among its 512: outputs computed from it will be NaN or infinite");
        Assert.Contains(messages, m => m.Contains("tensor 'predictions.bias'") && m.Contains("holds 0 NaN and 1 infinite value(s) among its 100"));
        Assert.Single(run.Sources);
    }

    [Fact]
    public void NaNAndInfInF16_AtTheFirstAndLastElement()
    {
        Assert.Equal(new[] { new NonFiniteTensor("albert.embeddings.word_embeddings.weight", 1, 1, 800) }, D("inf-f16").NonFinite);
        Assert.Equal(new[] { "ALB0029" }, Generate("inf-f16").Diagnostics.Select(x => x.Id));
    }

    [Fact]
    public void NaNAndInfInBF16()
    {
        Assert.Equal(new[] { new NonFiniteTensor("albert.pooler.weight", 128, 1, 256) }, D("nan-bf16").NonFinite);
        Assert.Contains("tensor 'albert.pooler.weight'", GeneratorRun.Message(Assert.Single(Generate("nan-bf16").Diagnostics)));
    }

    [Fact]
    public void FileShorterThanTheLengthField_IsTruncated()
    {
        Assert.Equal(("truncated", "the file is 4 bytes, shorter than the 8-byte header length field"), (D("short").HeaderErrorKind, D("short").HeaderError));
        Assert.EndsWith("model.safetensors' is truncated: the file is 4 bytes, shorter than the 8-byte header length field", Only("short", "ALB0023"));
    }

    [Fact]
    public void HeaderLength2Pow63_IsALengthError_WithoutReadingOrAllocating()
    {
        CheckpointDescriptor d = D("huge-length");
        Assert.Equal("length", d.HeaderErrorKind);
        Assert.Equal("it says 9223372036854775808 bytes but only 1000 follow it (a corrupt length, or a file truncated inside its header)", d.HeaderError);
        Assert.Equal(-1, d.HeaderLength);
        Assert.Contains("header length field of", Only("huge-length", "ALB0024"));
    }

    [Fact]
    public void HeaderLengthOneByteBeyondTheFile_IsALengthError()
    {
        Assert.Equal("it says 1001 bytes but only 1000 follow it (a corrupt length, or a file truncated inside its header)", D("length-beyond").HeaderError);
        Only("length-beyond", "ALB0024");
    }

    [Fact]
    public void HeaderNotUtf8_IsCorruptHeader()
    {
        Assert.Equal("utf8", D("not-utf8").HeaderErrorKind);
        Assert.EndsWith("is invalid: the header is not valid UTF-8", Only("not-utf8", "ALB0009"));
    }

    [Fact]
    public void DataSectionCutShort_IsTruncated_AndTheScanSkipsTheMissingTensors()
    {
        Assert.Equal(("", "ok"), (D("truncated-data").HeaderError, D("truncated-data").NonFiniteScan));
        Assert.Contains("(100 bytes missing)", Only("truncated-data", "ALB0023"));
    }

    [Fact]
    public void DeeplyNestedHeader_NeitherTheTaskNorTheGeneratorRecurses()
    {
        Assert.Equal("ok", D("nested-header").NonFiniteScan);
        Assert.Contains("nesting deeper than 64 levels", Only("nested-header", "ALB0009"));
    }

    [Fact]
    public void OverlappingTensors_AreNotScannedOverAndOver()
    {
        Assert.Equal("skipped: the float tensors' data_offsets overlap", D("overlap").NonFiniteScan);
        Assert.Contains("overlaps", Only("overlap", "ALB0010"));
    }

    [Fact]
    public void ValidTokenizer_NoError()
    {
        Assert.Equal("", D("sp-valid").TokenizerError);
        Assert.Equal(SentencePieceBytes.AlbertPieces.Length, D("sp-valid").TokenizerPieces);
        Generate("sp-valid").AssertGeneratesAndCompiles();
        if (_f.Descriptors.ContainsKey("sp-albert")) Assert.Equal("", D("sp-albert").TokenizerError); // ../shared/albert/spiece.model, when present
    }

    [Fact]
    public void ATokenizerLargerThanTheVocabulary_IsRefused()
    {
        // A valid tokenizer with more pieces than the checkpoint's vocab_size (100): ids 100 and up would have no
        // embedding (at run time the first such id would stop a forward pass), so the build says so; ALBERT's real
        // 30,000-piece spiece.model on the same checkpoint too, when ../shared has it.
        int pieces = SentencePieceBytes.AlbertPieces.Length + 200;
        Assert.Equal(pieces, D("sp-large").TokenizerPieces);
        Assert.Contains($"has {pieces} pieces but config.json's vocab_size is 100: its ids 100 to {pieces - 1} have no word embedding",
            Only("sp-large", "ALB0037"));
        if (!_f.Descriptors.ContainsKey("sp-albert")) return;
        Assert.Equal(30000, D("sp-albert").TokenizerPieces);
        Assert.Contains("has 30000 pieces but config.json's vocab_size is 100", Only("sp-albert", "ALB0037"));
    }

    [Theory]
    [InlineData("sp-empty", "the file is empty")]
    [InlineData("sp-json", "not protobuf: byte 1 holds field key 0x7b, not valid protobuf")]
    [InlineData("sp-vocab-text", "not protobuf: ")]
    [InlineData("sp-half", "not protobuf: ")]
    [InlineData("sp-random", "not protobuf: ")]
    [InlineData("sp-no-pieces", "it has no pieces (ModelProto field 1)")]
    [InlineData("sp-bpe", "it is a SentencePiece model of type 2 (2 = BPE, 3 = word, 4 = char); only Unigram models (1), as ALBERT's, are supported")]
    [InlineData("sp-byte-fallback", "it uses byte fallback")]
    [InlineData("sp-no-unk", "no piece has type UNKNOWN")]
    [InlineData("sp-duplicate", "piece \"a\" is defined twice (ids 7 and 10)")]
    [InlineData("sp-no-mask", "it has no piece \"[MASK]\": not an ALBERT tokenizer")]
    [InlineData("sp-bad-charsmap", "normalizer_spec.precompiled_charsmap is malformed")]
    [InlineData("sp-denormalizer", "it has a denormalizer")]
    public void TokenizerNotAUsableSentencePieceModel_IsAlb0034(string name, string why)
    {
        Assert.StartsWith(why, D(name).TokenizerError);
        string message = Only(name, "ALB0034");
        Assert.StartsWith($"Checkpoint '{name}': the tokenizer '{D(name).TokenizerPath}' is not a usable SentencePiece model: {why}", message);
    }

    /// <summary>ALB0018 comes from the task itself: a checkpoint name declared twice, or one that cannot be a file name.</summary>
    [Fact]
    public void DuplicateOrUnusableCheckpointNames_AreAlb0018FromTheTask()
    {
        string dir = Path.Combine(_f.Root, "names");
        Directory.CreateDirectory(dir);
        string root = BuildTaskFixture.RepositoryRoot;
        File.WriteAllText(Path.Combine(dir, "names.proj"), $"""
            <Project>
              <Import Project="{Path.Combine(root, "src", "AlbertAot", "build", "AlbertAot.props")}" />
              <PropertyGroup><IntermediateOutputPath>obj/</IntermediateOutputPath></PropertyGroup>
              <ItemGroup>
                <AlbertCheckpoint Include="../clean-f32" Name="twice" />
                <AlbertCheckpoint Include="../nan-f32" Name="twice" />
                <AlbertCheckpoint Include="../clean-f32" Name="a/b" />
              </ItemGroup>
              <Import Project="{Path.Combine(root, "src", "AlbertAot", "build", "AlbertAot.targets")}" />
            </Project>
            """);
        var (code, output, _) = BuildTaskFixture.RunMsBuild(dir, "names.proj");
        Assert.NotEqual(0, code);
        Assert.Contains("error ALB0018: The checkpoint name 'twice' is declared by more than one AlbertCheckpoint item (the second is '../nan-f32'): give each a distinct Name.", output);
        Assert.Contains("error ALB0018: AlbertCheckpoint '../clean-f32': the name 'a/b' is not usable (no slashes, quotes or line breaks).", output);
        Assert.True(File.Exists(Path.Combine(dir, "obj", "albert", "twice.albert")), "the first 'twice' is still described");
    }

    [Fact]
    public void TokenizerMissing_IsAlb0019()
    {
        Assert.False(D("sp-missing").TokenizerExists);
        Only("sp-missing", "ALB0019");
    }

    /// <summary>
    /// The build task accepts a spiece.model exactly when the runtime's tokenizer loads it: checked on every tokenizer
    /// case above and on SpieceMutations random mutations (bit flips, truncations, byte edits, deletions, copies) of a
    /// valid model.
    /// </summary>
    [Fact]
    public void TaskVerdict_AgreesWithTheRuntimeLoader_OnEveryTokenizerIncludingMutations()
    {
        int accepted = 0;
        var disagreements = new List<string>();
        foreach (var (name, bytes) in _f.Tokenizers)
        {
            string? runtimeError = null;
            try { AlbertTokenizer.Load(bytes); }
            catch (Exception e) when (e is InvalidDataException or NotSupportedException) { runtimeError = e.Message; }
            string taskError = D(name).TokenizerError;
            if ((taskError.Length == 0) != (runtimeError is null))
                disagreements.Add($"{name}: task \"{taskError}\", runtime \"{runtimeError}\"");
            if (taskError.Length == 0) accepted++;
        }
        _output.WriteLine($"{_f.Tokenizers.Count} tokenizer files, {accepted} accepted by both");
        Assert.True(disagreements.Count == 0, string.Join("\n", disagreements));
        Assert.InRange(accepted, 2, _f.Tokenizers.Count - 13);
    }
}
