using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using Xunit;

namespace AlbertAot.Tests.Integration;

/// <summary>Runs dotnet (or a built program) as a child process, with a time limit and its output kept for failures.</summary>
internal static class DotnetCli
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static (int ExitCode, string Output) Run(string fileName, string arguments, string workingDirectory, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(fileName, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        // A child build must not inherit the test host's MSBuild node or its instruction-set overrides.
        info.Environment["MSBUILDNOINPROCNODE"] = null;
        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit((int)timeout.TotalMilliseconds))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"'{fileName} {arguments}' did not finish within {timeout}:\n{output}");
        }
        process.WaitForExit();
        return (process.ExitCode, output.ToString());
    }

    /// <summary>Runs a program with a file on its standard input; returns its standard output (stderr goes to the failure message).</summary>
    public static string RunWithInput(string fileName, string arguments, string inputPath, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(fileName, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using (var input = File.OpenRead(inputPath)) input.CopyTo(process.StandardInput.BaseStream);
        process.StandardInput.Close();
        if (!process.WaitForExit((int)timeout.TotalMilliseconds))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"'{fileName} {arguments}' did not finish within {timeout}");
        }
        Assert.True(process.ExitCode == 0, $"'{fileName} {arguments}' exited with {process.ExitCode}: {stderr.GetAwaiter().GetResult()}");
        return stdout.GetAwaiter().GetResult();
    }

    /// <summary>Runs and asserts success, returning the output.</summary>
    public static string RunOk(string fileName, string arguments, string workingDirectory, TimeSpan timeout)
    {
        var (code, output) = Run(fileName, arguments, workingDirectory, timeout);
        Assert.True(code == 0, $"'{fileName} {arguments}' exited with {code}:\n{output}");
        return output;
    }

    /// <summary>This test run's scratch folder, deleted when the collection of build tests ends.</summary>
    public static string TempRoot { get; } = Path.Combine(Path.GetTempPath(), "albertaot-tests", Environment.ProcessId.ToString());

    public static string TempDirectory(string purpose)
    {
        string dir = Path.Combine(TempRoot, purpose + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string FindRepositoryRoot()
    {
        for (string? dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
            if (File.Exists(Path.Combine(dir, "AlbertAot.sln"))) return dir;
        throw new InvalidOperationException($"No AlbertAot.sln above {AppContext.BaseDirectory}.");
    }
}
