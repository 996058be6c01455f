using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Xml.Linq;
using AlbertAot.Tests.Fixtures;
using AlbertAot.Weights;
using Xunit;

namespace AlbertAot.Tests.Integration;

/// <summary>
/// The NuGet package as a user gets it: `dotnet pack` of src/AlbertAot, put in a local feed, referenced by version from
/// a fresh project outside the repository (its own nuget.config: the local feed beside the machine's usual sources),
/// which declares a fixture checkpoint, compiles it through the packaged generator and MSBuild targets, and publishes
/// with NativeAOT. The binary's forward pass reproduces the fixture.
/// </summary>
[Collection(BuildsCollection.Name)]
public class PackageTests
{
    private const string Fixture = "tiny-v1"; // F32 storage: the binary reads the weights in place from its own data

    [SkippableFact]
    public void The_packed_package_compiles_and_NativeAOT_publishes_a_checkpoint_in_a_fresh_project()
    {
        AotTools.Require(); // a linux-x64 host
        // A version no earlier run used, so the global packages folder can hold no stale copy of it.
        string version = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Guid.NewGuid().ToString("N")[..6]}";
        string feed = DotnetCli.TempDirectory("feed");
        DotnetCli.RunOk("dotnet", $"pack src/AlbertAot -c Release -p:PackageVersion={version} -o \"{feed}\"",
            DotnetCli.RepositoryRoot, TimeSpan.FromMinutes(10));
        string package = Path.Combine(feed, $"AlbertAot.{version}.nupkg");
        Assert.True(File.Exists(package), $"no {package}; the feed holds {string.Join(", ", Directory.GetFiles(feed).Select(Path.GetFileName))}");
        AssertPackageLayout(package, version);

