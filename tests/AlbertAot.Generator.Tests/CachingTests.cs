using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using AlbertAot.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace AlbertAot.Generator.Tests;

/// <summary>
/// The incremental pipeline: an edit elsewhere in the project re-runs nothing, an edit of a checkpoint re-runs what
/// depends on it, equal inputs give equal (cached) outputs, and no step output holds compiler objects.
/// </summary>
public class CachingTests
{
    private static readonly string[] s_steps =
    {
        AlbertModelGenerator.StepNames.Checkpoints, AlbertModelGenerator.StepNames.Configs,
        AlbertModelGenerator.StepNames.ModelClasses, AlbertModelGenerator.StepNames.Models,
    };

    private sealed class Session
    {
        public Session(params Checkpoint[] checkpoints)
        {
            var (texts, options) = GeneratorHarness.Inputs(checkpoints);
            Texts = texts;
            Driver = GeneratorHarness.CreateDriver(texts, options);
            Compilation = GeneratorHarness.CreateCompilation(
                "namespace App;\n\n[AlbertAot.AlbertModel(\"m\")]\npublic partial class M\n{\n}\n",
                "namespace App;\n\n[AlbertAot.AlbertModel(\"n\")]\npublic partial class N;\n");
        }

        public List<TestAdditionalText> Texts { get; }
        public GeneratorDriver Driver { get; private set; }
        public Compilation Compilation { get; private set; }

        public GeneratorRunResult Run()
        {
            Driver = Driver.RunGeneratorsAndUpdateCompilation(Compilation, out _, out _);
            GeneratorRunResult result = Driver.GetRunResult().Results.Single();
            Assert.Null(result.Exception);
            Assert.DoesNotContain(result.Diagnostics, d => d.Id.StartsWith("AD", StringComparison.Ordinal) || d.Id is "CS8784" or "CS8785" or "ALB9999");
            return result;
        }

        public void Update(Func<Compilation, Compilation> edit) => Compilation = edit(Compilation);

        public void ReplaceText(string path, string text)
        {
            TestAdditionalText old = Texts.Single(t => t.Path == path);
            var replacement = new TestAdditionalText(path, text);
            Texts[Texts.IndexOf(old)] = replacement;
            Driver = Driver.ReplaceAdditionalText(old, replacement);
        }
    }

    private static Checkpoint M() => new CheckpointBuilder("m", Configs.Tiny).Build();

    private static Checkpoint N() => new CheckpointBuilder("n", Configs.With(Configs.Tiny, ("hidden_act", "relu"))).WithDType("F16").Build();

