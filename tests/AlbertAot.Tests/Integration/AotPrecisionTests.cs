using Xunit;

namespace AlbertAot.Tests.Integration;

/// <summary>
/// The reduced-precision builds (issue 8) on every deployment target: `dotnet publish samples/AlbertCli
/// -p:AlbertPrecision=Int8|BFloat16` with a fixture, run here (x86-64-v4: AVX-512 and AVX-VNNI), on an emulated Haswell
/// (x86-64-v3 binary: AVX2, no VNNI, the widening int8 path) and under qemu-aarch64 (NEON; ARMv8.0 has no dot-product
/// instructions, so the portable int8 path). Each binary's `forward` must stay within the precision's budgets of the
/// fixture's float32 truth on every case, as the in-process tests (PrecisionFixtureTests) do under the JIT's tiers.
/// </summary>
[Collection(BuildsCollection.Name)]
public class AotPrecisionTests
{
    private const string Fixture = "tiny-groups"; // 2 groups x 2 inner layers, gelu_new, F16 storage converted at build time

    [SkippableTheory]
    [InlineData(AlbertPrecision.Int8)]
    [InlineData(AlbertPrecision.BFloat16)]
    public void The_AVX512_binary_stays_within_the_precision_budget(AlbertPrecision precision)
    {
        AotTools.Require();
        AotTools.RequireAvx512();
        string binary = AotBinaries.PublishAlbertCli("linux-x64", "x86-64-v4", "x86-64-v4", Fixture, precision);
        AotBinaries.AssertForwardWithinPrecisionBudget(AotRunner.Native, binary, Fixture, precision);
    }

    [SkippableFact]
    public void The_portable_x64_int8_binary_stays_within_the_budget_here_and_on_an_emulated_Haswell()
    {
        AotTools.Require("qemu-x86_64");
        string binary = AotBinaries.PublishAlbertCli("linux-x64", instructionSet: null, expectedInstructionSet: "x86-64-v3", Fixture, AlbertPrecision.Int8);
        foreach (AotRunner runner in new[] { AotRunner.Native, AotRunner.Haswell })
            AotBinaries.AssertForwardWithinPrecisionBudget(runner, binary, Fixture, AlbertPrecision.Int8);
    }

    [SkippableTheory]
    [InlineData(AlbertPrecision.Int8)]
    [InlineData(AlbertPrecision.BFloat16)]
    public void The_ARM64_binary_stays_within_the_precision_budget_under_qemu_aarch64(AlbertPrecision precision)
    {
        AotTools.Require("qemu-aarch64", "clang", AotTools.Arm64SysRoot);
        string binary = AotBinaries.PublishAlbertCli("linux-arm64", instructionSet: null, expectedInstructionSet: "", Fixture, precision);
        AotBinaries.AssertForwardWithinPrecisionBudget(AotRunner.Arm64, binary, Fixture, precision);
    }
}
