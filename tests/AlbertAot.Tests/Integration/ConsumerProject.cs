using System;
using System.IO;

namespace AlbertAot.Tests.Integration;

/// <summary>
/// A project outside the solution, set up only as README.md says ("Reference AlbertAot"), compiling one checkpoint
/// folder under a name the repository has never used. Its program is AlbertCli's (the `forward` verb), compiled
/// against the consumer's own model class.
/// </summary>
internal sealed class ConsumerProject
{
    private ConsumerProject(string directory) => Directory = directory;

    public string Directory { get; }

    public string ProgramPath => Path.Combine(Directory, "bin", "out", "Consumer.dll");

    public static ConsumerProject Create(string checkpointDirectory, string checkpointName, string? tokenizer = null)
    {
        string root = DotnetCli.RepositoryRoot;
        string dir = DotnetCli.TempDirectory("consumer");
        string tokenizerAttribute = tokenizer is null ? "" : $" Tokenizer=\"{tokenizer}\"";
        File.WriteAllText(Path.Combine(dir, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <Import Project="{root}/src/AlbertAot/build/AlbertAot.props" />
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <InvariantGlobalization>true</InvariantGlobalization>
              </PropertyGroup>
              <ItemGroup>
                <AlbertCheckpoint Include="{checkpointDirectory}" Name="{checkpointName}"{tokenizerAttribute} />
                <ProjectReference Include="{root}/src/AlbertAot/AlbertAot.csproj" />
                <ProjectReference Include="{root}/generator/AlbertAot.Generator/AlbertAot.Generator.csproj"
                                  OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
                <Compile Include="{root}/samples/AlbertCli/*.cs" Exclude="{root}/samples/AlbertCli/CliModel.cs" />
              </ItemGroup>
              <Import Project="{root}/src/AlbertAot/build/AlbertAot.targets" />
            </Project>
            """);
        File.WriteAllText(Path.Combine(dir, "Model.cs"), $$"""
            namespace AlbertCli;

            [AlbertAot.AlbertModel("{{checkpointName}}")]
            internal sealed partial class CliModel;
            """);
        return new ConsumerProject(dir);
    }

    public string Build() =>
        DotnetCli.RunOk("dotnet", "build -c Release -o bin/out", Directory, TimeSpan.FromMinutes(10));

    /// <summary>Runs `forward` on a case file and returns the path of the outputs.</summary>
    public string Forward(string inputPath)
    {
        string output = Path.Combine(Directory, Path.GetFileNameWithoutExtension(inputPath) + ".out.safetensors");
        DotnetCli.RunOk("dotnet", $"\"{ProgramPath}\" forward --input \"{inputPath}\" --output \"{output}\"", Directory, TimeSpan.FromMinutes(2));
        return output;
    }
}