    private static IEnumerable<IncrementalStepRunReason> Reasons(GeneratorRunResult result, string step) =>
        result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason);

    private static void AssertAllCachedOrUnchanged(GeneratorRunResult result)
    {
        foreach (string step in s_steps)
        {
            Assert.True(result.TrackedSteps.ContainsKey(step), $"step {step} was not tracked");
            Assert.All(Reasons(result, step), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {r}"));
        }
        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"output: {o.Reason}"));
    }

    [Fact]
    public void FirstRun_TracksEveryStepAndGeneratesBothModels()
    {
        var session = new Session(M(), N());
        GeneratorRunResult result = session.Run();
        Assert.Equal(2, result.GeneratedSources.Length);
        Assert.Empty(result.Diagnostics);
        Assert.Equal(2, result.TrackedSteps[AlbertModelGenerator.StepNames.Checkpoints].Length);
        Assert.Equal(2, result.TrackedSteps[AlbertModelGenerator.StepNames.Configs].Length);
        Assert.Equal(2, result.TrackedSteps[AlbertModelGenerator.StepNames.Models].Length);
        foreach (string step in s_steps) Assert.All(Reasons(result, step), r => Assert.Equal(IncrementalStepRunReason.New, r));
    }

    [Fact]
    public void AddingAnUnrelatedFile_RerunsNothing()
    {
        var session = new Session(M(), N());
        session.Run();
        session.Update(c => c.AddSyntaxTrees(CSharpSyntaxTree.ParseText("class Unrelated { }", GeneratorHarness.ParseOptions, "/src/app/Unrelated.cs")));
        AssertAllCachedOrUnchanged(session.Run());
    }

    [Fact]
    public void EditingAnUnrelatedFile_RerunsNothing()
    {
        var session = new Session(M(), N());
        session.Update(c => c.AddSyntaxTrees(CSharpSyntaxTree.ParseText("class Unrelated { }", GeneratorHarness.ParseOptions, "/src/app/Unrelated.cs")));
        session.Run();
        session.Update(c =>
        {
            SyntaxTree old = c.SyntaxTrees.Single(t => t.FilePath == "/src/app/Unrelated.cs");
            return c.ReplaceSyntaxTree(old, old.WithChangedText(old.GetText().WithChanges(
                new Microsoft.CodeAnalysis.Text.TextChange(new Microsoft.CodeAnalysis.Text.TextSpan(old.Length, 0), "\nclass More { int X; }"))));
        });
        AssertAllCachedOrUnchanged(session.Run());
    }

    [Fact]
    public void EditingTheModelClassBodyAfterTheAttribute_LeavesTheModelsCached()
    {
        var session = new Session(M(), N());
        session.Run();
        session.Update(c =>
        {
            SyntaxTree old = c.SyntaxTrees.First();
            string text = old.ToString();
            return c.ReplaceSyntaxTree(old, old.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(
                text.Replace("{\n}", "{\n    public int Extra => 42;\n}"))));
        });
        GeneratorRunResult result = session.Run();
        // The class re-parses to an equal ModelClassInfo: nothing downstream runs.
        Assert.All(Reasons(result, AlbertModelGenerator.StepNames.ModelClasses), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
        Assert.All(Reasons(result, AlbertModelGenerator.StepNames.Models), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
    }

    [Fact]
    public void EditingConfigJson_RerunsTheModelsStep()
    {
        Checkpoint m = M();
        var session = new Session(m, N());
        session.Run();
        session.ReplaceText(m.ConfigPath, Configs.With(Configs.Tiny, ("layer_norm_eps", 1e-5)));
        GeneratorRunResult result = session.Run();

        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(result, AlbertModelGenerator.StepNames.Configs));
        // M's model is rebuilt; N's is not touched.
        Assert.Equal(new[] { IncrementalStepRunReason.Modified, IncrementalStepRunReason.Unchanged },
            Reasons(result, AlbertModelGenerator.StepNames.Models).OrderBy(r => r));
        Assert.Contains("public const float LayerNormEps = 1E-05f;", result.GeneratedSources.Single(s => s.HintName == "App.M.Albert.g.cs").SourceText.ToString());
        Assert.All(Reasons(result, AlbertModelGenerator.StepNames.Checkpoints), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
    }

    [Fact]
    public void EditingTheDescriptor_RerunsCheckpointsAndModels()
    {
        Checkpoint m = M();
        var session = new Session(m, N());
        session.Run();
        session.ReplaceText(m.DescriptorPath, new CheckpointBuilder("m", Configs.Tiny).WithDType("BF16").Build().DescriptorText);
        GeneratorRunResult result = session.Run();
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(result, AlbertModelGenerator.StepNames.Checkpoints));
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(result, AlbertModelGenerator.StepNames.Models));
        Assert.Contains("TensorDType.BF16", result.GeneratedSources.Single(s => s.HintName == "App.M.Albert.g.cs").SourceText.ToString());
    }

    [Fact]
    public void ReplacingInputsWithEqualText_GivesEqualOutputs()
    {
        // New AdditionalText objects with the same content: the steps re-run and must find their outputs equal.
        Checkpoint m = M();
        var session = new Session(m, N());
        session.Run();
        session.ReplaceText(m.DescriptorPath, m.DescriptorText);
        session.ReplaceText(m.ConfigPath, m.ConfigText!);
        // The parse transforms before the tracked (last) node of each chain re-run on the new text objects; their
        // outputs compare equal, so every tracked step and the output are cached.
        AssertAllCachedOrUnchanged(session.Run());
    }

    [Fact]
    public void ReplacingBrokenInputsWithEqualText_GivesEqualOutputs()
    {
        // Diagnostics are part of the step outputs: they must compare by value too.
        Checkpoint m = new CheckpointBuilder("m", Configs.Tiny).WithConfigFileText("{ \"hidden_size\": \"x\" }")
            .WithoutTensor("albert.pooler.bias").WithTensorDType("predictions.bias", "F64").Build();
        var session = new Session(m, N());
        Assert.NotEmpty(session.Run().Diagnostics);
        session.ReplaceText(m.DescriptorPath, m.DescriptorText);
        session.ReplaceText(m.ConfigPath, m.ConfigText!);
        session.Update(c => c.AddSyntaxTrees(CSharpSyntaxTree.ParseText("class Unrelated { }", GeneratorHarness.ParseOptions, "/src/app/Unrelated.cs")));
        AssertAllCachedOrUnchanged(session.Run());
    }

    [Fact]
    public void StepOutputs_HoldNoCompilerObjects()
    {
        // Broken and valid checkpoints and classes, so diagnostics and locations are among the outputs walked.
        Checkpoint broken = new CheckpointBuilder("n", Configs.Tiny).WithoutTensor("albert.pooler.bias").Build();
        var session = new Session(M(), broken);
        session.Update(c => c.AddSyntaxTrees(CSharpSyntaxTree.ParseText(
            "[AlbertAot.AlbertModel(\"m\")] class NotPartial { }\n[AlbertAot.AlbertModel(\"nope\")] partial class Unknown;",
            GeneratorHarness.ParseOptions, "/src/app/More.cs")));
        GeneratorRunResult result = session.Run();
        Assert.NotEmpty(result.Diagnostics);
        foreach (string step in s_steps)
            foreach (IncrementalGeneratorRunStep run in result.TrackedSteps[step])
                foreach (var (value, _) in run.Outputs)
                    ObjectGraph.AssertHoldsNoCompilerObjects(value, step);
    }

    [Fact]
    public void ObjectGraphWalk_FindsCompilerObjects()
    {
        // The walker itself: a symbol or syntax node hidden in a record, array or list is found.
        Compilation c = GeneratorHarness.CreateCompilation("class C { }");
        Assert.ThrowsAny<Exception>(() => ObjectGraph.AssertHoldsNoCompilerObjects(new { Inner = new object[] { c.GetTypeByMetadataName("C")! } }, "test"));
        Assert.ThrowsAny<Exception>(() => ObjectGraph.AssertHoldsNoCompilerObjects(new List<object> { c.SyntaxTrees.First().GetRoot() }, "test"));
        Assert.ThrowsAny<Exception>(() => ObjectGraph.AssertHoldsNoCompilerObjects(ImmutableArray.Create<object>(c), "test"));
        ObjectGraph.AssertHoldsNoCompilerObjects(new { A = "x", B = new[] { 1, 2 }, C = Location.None }, "test");
    }
}

