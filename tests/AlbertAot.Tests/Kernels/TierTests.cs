using System;
using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Xunit;
using Xunit.Abstractions;

namespace AlbertAot.Tests.Kernels;

/// <summary>
/// Which vector tier the kernels run on in this process. CI runs the kernel tests once per tier
/// (DOTNET_EnableAVX512=0, DOTNET_EnableAVX2=0, DOTNET_EnableHWIntrinsic=0, and none): this prints the tier and
/// checks that a variable that is set really took that tier away, so a run that meant to test a narrower path
/// cannot silently test the wide one again.
/// </summary>
public class TierTests
{
    private readonly ITestOutputHelper _output;

    public TierTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void ReportsTheActiveVectorTier()
    {
        string tier = Vector512.IsHardwareAccelerated ? "Vector512" : Vector256.IsHardwareAccelerated ? "Vector256"
            : Vector128.IsHardwareAccelerated ? "Vector128" : "scalar";
        _output.WriteLine($"Widest accelerated tier: {tier}");
        _output.WriteLine($"Vector512.IsHardwareAccelerated = {Vector512.IsHardwareAccelerated}");
        _output.WriteLine($"Vector256.IsHardwareAccelerated = {Vector256.IsHardwareAccelerated}");
        _output.WriteLine($"Vector128.IsHardwareAccelerated = {Vector128.IsHardwareAccelerated}");
        _output.WriteLine($"Vector<float>.Count = {Vector<float>.Count}");
        _output.WriteLine($"Avx512F {Avx512F.IsSupported}, Avx2 {Avx2.IsSupported}, Fma {Fma.IsSupported}, Sse41 {Sse41.IsSupported}, " +
                          $"ArmAdvSimd {System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported}");
        foreach (string name in new[] { "DOTNET_EnableAVX512", "DOTNET_EnableAVX2", "DOTNET_EnableHWIntrinsic" })
            _output.WriteLine($"{name} = {Environment.GetEnvironmentVariable(name) ?? "(unset)"}");

        // Narrower tiers are always there when a wider one is.
        if (Vector512.IsHardwareAccelerated) Assert.True(Vector256.IsHardwareAccelerated);
        if (Vector256.IsHardwareAccelerated) Assert.True(Vector128.IsHardwareAccelerated);

        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") == "0")
            Assert.False(Vector512.IsHardwareAccelerated, "DOTNET_EnableAVX512=0 but Vector512 is still accelerated.");
        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX2") == "0")
        {
            Assert.False(Vector256.IsHardwareAccelerated, "DOTNET_EnableAVX2=0 but Vector256 is still accelerated.");
            Assert.False(Vector512.IsHardwareAccelerated, "DOTNET_EnableAVX2=0 but Vector512 is still accelerated.");
        }
        if (Environment.GetEnvironmentVariable("DOTNET_EnableHWIntrinsic") == "0")
            Assert.False(Vector128.IsHardwareAccelerated, "DOTNET_EnableHWIntrinsic=0 but Vector128 is still accelerated.");
    }

    /// <summary>
    /// The kernel tests compare every kernel the process can run; on a CPU without AVX-512 (or without AVX-VNNI) the
    /// Vector512 kernels (or the VNNI INT8 kernel) are not among them, and no emulator here runs those instructions
    /// (qemu 7.2's TCG has neither). These two tests make that visible in the test report as a skip with the reason,
    /// instead of a kernel silently missing from the list.
    /// </summary>
    [SkippableFact]
    public void The_AVX512_kernels_run_on_this_CPU()
    {
        Skip.If(Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") == "0", "DOTNET_EnableAVX512=0: this run tests the narrower tiers.");
        Skip.IfNot(Avx512F.IsSupported,
            "This CPU has no AVX-512 (and qemu 7.2 does not emulate it): the Vector512 kernels are not tested in this run.");
        Skip.IfNot(Vector512.IsHardwareAccelerated,
            "This CPU has AVX-512F but the runtime does not accelerate Vector512 on it (its throttling heuristic for early " +
            "AVX-512 parts): the Vector512 kernels are not tested in this run.");
        Assert.Equal(AlbertAot.Kernels.GemmKernelKind.Vector512, AlbertAot.Kernels.Gemm.AutoKernel);
    }

    [SkippableFact]
    public void The_AVX_VNNI_int8_kernel_runs_on_this_CPU()
    {
        Skip.IfNot(Avx2.IsSupported, "AVX2 is disabled in this run: the INT8 widening fallbacks are tested.");
        Skip.IfNot(AvxVnni.IsSupported,
            "This CPU has no AVX-VNNI (and qemu 7.2 does not emulate it): the INT8 vpdpbusd kernel is not tested in this run, " +
            "the INT8 widening fallback is.");
        Assert.Equal(AlbertAot.Kernels.GemmKernelKind.Int8Vnni256, AlbertAot.Kernels.Gemm.AutoInt8Kernel);
    }
}
