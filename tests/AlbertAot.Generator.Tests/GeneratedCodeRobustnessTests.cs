using System.Linq;
using AlbertAot.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace AlbertAot.Generator.Tests;

/// <summary>
/// The generated source must compile in the projects users really have: warnings as errors (this repository's own
/// setting), XML documentation on, their own types beside the model class, unusual but valid config values.
/// Tests with Category=GeneratorBug fail against the generator as it is: their doc comments say why and what fixes it
/// (dotnet test --filter "Category!=GeneratorBug" runs the rest).
/// </summary>
public class GeneratedCodeRobustnessTests
{
    private static CheckpointBuilder Tiny(string name = "m") => new(name, Configs.Tiny);

    /// <summary>
    /// Was a bug: with GenerateDocumentationFile (and TreatWarningsAsErrors, as in Directory.Build.props) a model class breaks
    /// the build: the generated public constants (CheckpointName, VocabSize, ... ConfigResourceName) have no XML
    /// comment, so CS1591 is reported in generated code the user cannot edit. Fix: emit a /// summary for every public
    /// member (or wrap the file in #pragma warning disable CS1591).
    /// </summary>
    [Theory]
    [InlineData("m")]
    [InlineData("q&a-v2")]
    public void WithDocumentationFile_GeneratedCodeHasNoWarnings(string name)
    {
        CSharpParseOptions docs = GeneratorHarness.ParseOptions.WithDocumentationMode(DocumentationMode.Diagnose);
        var (texts, options) = GeneratorHarness.Inputs(new[] { Tiny(name).Build() });
        string source = $"/// <summary>The model.</summary>\n[AlbertAot.AlbertModel(\"{name}\")] public partial class M;\n";
        GeneratorRun run = GeneratorHarness.Run(GeneratorHarness.CreateDriver(texts, options, docs), GeneratorHarness.CreateCompilation(docs, source));
        run.AssertNoCrash();
        Assert.Single(run.Sources);
        run.AssertCompiles();
    }

    /// <summary>
    /// Was a bug: the generated file refers to runtime types by simple name through using directives (Attention, Linear,
    /// LayerNorm, Embeddings, Activations, TensorInfo, AlbertEngine, ...). A type of the same name in the model's own
    /// namespace, likely in an ML application, wins the lookup and the generated code no longer compiles. Fix: write
    /// every runtime type fully qualified (global::AlbertAot.Kernels.Attention, ...), as the public API part already does.
    /// </summary>
    [Theory]
    [InlineData("Attention")]
    [InlineData("Embeddings")]
    [InlineData("Linear")]
    [InlineData("LayerNorm")]
    [InlineData("Activations")]
    [InlineData("TensorInfo")]
    [InlineData("AlbertEngine")]
    public void UserTypeNamedLikeARuntimeType_DoesNotBreakTheGeneratedCode(string userType)
    {
        string source = $$"""
            namespace App
            {
                public class {{userType}} { }
                [AlbertAot.AlbertModel("m")] public partial class M;
            }
            """;
        GeneratorHarness.Run(Tiny().Build(), source).AssertGeneratesAndCompiles();
    }

    /// <summary>
    /// Was a bug: a model class named like one of the generated private members (the nested Engine or Tensors class, the
    /// Layer method) gets CS0542 in generated code. Fix: give the generated members names a user will not pick
    /// (e.g. __AlbertEngine) or report ALB0016 for these names.
    /// </summary>
    [Theory]
    [InlineData("Engine")]
    [InlineData("Tensors")]
    [InlineData("Layer")]
    public void ModelClassNamedLikeAGeneratedMember_CompilesOrIsDiagnosed(string className)
    {
        GeneratorRun run = GeneratorHarness.Run(Tiny().Build(), GeneratorHarness.ModelSource("m", className)).AssertNoCrash();
        if (run.Errors.Any()) Assert.All(run.Errors, d => Assert.StartsWith("ALB", d.Id));
        else run.AssertCompiles();
    }

