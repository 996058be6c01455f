using System;
using System.Collections.Generic;
using System.Linq;
using AlbertAot.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Snapshooter;
using Snapshooter.Xunit;
using Xunit;

namespace AlbertAot.Generator.Tests;

/// <summary>
/// Precision = AlbertPrecision.BFloat16 / Int8 (docs/precision.md): the generator picks the descriptor of the file the
/// build task converted (bf16/ or int8/&lt;name&gt;.albert), reads its matrices narrow, and says what to do when the
/// build step did not embed the precision a class asks for (ALB0035) or a precision is not one (ALB0036).
/// </summary>
public class PrecisionTests
{
    private const string Source = CheckpointBuilder.Root + "m/model.safetensors";

    private static string Model(string precision, string checkpoint = "m", string className = "M") =>
        $"namespace App;\n[AlbertAot.AlbertModel(\"{checkpoint}\", Precision = AlbertAot.AlbertPrecision.{precision})] public partial class {className};\n";

    /// <summary>The checkpoint's own descriptor (embedded or not) and the converted ones, as the build task writes them.</summary>
    private static Checkpoint[] Described(CheckpointBuilder original, Func<string, CheckpointBuilder> converted, bool float32Embedded, params string[] precisions) =>
        new[] { original.WithEmbedded(float32Embedded).Build() }
            .Concat(precisions.Select(p => converted(p).WithConversion(p).WithConfigNotPassed().Build())).ToArray();

    private static Checkpoint[] Tiny(bool float32Embedded, params string[] precisions) =>
        Described(new CheckpointBuilder("m", Configs.Tiny), _ => new CheckpointBuilder("m", Configs.Tiny), float32Embedded, precisions);

    // ---- what is generated ----

    [Theory]
    [InlineData("BFloat16")]
    [InlineData("Int8")]
    public void TinyGroups_Converted_GeneratedSource(string precision)
    {
        // The fixture's real config and (F16) tensors, converted as the build task does; the float32 file is not embedded.
        Checkpoint[] checkpoints = Described(TinyGroupsFixture.Builder(), _ => TinyGroupsFixture.Builder(), false, precision);
        GeneratorRun run = GeneratorHarness.Run(checkpoints, Model(precision, "tiny-groups", "TinyGroups" + precision)).AssertGeneratesAndCompiles();
        Snapshot.Match(run.Source, SnapshotNameExtension.Create(precision));
    }

    [Fact]
    public void BFloat16_ConvertedMatricesNarrow_TheRestFloat32()
    {
        string source = GeneratorHarness.Run(Tiny(false, "BFloat16"), Model("BFloat16")).AssertGeneratesAndCompiles().Source;
        Assert.Contains("public const global::AlbertAot.AlbertPrecision ModelPrecision = global::AlbertAot.AlbertPrecision.BFloat16;", source);
        Assert.Contains("public const string SafetensorsResourceName = \"AlbertAot/m/model.bf16.safetensors\";", source);
        Assert.Contains("private Engine() : base(ModelConfig, LoadWeights(), ModelPrecision) { }", source);
        Assert.Contains("global::AlbertAot.Weights.WeightTensor wordEmbeddings = checkpoint.GetBFloat16(Tensors.WordEmbeddings);", source);
        Assert.Contains("checkpoint.GetBFloat16(Tensors.Group0Layer0QueryWeight), checkpoint.Get(Tensors.Group0Layer0QueryBias),", source);
        Assert.Contains("checkpoint.GetBFloat16(Tensors.MappingInWeight)", source);
        Assert.Contains("checkpoint.GetBFloat16(Tensors.PoolerWeight), checkpoint.Get(Tensors.PoolerBias)", source);
        Assert.Contains("checkpoint.GetBFloat16(Tensors.MlmDenseWeight), checkpoint.Get(Tensors.MlmDenseBias)", source);
        Assert.Contains("checkpoint.Get(Tensors.PositionEmbeddings)", source);
        Assert.Contains("Embeddings.Sum(s.InputIds, s.PositionIds, s.TokenTypeIds, e.WordEmbeddings, e.PositionEmbeddings.Span", source);
        Assert.Contains("public const long WidenedWeightBytes = 0L;", source);
        Assert.DoesNotContain("GetInt8", source);
        // Word embeddings, mapping in, Q, K, V, attention dense, FFN, FFN output, pooler, MLM dense: 10 matrices.
        Assert.Equal(10, CountOf(source, "TensorDType.BF16"));
        Assert.Equal(10, CountOf(source, "checkpoint.GetBFloat16("));
    }

    private static int CountOf(string text, string what) => (text.Length - text.Replace(what, "").Length) / what.Length;