/// <summary>
/// Walks an object graph by reflection (as dotnet/runtime's generator tests do) and fails on anything that would pin a
/// compilation in the incremental cache or defeat its equality checks.
/// </summary>
public static class ObjectGraph
{
    public static void AssertHoldsNoCompilerObjects(object? root, string step)
    {
        var visited = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(object Value, string Path)>();
        if (root is not null) stack.Push((root, step));
        while (stack.Count > 0)
        {
            var (value, path) = stack.Pop();
            Type type = value.GetType();
            if (type.IsPrimitive || type.IsEnum || value is string or decimal or Type or MemberInfo or Delegate || type.IsPointer) continue;
            if (!type.IsValueType && !visited.Add(value)) continue;

            bool forbidden = value is Compilation or ISymbol or SyntaxNode or SyntaxTree or SemanticModel or AdditionalText
                or AnalyzerConfigOptions or AnalyzerConfigOptionsProvider or Microsoft.CodeAnalysis.Text.SourceText
                || (value is Location location && location.IsInSource)
                || type.Name is "SyntaxToken" or "SyntaxTrivia" or "SyntaxNodeOrToken" or "AttributeData" or "GeneratorAttributeSyntaxContext";
            Assert.False(forbidden, $"{path} holds a {type.FullName}");

            if (value is Array array)
            {
                int i = 0;
                foreach (object? item in array)
                {
                    if (item is not null) stack.Push((item, $"{path}[{i}]"));
                    i++;
                }
                continue;
            }
            for (Type? t = type; t is not null && t != typeof(object); t = t.BaseType)
                foreach (FieldInfo field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    if (field.FieldType.IsPointer || field.FieldType.IsByRef || field.FieldType.IsByRefLike) continue;
                    object? fieldValue = field.GetValue(value);
                    if (fieldValue is not null) stack.Push((fieldValue, $"{path}.{field.Name}"));
                }
        }
    }
}
