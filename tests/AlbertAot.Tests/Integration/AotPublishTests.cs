using AlbertAot.Tests.Fixtures;
using Xunit;

namespace AlbertAot.Tests.Integration;

/// <summary>
/// Every deployment target, published and run: `dotnet publish samples/AlbertCli -p:PublishAot=true` with a fixture
/// checkpoint (and ALBERT's real tokenizer from ../shared when present), for the portable x64 build (x86-64-v3, the
/// default build/AlbertAot.targets chooses), the AVX-512 build (x86-64-v4) and linux-arm64. Each binary is one file,
/// published without a single warning, run from an otherwise empty folder; its `forward` matches every fixture case
/// within the fixture's tolerance and its `tokenize` agrees with HF on every tokenizer case, without ICU. An instruction
/// set is a compile-time constant in a NativeAOT binary, so each tier is a binary of its own, run on a CPU that has it:
/// this machine, an emulated Haswell (AVX2 + FMA, no AVX-512) or an emulated ARM64 CPU (NEON).
/// </summary>
[Collection(BuildsCollection.Name)]
public class AotPublishTests
{
    private const string Fixture = "tiny-groups"; // F16 storage widened at start, 2 groups x 2 inner layers, gelu_new, MLM head

    private const int ElfX64 = 62, ElfArm64 = 183;

    [SkippableFact]
    public void The_portable_x64_binary_is_x86_64_v3_and_reproduces_the_fixture_here_and_on_an_emulated_Haswell()
    {
        AotTools.Require("qemu-x86_64");
        // No IlcInstructionSet on the command line: build/AlbertAot.targets makes x86-64-v3 the x64 default.
        string binary = AotBinaries.PublishAlbertCli("linux-x64", instructionSet: null, expectedInstructionSet: "x86-64-v3", Fixture);
        Assert.Equal(ElfX64, AotBinaries.ElfMachine(binary));
        foreach (AotRunner runner in new[] { AotRunner.Native, AotRunner.Haswell })
        {
            AotBinaries.AssertForwardMatchesFixture(runner, binary, Fixture);
            AotBinaries.AssertTokenizeMatchesHf(runner, binary);
        }

        // A verb that takes nothing refuses what it is given instead of ignoring it.
        var (code, output) = AotRunner.Native.Run(binary, "info extra", System.TimeSpan.FromMinutes(1));
        Assert.True(code != 0, $"`info extra` succeeded:\n{output}");
        Assert.Contains("error: info takes no arguments, got 'extra'.", output);
    }

    [SkippableFact]
    public void The_AVX512_binary_reproduces_the_fixture_here_and_refuses_to_start_on_an_emulated_Haswell()
    {
        AotTools.Require("qemu-x86_64");
        AotTools.RequireAvx512();
        string binary = AotBinaries.PublishAlbertCli("linux-x64", "x86-64-v4", "x86-64-v4", Fixture);
        AotBinaries.AssertForwardMatchesFixture(AotRunner.Native, binary, Fixture);
        AotBinaries.AssertTokenizeMatchesHf(AotRunner.Native, binary);

        // `bench` as the README's Performance section runs it: one JSON row per length, in OrtBench's shape.
        string json = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(binary)!, "bench.json");
        string printed = AotRunner.Native.RunOk(binary, $"bench --seq 8,16 --threads 2 --runs 3 --warmup 2 --json \"{json}\"", System.TimeSpan.FromMinutes(2));
        Assert.Contains("threads=2 batch=1 seq=   8", printed);
        using (var document = System.Text.Json.JsonDocument.Parse(System.IO.File.ReadAllText(json)))
        {
            var root = document.RootElement;
            Assert.Equal("AlbertAot", root.GetProperty("Engine").GetString());
            Assert.Equal(2, root.GetProperty("Threads").GetInt32());
            var rows = root.GetProperty("Rows");
            Assert.Equal(new[] { 8, 16 }, System.Linq.Enumerable.ToArray(System.Linq.Enumerable.Select(rows.EnumerateArray(), r => r.GetProperty("SeqLen").GetInt32())));
            foreach (var row in rows.EnumerateArray())
            {
                Assert.True(row.GetProperty("MedianMs").GetDouble() > 0);
                Assert.True(row.GetProperty("MinMs").GetDouble() <= row.GetProperty("MedianMs").GetDouble());
                Assert.Equal(3, row.GetProperty("Runs").GetInt32());
            }
        }

        // The emulated Haswell really lacks AVX-512: the v4 binary must not be what runs there (so the v3 runs above
        // proved the AVX2 kernels), and it stops with the runtime's message instead of crashing on an illegal instruction.
        var (code, output) = AotRunner.Haswell.Run(binary, "info", System.TimeSpan.FromMinutes(1));
        Assert.True(code != 0, $"an x86-64-v4 binary ran on an emulated Haswell:\n{output}");
        Assert.Contains("The required instruction sets are not supported by the current CPU", output);
    }

    [SkippableFact]
    public void The_ARM64_binary_reproduces_the_fixture_under_qemu_aarch64()
    {
        AotTools.Require("qemu-aarch64", "clang", AotTools.Arm64SysRoot);
        // ARM64 keeps the SDK's instruction set (ARMv8.0 + AdvSimd): no --instruction-set argument.
        string binary = AotBinaries.PublishAlbertCli("linux-arm64", instructionSet: null, expectedInstructionSet: "", Fixture);
        Assert.Equal(ElfArm64, AotBinaries.ElfMachine(binary));
        AotBinaries.AssertForwardMatchesFixture(AotRunner.Arm64, binary, Fixture);
        AotBinaries.AssertTokenizeMatchesHf(AotRunner.Arm64, binary);
    }
}
