using System;
using System.Diagnostics;
using Xunit;

namespace AlbertAot.Tests.Integration;

/// <summary>
/// The kernel and fixture tests again, in child processes where the JIT is held to a lower instruction-set tier:
/// AVX2 (no AVX-512), SSE/Vector128 only, and no hardware intrinsics at all (scalar). So every vector path and the
/// scalar tails run on every CI machine, whatever its CPU.
/// </summary>
public class InstructionSetTierTests
{
    [Theory]
    [InlineData("DOTNET_EnableAVX512", "Vector256")]
    [InlineData("DOTNET_EnableAVX2", "Vector128")]
    [InlineData("DOTNET_EnableHWIntrinsic", "scalar")]
    public async System.Threading.Tasks.Task Kernels_and_fixtures_pass_at_a_lower_tier(string switchOff, string tier)
    {
        string assembly = typeof(InstructionSetTierTests).Assembly.Location;
        var info = new ProcessStartInfo("dotnet",
            $"test \"{assembly}\" --filter \"FullyQualifiedName~AlbertAot.Tests.Kernels|FullyQualifiedName~AlbertAot.Tests.Fixtures\"")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment[switchOff] = "0";
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string output = await process.StandardOutput.ReadToEndAsync();
        using var timeout = new System.Threading.CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"{switchOff}=0 ({tier}) failed:\n{output}\n{await stderr}");
        Assert.Contains("Passed!", output);
    }
}