        try
        {
            string project = DotnetCli.TempDirectory("package-consumer");
            string checkpoint = Path.Combine(project, "checkpoint");
            Directory.CreateDirectory(checkpoint);
            foreach (string file in new[] { "config.json", "model.safetensors" })
                File.Copy(Path.Combine(FixtureCases.Root, Fixture, file), Path.Combine(checkpoint, file));
            WriteConsumer(project, feed, version);

            string output = Path.Combine(project, "publish");
            string log = DotnetCli.RunOk("dotnet", $"publish -c Release -r linux-x64 -o \"{output}\"", project, AotBinaries.PublishTimeout);
            Assert.DoesNotContain("warning", log, StringComparison.OrdinalIgnoreCase);
            // The packaged targets (buildTransitive) chose the portable x64 instruction set.
            string rsp = Path.Combine(project, "obj", "Release", "net10.0", "linux-x64", "native", "PackagedConsumer.ilc.rsp");
            Assert.Contains("--instruction-set:x86-64-v3", File.ReadAllLines(rsp));
            string binary = Path.Combine(output, "PackagedConsumer");
            Assert.True(File.Exists(binary), $"no binary at {binary}:\n{log}");

            float tolerance = FixtureCases.Tolerance(Fixture);
            string[] cases = Directory.GetFiles(Path.Combine(FixtureCases.Root, Fixture, "cases"), "*.safetensors");
            Assert.NotEmpty(cases);
            foreach (string caseFile in cases)
            {
                string result = Path.Combine(project, Path.GetFileName(caseFile) + ".out");
                DotnetCli.RunOk(binary, $"\"{caseFile}\" \"{result}\"", project, TimeSpan.FromMinutes(2));
                SafetensorsFile expected = SafetensorsFile.Read(caseFile), actual = SafetensorsFile.Read(result);
                foreach (string name in new[] { "last_hidden_state", "pooler_output", "mlm_logits" }.Where(expected.Contains))
                {
                    Assert.Equal(expected.Shape(name), actual.Shape(name));
                    float worst = expected.ReadSingles(name).Zip(actual.ReadSingles(name), (x, y) => MathF.Abs(x - y)).Max();
                    Assert.True(worst <= tolerance, $"{Path.GetFileName(caseFile)} {name}: max diff {worst:G3} > {tolerance:G3}");
                }
            }
        }
        finally
        {
            // The unique version's copy in the global packages folder is of no use to anyone after this test.
            string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p
                ? p : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            string extracted = Path.Combine(packages, "albertaot", version);
            try { if (Directory.Exists(extracted)) Directory.Delete(extracted, recursive: true); }
            catch (IOException) { }
        }
    }

    /// <summary>One package holds everything, versioned together: runtime, generator (as its analyzer), MSBuild files.</summary>
    private static void AssertPackageLayout(string package, string version)
    {
        using ZipArchive zip = ZipFile.OpenRead(package);
        string[] entries = zip.Entries.Select(e => e.FullName).ToArray();
        foreach (string expected in new[]
        {
            "lib/net10.0/AlbertAot.dll",
            "analyzers/dotnet/cs/AlbertAot.Generator.dll",
            "build/AlbertAot.props", "build/AlbertAot.targets",
            "buildTransitive/AlbertAot.props", "buildTransitive/AlbertAot.targets",
        })
            Assert.True(entries.Contains(expected), $"the package has no {expected}: {string.Join(", ", entries)}");

        ZipArchiveEntry nuspecEntry = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using Stream stream = nuspecEntry.Open();
        XDocument nuspec = XDocument.Load(stream);
        XNamespace ns = nuspec.Root!.Name.Namespace;
        Assert.Equal(version, nuspec.Root.Element(ns + "metadata")!.Element(ns + "version")!.Value);
        string[] dependencies = nuspec.Descendants(ns + "dependency").Select(d => (string)d.Attribute("id")!).ToArray();
        Assert.Equal(["System.Numerics.Tensors"], dependencies); // the generator is inside, not a dependency
    }

    private static void WriteConsumer(string project, string feed, string version)
    {
        // The machine's own sources stay (no <clear/>): the SDK's packages come from wherever they always do.
        File.WriteAllText(Path.Combine(project, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="albertaot-local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(project, "PackagedConsumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>disable</ImplicitUsings>
                <InvariantGlobalization>true</InvariantGlobalization>
                <PublishAot>true</PublishAot>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="AlbertAot" Version="{version}" />
                <AlbertCheckpoint Include="checkpoint" Name="packaged-{Fixture}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(project, "Program.cs"), $$"""
            using System.Collections.Generic;
            using AlbertAot;
            using AlbertAot.Weights;

            namespace PackagedConsumer;

            [AlbertModel("packaged-{{Fixture}}")]
            internal sealed partial class PackagedModel;

            internal static class Program
            {
                // PackagedConsumer IN.safetensors OUT.safetensors: the fixture case's inputs → every output the model has.
                public static int Main(string[] args)
                {
                    var model = new PackagedModel();
                    SafetensorsFile input = SafetensorsFile.Read(args[0]);
                    int[] shape = input.Shape("input_ids");
                    var inputs = new AlbertInputs(shape[0], shape[1], input.ReadInt64s("input_ids"),
                        input.Contains("token_type_ids") ? input.ReadInt64s("token_type_ids") : null,
                        input.Contains("attention_mask") ? input.ReadInt64s("attention_mask") : null);
                    AlbertOutputKinds kinds = AlbertOutputKinds.LastHiddenState
                        | (model.HasPooler ? AlbertOutputKinds.PoolerOutput : 0)
                        | (model.HasMlmHead ? AlbertOutputKinds.MlmLogits : 0);
                    AlbertOutputs outputs = model.Forward(inputs, kinds);
                    var tensors = new List<SafetensorsTensor>();
                    foreach ((string name, FloatTensor? tensor) in new[] { ("last_hidden_state", outputs.LastHiddenState), ("pooler_output", outputs.PoolerOutput), ("mlm_logits", outputs.MlmLogits) })
                        if (tensor is not null) tensors.Add(SafetensorsTensor.FromSingles(name, tensor.Data, tensor.Shape));
                    SafetensorsFile.Write(args[1], tensors);
                    return 0;
                }
            }
            """);
    }
}
