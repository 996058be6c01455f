using System;
using System.IO;
using System.Linq;
using AlbertAot.Tests.Fixtures;
using AlbertAot.Weights;
using Xunit;

namespace AlbertAot.Tests.Integration;

/// <summary>`dotnet publish samples/AlbertCli -r linux-x64 -p:PublishAot=true` with a fixture checkpoint: the binary's `forward` matches the fixture.</summary>
[Collection(BuildsCollection.Name)]
public class AotPublishTests
{
    [Fact]
    public void A_NativeAOT_AlbertCli_built_with_a_fixture_reproduces_its_outputs()
    {
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.OSArchitecture != System.Runtime.InteropServices.Architecture.X64)
            return; // the publish below targets linux-x64
        string fixture = Path.Combine(DotnetCli.RepositoryRoot, "tests", "AlbertAot.Tests", "data", "fixtures", "tiny-groups");
        string output = DotnetCli.TempDirectory("aot");
        string log = DotnetCli.RunOk("dotnet",
            $"publish samples/AlbertCli -c Release -r linux-x64 -p:PublishAot=true -p:AlbertCheckpoint=\"{fixture}\" -o \"{output}\"",
            DotnetCli.RepositoryRoot, TimeSpan.FromMinutes(15));
        Assert.DoesNotContain("warning IL", log); // no trim/AOT warnings
        string binary = Path.Combine(output, "AlbertCli");
        Assert.True(File.Exists(binary), $"no binary at {binary}:\n{log}");

        foreach (string caseFile in Directory.GetFiles(Path.Combine(FixtureCases.Root, "tiny-groups", "cases"), "*.safetensors"))
        {
            string result = Path.Combine(output, Path.GetFileName(caseFile) + ".out");
            DotnetCli.RunOk(binary, $"forward --input \"{caseFile}\" --output \"{result}\"", output, TimeSpan.FromMinutes(1));
            SafetensorsFile expected = SafetensorsFile.Read(caseFile), actual = SafetensorsFile.Read(result);
            foreach (string name in new[] { "last_hidden_state", "pooler_output", "mlm_logits" }.Where(expected.Contains))
            {
                float worst = expected.ReadSingles(name).Zip(actual.ReadSingles(name), (x, y) => MathF.Abs(x - y)).Max();
                Assert.True(worst <= FixtureCases.Tolerance("tiny-groups"), $"{Path.GetFileName(caseFile)} {name}: max diff {worst:G3}");
            }
        }
    }
}
