using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace AlbertAot.Generator.Tests.Infrastructure;

/// <summary>Drives AlbertModelGenerator in-process the way the compiler does, over in-memory checkpoints.</summary>
public static class GeneratorHarness
{
    public const string WeightsDirectory = "/src/app/weights/";

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.Parse);

    public static readonly CSharpCompilationOptions CompilationOptions = new(OutputKind.DynamicallyLinkedLibrary,
        nullableContextOptions: NullableContextOptions.Enable, deterministic: true);

    /// <summary>The user's model class, the way the README shows it.</summary>
    public static string ModelSource(string checkpoint = "m", string className = "M") =>
        $"[AlbertAot.AlbertModel({SymbolDisplay.FormatLiteral(checkpoint, quote: true)})] public partial class {className};\n";

    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(() =>
    {
        var paths = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string path in ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            paths.TryAdd(Path.GetFileName(path), path);
        // The runtime the generated code calls into (also in the TPA list when the test host loaded it).
        paths[Path.GetFileName(typeof(AlbertAot.IAlbertModel).Assembly.Location)] = typeof(AlbertAot.IAlbertModel).Assembly.Location;
        return paths.Values.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
    });

    public static ImmutableArray<MetadataReference> References => s_references.Value;

    public static CSharpCompilation CreateCompilation(params string[] sources) => CreateCompilation(ParseOptions, sources);

    public static CSharpCompilation CreateCompilation(CSharpParseOptions parseOptions, params string[] sources) =>
        CSharpCompilation.Create("UserAssembly",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, parseOptions, path: $"/src/app/Source{i}.cs", encoding: Encoding.UTF8)),
            References, CompilationOptions);

    public static (List<TestAdditionalText> Texts, TestAnalyzerConfigOptionsProvider Options) Inputs(IEnumerable<Checkpoint> checkpoints,
        string? weightsDirectory = WeightsDirectory)
    {
        var texts = new List<TestAdditionalText>();
        var metadata = new Dictionary<string, IDictionary<string, string>>();
        foreach (Checkpoint c in checkpoints)
        {
            texts.Add(new TestAdditionalText(c.DescriptorPath, c.DescriptorText));
            if (c.ConfigPassed)
            {
                texts.Add(new TestAdditionalText(c.ConfigPath, c.ConfigText));
                metadata[c.ConfigPath] = new Dictionary<string, string> { ["build_metadata.AdditionalFiles.AlbertCheckpoint"] = c.Name };
            }
        }
        // Other AdditionalFiles a project has: the generator must ignore them.
        texts.Add(new TestAdditionalText("/src/app/appsettings.json", "{\"Logging\":{}}"));
        metadata["/src/app/appsettings.json"] = new Dictionary<string, string> { ["build_metadata.AdditionalFiles.AlbertCheckpoint"] = "" };
        var global = new Dictionary<string, string>();
        if (weightsDirectory is not null) global["build_property.AlbertWeightsDirectory"] = weightsDirectory;
        return (texts, new TestAnalyzerConfigOptionsProvider(metadata, global));
    }

    public static GeneratorDriver CreateDriver(IEnumerable<AdditionalText> texts, TestAnalyzerConfigOptionsProvider options,
        CSharpParseOptions? parseOptions = null) =>
        CSharpGeneratorDriver.Create(new[] { new AlbertModelGenerator().AsSourceGenerator() }, texts, parseOptions ?? ParseOptions, options,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    public static GeneratorRun Run(Checkpoint checkpoint, params string[] sources) => Run(new[] { checkpoint }, sources);

    public static GeneratorRun Run(IEnumerable<Checkpoint> checkpoints, params string[] sources) =>
        RunWithWeightsDirectory(checkpoints, WeightsDirectory, sources);

    public static GeneratorRun RunWithWeightsDirectory(IEnumerable<Checkpoint> checkpoints, string? weightsDirectory, params string[] sources)
    {
        if (sources.Length == 0) sources = new[] { ModelSource(checkpoints.FirstOrDefault()?.Name ?? "m") };
        var (texts, options) = Inputs(checkpoints, weightsDirectory);
        return Run(CreateDriver(texts, options), CreateCompilation(sources));
    }

    public static GeneratorRun Run(GeneratorDriver driver, Compilation compilation)
    {
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> driverDiagnostics);
        return new GeneratorRun(driver, compilation, output, driverDiagnostics);
    }
}

/// <summary>The outcome of one generator run.</summary>
public sealed class GeneratorRun
{
    public GeneratorRun(GeneratorDriver driver, Compilation input, Compilation output, ImmutableArray<Diagnostic> driverDiagnostics)
    {
        Driver = driver;
        Input = input;
        Output = output;
        DriverDiagnostics = driverDiagnostics;
        RunResult = driver.GetRunResult();
        Result = RunResult.Results.Single();
    }

    public GeneratorDriver Driver { get; }
    public Compilation Input { get; }
    public Compilation Output { get; }
    public ImmutableArray<Diagnostic> DriverDiagnostics { get; }
    public GeneratorDriverRunResult RunResult { get; }
    public GeneratorRunResult Result { get; }

    public ImmutableArray<Diagnostic> Diagnostics => Result.Diagnostics;

    public IEnumerable<Diagnostic> Errors => Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error);

    public ImmutableArray<GeneratedSourceResult> Sources => Result.GeneratedSources;

    /// <summary>The one generated source.</summary>
    public string Source => Assert.Single(Sources).SourceText.ToString();

    /// <summary>No exception escaped the generator: no AD* or CS8784/CS8785 (generator failed), no ALB9999 (a caught bug).</summary>
    public GeneratorRun AssertNoCrash()
    {
        Assert.Null(Result.Exception);
        foreach (Diagnostic d in Diagnostics.Concat(DriverDiagnostics).Concat(RunResult.Diagnostics))
        {
            Assert.False(d.Id.StartsWith("AD", StringComparison.Ordinal), d.ToString());
            Assert.False(d.Id is "CS8784" or "CS8785", d.ToString());
            Assert.False(d.Id == "ALB9999", d.ToString());
        }
        return this;
    }

    /// <summary>One model generated, no error or warning from the generator, and the output compiles clean.</summary>
    public GeneratorRun AssertGeneratesAndCompiles()
    {
        AssertNoCrash();
        Assert.Empty(Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()));
        Assert.Single(Sources);
        AssertCompiles();
        return this;
    }

    /// <summary>The user's code plus the generated source compile without errors or warnings (users build with TreatWarningsAsErrors).</summary>
    public void AssertCompiles()
    {
        var problems = Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        if (problems.Count == 0) return;
        string source = string.Join("\n", Sources.Select(s => s.SourceText.ToString()));
        Assert.Fail($"The generated code does not compile ({problems.Count} errors/warnings), first ones:\n" +
            string.Join("\n", problems.Take(5)) + "\n--- generated (start) ---\n" + source.Substring(0, Math.Min(1500, source.Length)));
    }

    /// <summary>The generator's only diagnostic with this id; asserts the run did not crash and generated nothing when it is an error.</summary>
    public Diagnostic Single(string id)
    {
        AssertNoCrash();
        Diagnostic d = Assert.Single(Diagnostics, x => x.Id == id);
        if (d.Severity == DiagnosticSeverity.Error) Assert.Empty(Sources);
        return d;
    }

    public static string Message(Diagnostic d) => d.GetMessage(CultureInfo.InvariantCulture);
}