    [Fact]
    public void Int8_MatricesWithTheirScales()
    {
        string source = GeneratorHarness.Run(Tiny(false, "Int8"), Model("Int8")).AssertGeneratesAndCompiles().Source;
        Assert.Contains("public const string SafetensorsResourceName = \"AlbertAot/m/model.int8.safetensors\";", source);
        Assert.Contains("global::AlbertAot.Weights.WeightTensor wordEmbeddings = checkpoint.GetInt8(Tensors.WordEmbeddings, Tensors.WordEmbeddingsScale);", source);
        Assert.Contains("checkpoint.GetInt8(Tensors.Group0Layer0FfnWeight, Tensors.Group0Layer0FfnWeightScale), checkpoint.Get(Tensors.Group0Layer0FfnBias),", source);
        Assert.Contains("public static readonly global::AlbertAot.Weights.TensorInfo WordEmbeddingsScale = new(\"albert.embeddings.word_embeddings.weight_scale\", global::AlbertAot.Weights.TensorDType.F32, ", source);
        Assert.Contains(", 100L);", source); // 100 scales: one per token of the vocabulary
        Assert.DoesNotContain("GetBFloat16", source);
        Assert.Equal(CountOf(source, "TensorDType.I8"), CountOf(source, "Scale = new("));
    }

    [Fact]
    public void NoPrecisionOnTheAttribute_TheItemsDefault()
    {
        Checkpoint[] checkpoints = Described(new CheckpointBuilder("m", Configs.Tiny).WithDefaultPrecision("Int8"),
            _ => new CheckpointBuilder("m", Configs.Tiny).WithDefaultPrecision("Int8"), false, "Int8");
        string source = GeneratorHarness.Run(checkpoints, GeneratorHarness.ModelSource()).AssertGeneratesAndCompiles().Source;
        Assert.Contains("ModelPrecision = global::AlbertAot.AlbertPrecision.Int8;", source);
    }

    [Fact]
    public void Float32OnTheAttribute_OverridesTheItemsDefault()
    {
        Checkpoint[] checkpoints = Described(new CheckpointBuilder("m", Configs.Tiny).WithDefaultPrecision("BFloat16"),
            _ => new CheckpointBuilder("m", Configs.Tiny).WithDefaultPrecision("BFloat16"), true, "BFloat16");
        string source = GeneratorHarness.Run(checkpoints, Model("Float32")).AssertGeneratesAndCompiles().Source;
        Assert.Contains("ModelPrecision = global::AlbertAot.AlbertPrecision.Float32;", source);
        Assert.Contains("\"AlbertAot/m/model.safetensors\"", source);
        Assert.Contains("private Engine() : base(ModelConfig, LoadWeights()) { }", source);
        Assert.DoesNotContain("GetBFloat16", source);
    }

    [Fact]
    public void ThreeClassesOfOneCheckpoint_EachInItsPrecision()
    {
        GeneratorRun run = GeneratorHarness.Run(Tiny(true, "BFloat16", "Int8"),
            "namespace App;\n[AlbertAot.AlbertModel(\"m\")] public partial class F;\n" +
            "[AlbertAot.AlbertModel(\"m\", Precision = AlbertAot.AlbertPrecision.BFloat16)] public partial class B;\n" +
            "[global::AlbertAot.AlbertModelAttribute(\"m\", Precision = global::AlbertAot.AlbertPrecision.Int8)] public partial class I;\n");
        run.AssertNoCrash();
        Assert.Empty(run.Diagnostics);
        run.AssertCompiles();
        string Of(string cls) => run.Sources.Single(s => s.HintName == $"App.{cls}.Albert.g.cs").SourceText.ToString();
        Assert.Contains("AlbertPrecision.Float32;", Of("F"));
        Assert.Contains("AlbertPrecision.BFloat16;", Of("B"));
        Assert.Contains("AlbertPrecision.Int8;", Of("I"));
    }

    [Fact]
    public void GapsBetweenTensors_AcceptedOnlyInAConvertedFile()
    {
        // The converted file aligns its tensors to 64 bytes; a user's own file with a hole stays ALB0010.
        Checkpoint converted = new CheckpointBuilder("m", Configs.Tiny).WithConversion("BFloat16").Build();
        List<HeaderTensor> sorted = converted.Tensors.OrderBy(t => t.Begin).ToList();
        Assert.All(sorted, t => Assert.Equal(0, t.Begin % 64));
        Assert.Contains(sorted.Zip(sorted.Skip(1)), pair => pair.Second.Begin > pair.First.End);
        GeneratorHarness.Run(Tiny(false, "BFloat16"), Model("BFloat16")).AssertGeneratesAndCompiles();
        Checkpoint holed = new CheckpointBuilder("m", Configs.Tiny).WithGapBefore("albert.pooler.bias", 64).Build();
        Assert.Contains("leaves a hole", GeneratorRun.Message(GeneratorHarness.Run(holed).Single("ALB0010")));
    }

