using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using AlbertAot.Tests.Fixtures;
using AlbertAot.Weights;
using Xunit;

namespace AlbertAot.Tests.Integration;

/// <summary>
/// How a published binary is started: directly, or under a user-mode emulator (qemu-x86_64 with an older CPU model,
/// qemu-aarch64 for an ARM64 binary).
/// </summary>
internal sealed record AotRunner(string Description, string? Emulator, string EmulatorArguments)
{
    public static AotRunner Native { get; } = new("natively", null, "");

    /// <summary>An emulated Haswell: AVX2 and FMA, no AVX-512 (Debian 12's qemu 7.2 emulates AVX2 but not AVX-512).</summary>
    public static AotRunner Haswell { get; } = new("under qemu-x86_64 -cpu Haswell", "qemu-x86_64", "-cpu Haswell");

    /// <summary>ARM64 user-mode emulation with the cross toolchain's libc (crossbuild-essential-arm64).</summary>
    public static AotRunner Arm64 { get; } = new("under qemu-aarch64", "qemu-aarch64", $"-L {AotTools.Arm64SysRoot}");

    public (int ExitCode, string Output) Run(string binary, string arguments, TimeSpan timeout) =>
        Emulator is null
            ? DotnetCli.Run(binary, arguments, Path.GetDirectoryName(binary)!, timeout)
            : DotnetCli.Run(Emulator, $"{EmulatorArguments} \"{binary}\" {arguments}", Path.GetDirectoryName(binary)!, timeout);

    public string RunOk(string binary, string arguments, TimeSpan timeout)
    {
        var (code, output) = Run(binary, arguments, timeout);
        Assert.True(code == 0, $"'{binary} {arguments}' {Description} exited with {code}:\n{output}");
        return output;
    }

    public string RunWithInput(string binary, string arguments, string inputPath, TimeSpan timeout) =>
        Emulator is null
            ? DotnetCli.RunWithInput(binary, arguments, inputPath, timeout)
            : DotnetCli.RunWithInput(Emulator, $"{EmulatorArguments} \"{binary}\" {arguments}", inputPath, timeout);
}

/// <summary>
/// The tools the cross-target tests need (Debian: qemu-user, clang, lld, crossbuild-essential-arm64). On a developer
/// machine without them those tests skip, saying what to install; CI (.ci/run installs them and sets
/// ALBERTAOT_REQUIRE_AOT_TARGETS=1) fails instead, so a tier can never silently go untested there.
/// </summary>
internal static class AotTools
{
    public const string RequireVariable = "ALBERTAOT_REQUIRE_AOT_TARGETS";

    public const string Arm64SysRoot = "/usr/aarch64-linux-gnu";

    private const string Install = "apt-get install -y --no-install-recommends clang lld qemu-user crossbuild-essential-arm64";

    public static bool Required => Environment.GetEnvironmentVariable(RequireVariable) == "1";

    /// <summary>Skips (or, in CI, fails) unless the host is linux-x64 and every named program is on PATH.</summary>
    public static void Require(params string[] programs)
    {
        var missing = new List<string>();
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.OSArchitecture != System.Runtime.InteropServices.Architecture.X64)
            missing.Add("a linux-x64 host");
        missing.AddRange(programs.Where(p => p.StartsWith('/') ? !Directory.Exists(p) && !File.Exists(p) : FindOnPath(p) is null));
        RequireNothingMissing(missing, $"needs {string.Join(", ", missing)} (Debian: {Install})");
    }

    /// <summary>Skips (or, in CI, fails) unless this CPU runs AVX-512 code.</summary>
    public static void RequireAvx512()
    {
        bool ok = System.Runtime.Intrinsics.X86.Avx512F.IsSupported && System.Runtime.Intrinsics.X86.Avx512BW.IsSupported
            && System.Runtime.Intrinsics.X86.Avx512DQ.IsSupported && System.Runtime.Intrinsics.X86.Avx512F.VL.IsSupported;
        // Hardware, unlike a tool, cannot be installed, and no emulator here runs AVX-512 (qemu 7.2's TCG does not):
        // a skip with the reason even in CI, so a CI machine without AVX-512 is not red for what it cannot run.
        Skip.IfNot(ok, "This test runs an x86-64-v4 binary, and this CPU has no AVX-512 (F, BW, DQ, VL); qemu 7.2 does not " +
            "emulate AVX-512 either, so the AVX-512 tier is tested only on machines that have it.");
    }

    private static void RequireNothingMissing(List<string> missing, string message)
    {
        if (missing.Count == 0) return;
        if (Required) Assert.Fail($"{RequireVariable}=1 but this test {message}.");
        Skip.If(true, $"This test {message}. CI sets {RequireVariable}=1, where this is a failure.");
    }

    public static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program)).FirstOrDefault(File.Exists);
}