    /// <summary>
    /// Was a bug: layer_norm_eps is validated as a positive finite double, but emitted as a float: 1e39 overflows to
    /// float infinity and FloatLiteral writes "Infinity.0f", which does not compile (CS0103). Fix: reject values
    /// outside float range (ALB0006, or ALB0005) in ConfigParser, or emit float.PositiveInfinity.
    /// </summary>
    [Theory]
    [InlineData(1e39)]
    [InlineData(1e300)]
    public void LayerNormEpsBeyondFloatRange_IsDiagnosedOrCompiles(double eps)
    {
        Checkpoint checkpoint = Tiny().WithConfigFileText(Configs.With(Configs.Tiny, ("layer_norm_eps", eps))).Build();
        GeneratorRun run = GeneratorHarness.Run(checkpoint).AssertNoCrash();
        if (run.Errors.Any()) Assert.Contains(run.Errors, d => d.Id.StartsWith("ALB") && GeneratorRun.Message(d).Contains("layer_norm_eps"));
        else run.AssertCompiles();
    }

    [Fact]
    public void LayerNormEpsBelowFloatRange_Compiles()
    {
        Checkpoint checkpoint = Tiny().WithConfigFileText(Configs.With(Configs.Tiny, ("layer_norm_eps", 1e-50))).Build();
        GeneratorHarness.Run(checkpoint).AssertGeneratesAndCompiles();
    }

    /// <summary>
    /// Was a bug: num_hidden_layers is bounded only by int.MaxValue and needs no tensors, but the emitter unrolls one
    /// Layer(...) line per layer × inner layer: a config with 2147483647 layers makes the generator build a string
    /// of tens of GB inside the compiler (OutOfMemoryException escapes the generator, or the build hangs). With
    /// 1,000,000 layers it already writes ~70 MB of C#. Fix: reject absurd layer counts in ConfigParser (ALB0006, e.g.
    /// num_hidden_layers × inner_group_num above a few thousand), or emit the schedule as a static table and a loop.
    /// </summary>
    [Fact]
    public void AbsurdLayerCount_IsRejectedOrNotUnrolled()
    {
        Checkpoint checkpoint = Tiny().WithConfigFileText(Configs.With(Configs.Tiny, ("num_hidden_layers", 1_000_000))).Build();
        GeneratorRun run = GeneratorHarness.Run(checkpoint).AssertNoCrash();
        if (run.Errors.Any())
            Assert.Contains(run.Errors, d => d.Id.StartsWith("ALB") && GeneratorRun.Message(d).Contains("num_hidden_layers"));
        else
            Assert.True(run.Sources.Single().SourceText.Length < 1_000_000,
                $"1,000,000 layers produced {run.Sources.Single().SourceText.Length:N0} chars of generated source");
    }

    /// <summary>
    /// Was a bug: [AlbertModel] is AttributeTargets.Class, which admits a record class, but the generator's syntax
    /// predicate takes only ClassDeclarationSyntax: a partial record with the attribute gets no model and no
    /// diagnostic. Fix: accept RecordDeclarationSyntax declaring a class (and emit "partial record"), or report ALB0016.
    /// </summary>
    [Fact]
    public void RecordClassWithTheAttribute_GetsAModelOrADiagnostic()
    {
        GeneratorRun run = GeneratorHarness.Run(Tiny().Build(), "[AlbertAot.AlbertModel(\"m\")] public partial record R;").AssertNoCrash();
        Assert.True(run.Sources.Length == 1 || run.Errors.Any(d => d.Id == "ALB0016"),
            "a record class with [AlbertModel] got neither a generated model nor a diagnostic");
        if (run.Sources.Length == 1) run.AssertCompiles();
    }

    /// <summary>
    /// Was a bug: [AlbertModel] on two partial declarations of one class (CS0579 for the user) makes ForAttributeWithMetadataName
    /// yield the class twice; both results AddSource the same hint name, AddSource throws ArgumentException, and the
    /// generator fails as a whole (CS8785): every other model class of the project loses its generated code too and the
    /// build drowns in errors. Fix: de-duplicate the ModelResults by hint name (or by symbol) before RegisterSourceOutput,
    /// e.g. report ALB0016 ("[AlbertModel] appears on more than one declaration") on the duplicates and emit once.
    /// </summary>
    [Fact]
    public void AttributeOnTwoPartsOfOneClass_DoesNotCrashTheGeneratorOrLoseOtherModels()
    {
        Checkpoint m = Tiny().Build(), n = Tiny("n").Build();
        GeneratorRun run = GeneratorHarness.Run(new[] { m, n },
            "[AlbertAot.AlbertModel(\"m\")] public partial class M;",
            "[AlbertAot.AlbertModel(\"m\")] public partial class M { }",
            "[AlbertAot.AlbertModel(\"n\")] public partial class Other;");
        run.AssertNoCrash();
        Assert.Contains(run.Sources, s => s.HintName == "Other.Albert.g.cs");
    }
}