    [Fact]
    public void OneFolderUnderTwoNames_TheConfigPassedOnce_IsFoundByItsPath()
    {
        // <AlbertCheckpoint Include="dir" Name="a" /> and <... Include="dir" Name="a-int8" Precision="Int8" />: the compiler
        // receives dir/config.json once, with one name's metadata.
        Checkpoint a = new CheckpointBuilder("a", Configs.Tiny).Build();
        Checkpoint b = new CheckpointBuilder("a-int8", Configs.Tiny).WithDefaultPrecision("Int8").WithEmbedded(false).WithConfigNotPassed()
            .WithDescriptorTransform(t => t.Replace(CheckpointBuilder.Root + "a-int8/config.json", a.ConfigPath)).Build();
        Checkpoint b8 = new CheckpointBuilder("a-int8", Configs.Tiny).WithDefaultPrecision("Int8").WithConversion("Int8").WithConfigNotPassed()
            .WithDescriptorTransform(t => t.Replace(CheckpointBuilder.Root + "a-int8/config.json", a.ConfigPath)).Build();
        GeneratorRun run = GeneratorHarness.Run(new[] { a, b, b8 },
            "[AlbertAot.AlbertModel(\"a\")] public partial class A;\n[AlbertAot.AlbertModel(\"a-int8\")] public partial class A8;\n");
        run.AssertNoCrash();
        Assert.Empty(run.Diagnostics.Select(d => d.ToString()));
        Assert.Equal(2, run.Sources.Length);
        run.AssertCompiles();
    }

    // ---- ALB0035: the precision asked for is not embedded ----

    [Fact]
    public void Alb0035_NotConverted_SaysHowToAskTheBuildStep()
    {
        Diagnostic d = GeneratorHarness.Run(Tiny(true), Model("Int8")).Single("ALB0035");
        Assert.Equal("Checkpoint 'm' is not embedded in Int8 precision, which 'App.M' uses: the build step converts a checkpoint only to the precisions " +
            "the project names, and it found none that names Int8: write Precision = AlbertPrecision.Int8 literally on the attribute (the build step reads " +
            "the source text; it does not evaluate constants), or give the AlbertCheckpoint item Precision=\"Int8\" metadata", GeneratorRun.Message(d));
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal("/src/app/Source0.cs", d.Location.GetLineSpan().Path);
    }

    [Fact]
    public void Alb0035_Float32NotEmbedded()
    {
        // A class whose Precision the build step could not read (a constant): the default Float32 was left out of the binary.
        Diagnostic d = GeneratorHarness.Run(Tiny(false, "BFloat16"),
            "namespace App;\n[AlbertAot.AlbertModel(\"m\", Precision = P)] public partial class M { const AlbertAot.AlbertPrecision P = AlbertAot.AlbertPrecision.Float32; }\n")
            .Single("ALB0035");
        Assert.StartsWith("Checkpoint 'm' is not embedded in Float32 precision, which 'App.M' uses: the build step embeds the float32 model.safetensors only when a class uses it",
            GeneratorRun.Message(d));
    }

    [Fact]
    public void Alb0035_ConversionSkipped_SaysWhy()
    {
        Checkpoint original = new CheckpointBuilder("m", Configs.Tiny).WithSkipped("BFloat16", "the conversion failed: IOException: disk full").Build();
        Assert.Equal($"Checkpoint 'm' is not embedded in BFloat16 precision, which 'App.M' uses: the build step could not convert '{Source}': the conversion failed: IOException: disk full",
            GeneratorRun.Message(GeneratorHarness.Run(original, Model("BFloat16")).Single("ALB0035")));
    }

    [Fact]
    public void BrokenSource_NotConverted_ReportsTheUsualDiagnostics()
    {
        Checkpoint original = new CheckpointBuilder("m", Configs.Tiny).WithEmbedded(false)
            .WithHeaderError("the file is 4 bytes, shorter than the 8-byte header length field", "truncated")
            .WithSkipped("BFloat16", "model.safetensors is not readable: the file is 4 bytes, shorter than the 8-byte header length field").Build();
        GeneratorRun run = GeneratorHarness.Run(original, Model("BFloat16"));
        run.Single("ALB0023");
        Assert.DoesNotContain(run.Diagnostics, d => d.Id == "ALB0035");
    }

    // ---- ALB0036: not a precision ----