/// <summary>NativeAOT publishes of samples/AlbertCli and the checks every published binary must pass.</summary>
internal static class AotBinaries
{
    public static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(15);

    /// <summary>ALBERT's real tokenizer from ../shared, when present (never committed).</summary>
    public static string? SharedFile(string relativePath)
    {
        for (DirectoryInfo? dir = new(DotnetCli.RepositoryRoot); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", relativePath);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>
    /// `dotnet publish samples/AlbertCli -c Release -r RID -p:PublishAot=true [-p:IlcInstructionSet=ISA]` with a fixture
    /// checkpoint (and ALBERT's tokenizer when ../shared has it). Asserts: no warning at all (trim/AOT warnings are
    /// errors in AlbertCli.csproj, and none may even be printed), the instruction set ILC was given, and a publish folder
    /// holding the one binary. Returns the binary, copied alone into an empty folder (nothing beside it at run time).
    /// </summary>
    public static string PublishAlbertCli(string runtimeIdentifier, string? instructionSet, string expectedInstructionSet, string fixture,
        AlbertPrecision precision = AlbertPrecision.Float32)
    {
        string checkpoint = Path.Combine(FixtureCases.Root, fixture);
        string publish = DotnetCli.TempDirectory($"aot-{runtimeIdentifier}-{instructionSet ?? "default"}-{precision}");
        string? spiece = SharedFile("albert/spiece.model");
        string tokenizer = spiece is null ? "" : $" -p:AlbertTokenizer=\"{spiece}\"";
        string isa = instructionSet is null ? "" : $" -p:IlcInstructionSet={instructionSet}";
        string log = DotnetCli.RunOk("dotnet",
            $"publish samples/AlbertCli -c Release -r {runtimeIdentifier} -p:PublishAot=true{isa} -p:AlbertCheckpoint=\"{checkpoint}\"{tokenizer} " +
            $"-p:AlbertPrecision={precision} -o \"{publish}\"",
            DotnetCli.RepositoryRoot, PublishTimeout);
        Assert.DoesNotContain("warning", log, StringComparison.OrdinalIgnoreCase);

        string rsp = Path.Combine(DotnetCli.RepositoryRoot, "samples", "AlbertCli", "obj", "Release", "net10.0", runtimeIdentifier, "native", "AlbertCli.ilc.rsp");
        string[] ilcArguments = File.ReadAllLines(rsp);
        Assert.Contains("--warnaserror", ilcArguments);
        if (expectedInstructionSet == "")
            Assert.DoesNotContain(ilcArguments, a => a.StartsWith("--instruction-set:", StringComparison.Ordinal));
        else
            Assert.Contains($"--instruction-set:{expectedInstructionSet}", ilcArguments);

        string[] files = Directory.GetFileSystemEntries(publish).Select(Path.GetFileName).ToArray()!;
        Assert.True(files is ["AlbertCli"], $"the publish folder should hold AlbertCli alone, not {string.Join(", ", files)}");

        // The binary alone, somewhere else: no weights, config, spiece.model or library beside it.
        string alone = DotnetCli.TempDirectory($"alone-{runtimeIdentifier}");
        string binary = Path.Combine(alone, "AlbertCli");
        File.Copy(Path.Combine(publish, "AlbertCli"), binary);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(binary, File.GetUnixFileMode(Path.Combine(publish, "AlbertCli")));
        return binary;
    }

    /// <summary>The ELF header's e_machine: 62 = x86-64, 183 = AArch64.</summary>
    public static int ElfMachine(string binary)
    {
        Span<byte> header = stackalloc byte[20];
        using (var stream = File.OpenRead(binary)) stream.ReadExactly(header);
        Assert.True(header[0] == 0x7F && header[1] == (byte)'E' && header[2] == (byte)'L' && header[3] == (byte)'F', $"{binary} is not an ELF file");
        return header[18] | header[19] << 8;
    }

    /// <summary>`forward` on every case of the fixture, each output within the fixture's tolerance.</summary>
    public static void AssertForwardMatchesFixture(AotRunner runner, string binary, string fixture)
    {
        string[] cases = Directory.GetFiles(Path.Combine(FixtureCases.Root, fixture, "cases"), "*.safetensors");
        Assert.NotEmpty(cases);
        float tolerance = FixtureCases.Tolerance(fixture);
        foreach (string caseFile in cases.OrderBy(c => c, StringComparer.Ordinal))
        {
            string result = Path.Combine(Path.GetDirectoryName(binary)!, Path.GetFileName(caseFile) + ".out");
            runner.RunOk(binary, $"forward --input \"{caseFile}\" --output \"{result}\"", TimeSpan.FromMinutes(5));
            SafetensorsFile expected = SafetensorsFile.Read(caseFile), actual = SafetensorsFile.Read(result);
            string[] names = new[] { "last_hidden_state", "pooler_output", "mlm_logits" }.Where(expected.Contains).ToArray();
            Assert.NotEmpty(names);
            foreach (string name in names)
            {
                Assert.True(actual.Contains(name), $"{runner.Description}: {Path.GetFileName(caseFile)} has no {name}");
                Assert.Equal(expected.Shape(name), actual.Shape(name));
                float worst = expected.ReadSingles(name).Zip(actual.ReadSingles(name), (x, y) => MathF.Abs(x - y)).Max();
                Assert.True(worst <= tolerance,
                    $"{runner.Description}: {fixture}/{Path.GetFileName(caseFile)} {name}: max diff {worst:G3} > {tolerance:G3}");
            }
            File.Delete(result);
        }
    }

    /// <summary>
    /// `forward` of a reduced-precision binary on every case of the fixture, within that precision's budgets of the
    /// fixture's float32 truth (<see cref="PrecisionFixtureTests"/>, the same numbers as in process).
    /// </summary>
    public static void AssertForwardWithinPrecisionBudget(AotRunner runner, string binary, string fixture, AlbertPrecision precision)
    {
        string[] cases = Directory.GetFiles(Path.Combine(FixtureCases.Root, fixture, "cases"), "*.safetensors");
        Assert.NotEmpty(cases);
        Assert.Contains($"precision             {precision} ", runner.RunOk(binary, "info", TimeSpan.FromMinutes(1)));
        foreach (string caseFile in cases.OrderBy(c => c, StringComparer.Ordinal))
        {
            string result = Path.Combine(Path.GetDirectoryName(binary)!, Path.GetFileName(caseFile) + ".out");
            runner.RunOk(binary, $"forward --input \"{caseFile}\" --output \"{result}\"", TimeSpan.FromMinutes(5));
            SafetensorsFile expected = SafetensorsFile.Read(caseFile), actual = SafetensorsFile.Read(result);
            Assert.True(actual.Contains("last_hidden_state"), $"{runner.Description}: {Path.GetFileName(caseFile)} has no last_hidden_state");
            PrecisionFixtureTests.AssertWithinBudget($"{runner.Description}: {fixture}/{Path.GetFileName(caseFile)} {precision}", precision,
                expected, name => actual.Contains(name) ? new FloatTensor(actual.ReadSingles(name), actual.Shape(name)) : null, hiddenSize: expected.Shape("last_hidden_state")[^1]);
            File.Delete(result);
        }
    }

    /// <summary>
    /// `tokenize` on every HF tokenizer case (../shared/tokenizer-cases/public.jsonl), every field equal, when ../shared
    /// has the tokenizer and the cases; returns whether it ran (the in-process tokenizer tests report a skip).
    /// </summary>
    public static bool AssertTokenizeMatchesHf(AotRunner runner, string binary)
    {
        string? cases = SharedFile("tokenizer-cases/public.jsonl");
        if (SharedFile("albert/spiece.model") is null || cases is null) return false;
        string[] expectedLines = File.ReadAllLines(cases);
        string[] actualLines = runner.RunWithInput(binary, "tokenize", cases, TimeSpan.FromMinutes(5))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(expectedLines.Length, actualLines.Length);
        string[] fields = ["input_ids", "token_type_ids", "attention_mask", "tokens", "decoded", "decoded_cleanup"];
        for (int i = 0; i < expectedLines.Length; i++)
        {
            using JsonDocument e = JsonDocument.Parse(expectedLines[i]), a = JsonDocument.Parse(actualLines[i]);
            foreach (string field in fields)
                Assert.True(JsonElement.DeepEquals(e.RootElement.GetProperty(field), a.RootElement.GetProperty(field)),
                    $"{runner.Description}: case {e.RootElement.GetProperty("id")} {field}: expected {e.RootElement.GetProperty(field)}, got {a.RootElement.GetProperty(field)}");
        }
        return true;
    }
}
