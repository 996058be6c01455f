using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using AlbertAot.Tests.Fixtures;
using AlbertAot.Weights;
using Xunit;

namespace AlbertAot.Tests.Integration;

/// <summary>
/// `dotnet publish samples/AlbertCli -r linux-x64 -p:PublishAot=true` with a fixture checkpoint: the binary's `forward`
/// matches the fixture, and its `tokenize` agrees with HF on every tokenizer case (without ICU).
/// </summary>
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
        // With ALBERT's real tokenizer when ../shared has it: the binary then also proves the ICU-free tokenizer.
        string? spiece = SharedFile("albert/spiece.model");
        string tokenizer = spiece is null ? "" : $" -p:AlbertTokenizer=\"{spiece}\"";
        string log = DotnetCli.RunOk("dotnet",
            $"publish samples/AlbertCli -c Release -r linux-x64 -p:PublishAot=true -p:AlbertCheckpoint=\"{fixture}\"{tokenizer} -o \"{output}\"",
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

        // `AlbertCli tokenize` in the NativeAOT, InvariantGlobalization binary: every HF tokenizer case, every field.
        string? cases = SharedFile("tokenizer-cases/public.jsonl");
        if (spiece is null || cases is null) return; // the in-process tokenizer tests report the skip
        string[] expectedLines = File.ReadAllLines(cases);
        string[] actualLines = DotnetCli.RunWithInput(binary, "tokenize", cases, TimeSpan.FromMinutes(2))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(expectedLines.Length, actualLines.Length);
        string[] fields = ["input_ids", "token_type_ids", "attention_mask", "tokens", "decoded", "decoded_cleanup"];
        for (int i = 0; i < expectedLines.Length; i++)
        {
            using JsonDocument e = JsonDocument.Parse(expectedLines[i]), a = JsonDocument.Parse(actualLines[i]);
            foreach (string field in fields)
                Assert.True(JsonElement.DeepEquals(e.RootElement.GetProperty(field), a.RootElement.GetProperty(field)),
                    $"case {e.RootElement.GetProperty("id")} {field}: expected {e.RootElement.GetProperty(field)}, got {a.RootElement.GetProperty(field)}");
        }
    }

    private static string? SharedFile(string relativePath)
    {
        for (DirectoryInfo? dir = new(DotnetCli.RepositoryRoot); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", relativePath);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