    [Fact]
    public void Alb0036_AttributeValueNamesNoPrecision()
    {
        Diagnostic d = GeneratorHarness.Run(Tiny(true), "namespace App;\n[AlbertAot.AlbertModel(\"m\", Precision = (AlbertAot.AlbertPrecision)7)] public partial class M;\n")
            .Single("ALB0036");
        Assert.Equal("[AlbertModel(Precision = 7)] on 'App.M' names no precision: use AlbertPrecision.Float32, BFloat16 or Int8", GeneratorRun.Message(d));
    }

    [Fact]
    public void Alb0036_ItemMetadataNamesNoPrecision()
    {
        Checkpoint original = new CheckpointBuilder("m", Configs.Tiny).WithPrecisionError("fp8").Build();
        Assert.Equal("The Precision=\"fp8\" metadata of AlbertCheckpoint 'm' names no precision: use Float32, BFloat16 or Int8 (any case; bf16 and int8 work too), or leave it out for Float32",
            GeneratorRun.Message(GeneratorHarness.Run(original).Single("ALB0036")));
    }

    // ---- I8 and scales only where the build step put them ----

    [Fact]
    public void I8InTheUsersOwnCheckpoint_StaysAlb0013()
    {
        Checkpoint own = new CheckpointBuilder("m", Configs.Tiny).WithTensorDType("albert.pooler.weight", "I8").Build();
        Assert.Contains("is stored as I8; supported storage types are F32, F16 and BF16", GeneratorRun.Message(GeneratorHarness.Run(own).Single("ALB0013")));
    }

    [Fact]
    public void Int8FileWithoutAScaleVector_IsAlb0011()
    {
        Checkpoint[] checkpoints =
        {
            new CheckpointBuilder("m", Configs.Tiny).WithEmbedded(false).Build(),
            new CheckpointBuilder("m", Configs.Tiny).WithConversion("Int8").WithConfigNotPassed()
                .AfterLayout(ts => ts.RemoveAll(t => t.Name == "albert.pooler.weight_scale")).Build(),
        };
        GeneratorRun run = GeneratorHarness.Run(checkpoints, Model("Int8")).AssertNoCrash();
        Assert.Contains(run.Diagnostics, d => d.Id == "ALB0011" && GeneratorRun.Message(d).Contains("'albert.pooler.weight_scale' (expected shape [16]"));
        Assert.Empty(run.Sources);
    }

    [Fact]
    public void BFloat16FileWithAFloat32Matrix_IsAlb0010()
    {
        Checkpoint[] checkpoints =
        {
            new CheckpointBuilder("m", Configs.Tiny).WithEmbedded(false).Build(),
            new CheckpointBuilder("m", Configs.Tiny).WithConversion("BFloat16").WithConfigNotPassed()
                .AfterLayout(ts => { HeaderTensor t = ts.Single(x => x.Name == "albert.pooler.weight"); t.DType = "F16"; }).Build(),
        };
        Assert.Contains("is stored as F16 in the BFloat16 file the build step converted, where it must be BF16",
            GeneratorRun.Message(GeneratorHarness.Run(checkpoints, Model("BFloat16")).Single("ALB0010")));
    }

    // ---- the precision is part of the cached spec ----

    [Fact]
    public void EditingThePrecision_RerunsTheModel_AndEqualInputsStayCached()
    {
        var (texts, options) = GeneratorHarness.Inputs(Tiny(true, "BFloat16", "Int8"));
        GeneratorDriver driver = GeneratorHarness.CreateDriver(texts, options);
        Compilation compilation = GeneratorHarness.CreateCompilation(Model("BFloat16"));
        driver = driver.RunGenerators(compilation);
        Assert.Contains("AlbertPrecision.BFloat16;", driver.GetRunResult().GeneratedTrees.Single().ToString());

        SyntaxTree old = compilation.SyntaxTrees.Single();
        compilation = compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(Model("Int8"), GeneratorHarness.ParseOptions, old.FilePath));
        driver = driver.RunGenerators(compilation);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        Assert.Contains(IncrementalStepRunReason.Modified, result.TrackedSteps[AlbertModelGenerator.StepNames.Models].SelectMany(s => s.Outputs).Select(o => o.Reason));
        Assert.Contains("AlbertPrecision.Int8;", result.GeneratedSources.Single().SourceText.ToString());

        compilation = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("class Unrelated { }", GeneratorHarness.ParseOptions, "/src/app/Unrelated.cs"));
        result = driver.RunGenerators(compilation).GetRunResult().Results.Single();
        Assert.All(result.TrackedSteps[AlbertModelGenerator.StepNames.Models].SelectMany(s => s.Outputs),
            o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
    }
}
