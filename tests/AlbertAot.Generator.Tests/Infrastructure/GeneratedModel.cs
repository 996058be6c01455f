using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace AlbertAot.Generator.Tests.Infrastructure;

/// <summary>One entry of the generated Tensors table: new TensorInfo(name, dtype, file offset, element count).</summary>
public sealed record GeneratedTensor(string Field, string Name, string DType, long FileOffset, long ElementCount);

/// <summary>Reads a generated model back: its constants (through the semantic model), layer schedule and tensor table (through syntax).</summary>
public sealed class GeneratedModel
{
    private readonly GeneratorRun _run;
    private readonly SyntaxTree _tree;

    public GeneratedModel(GeneratorRun run, string className = "M")
    {
        _run = run;
        ClassName = className;
        _tree = Assert.Single(run.Result.GeneratedSources).SyntaxTree;
        Type = run.Output.GetTypeByMetadataName(className) ?? throw new InvalidOperationException($"no type {className} in the output");
    }

    public string ClassName { get; }

    public INamedTypeSymbol Type { get; }

    public string Source => _tree.ToString();

    public object? Constant(string name)
    {
        IFieldSymbol field = Assert.Single(Type.GetMembers(name).OfType<IFieldSymbol>());
        Assert.True(field.HasConstantValue, $"{name} is not a constant");
        return field.ConstantValue;
    }

    public object? TensorsConstant(string name)
    {
        INamedTypeSymbol tensors = Assert.Single(Type.GetTypeMembers("Tensors"));
        IFieldSymbol field = Assert.Single(tensors.GetMembers(name).OfType<IFieldSymbol>());
        return field.ConstantValue;
    }

    private MethodDeclarationSyntax Method(string name) =>
        Assert.Single(_tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>(), m => m.Identifier.Text == name);

    /// <summary>The (group, inner) of every <c>Layer(s, groups[g][i])</c> call in RunEncoder, in order.</summary>
    public List<(int Group, int Inner)> Schedule()
    {
        var schedule = new List<(int, int)>();
        foreach (InvocationExpressionSyntax call in Method("RunEncoder").DescendantNodes().OfType<InvocationExpressionSyntax>())
        {
            if (call.Expression is not IdentifierNameSyntax { Identifier.Text: "Layer" }) continue;
            var inner = (ElementAccessExpressionSyntax)call.ArgumentList.Arguments[1].Expression;
            var outer = (ElementAccessExpressionSyntax)inner.Expression;
            Assert.Equal("groups", ((IdentifierNameSyntax)outer.Expression).Identifier.Text);
            schedule.Add((Int(outer.ArgumentList.Arguments[0].Expression), Int(inner.ArgumentList.Arguments[0].Expression)));
        }
        return schedule;
    }

    /// <summary>Every TensorInfo field of the nested Tensors class.</summary>
    public List<GeneratedTensor> TensorTable()
    {
        ClassDeclarationSyntax tensors = Assert.Single(_tree.GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>(), c => c.Identifier.Text == "Tensors");
        var table = new List<GeneratedTensor>();
        foreach (FieldDeclarationSyntax field in tensors.Members.OfType<FieldDeclarationSyntax>())
        {
            if (!field.Declaration.Type.ToString().EndsWith("TensorInfo", System.StringComparison.Ordinal)) continue;
            VariableDeclaratorSyntax v = Assert.Single(field.Declaration.Variables);
            var args = ((BaseObjectCreationExpressionSyntax)v.Initializer!.Value).ArgumentList!.Arguments;
            table.Add(new GeneratedTensor(v.Identifier.Text,
                (string)((LiteralExpressionSyntax)args[0].Expression).Token.Value!,
                ((MemberAccessExpressionSyntax)args[1].Expression).Name.Identifier.Text,
                Long(args[2].Expression), Long(args[3].Expression)));
        }
        return table;
    }

    /// <summary>
    /// The activations a method applies: GemmEpilogue.X fused into a GEMM, or Activations.X(...) called on its own
    /// (Apply(kind) when there is no dedicated kernel).
    /// </summary>
    public List<string> ActivationCalls(string method)
    {
        var body = Method(method).DescendantNodes().ToList();
        var fused = body.OfType<MemberAccessExpressionSyntax>()
            .Where(m => m.Expression.ToString() is "GemmEpilogue" or "global::AlbertAot.Kernels.GemmEpilogue")
            .Select(m => m.Name.Identifier.Text);
        var called = body.OfType<InvocationExpressionSyntax>()
            .Select(i => i.Expression).OfType<MemberAccessExpressionSyntax>()
            .Where(m => m.Expression.ToString() is "Activations" or "global::AlbertAot.Kernels.Activations")
            .Select(m => m.Name.Identifier.Text + (m.Parent is InvocationExpressionSyntax inv && m.Name.Identifier.Text == "Apply" ? "(" + inv.ArgumentList.Arguments[0] + ")" : ""));
        return fused.Concat(called).ToList();
    }

    /// <summary>The AlbertActivation member the ModelConfig initializer passes.</summary>
    public string ConfigActivation()
    {
        PropertyDeclarationSyntax config = Assert.Single(_tree.GetRoot().DescendantNodes().OfType<PropertyDeclarationSyntax>(), p => p.Identifier.Text == "ModelConfig");
        MemberAccessExpressionSyntax activation = config.DescendantNodes().OfType<MemberAccessExpressionSyntax>()
            .Single(m => m.Expression.ToString() == "global::AlbertAot.AlbertActivation");
        return activation.Name.Identifier.Text;
    }

    private static int Int(ExpressionSyntax e) => (int)((LiteralExpressionSyntax)e).Token.Value!;

    private static long Long(ExpressionSyntax e) => Convert.ToInt64(((LiteralExpressionSyntax)e).Token.Value, CultureInfo.InvariantCulture);

    /// <summary>HF's schedule, written out: for i in range(L): g = int(i / (L / G)); then every inner layer of g.</summary>
    public static List<(int Group, int Inner)> HfSchedule(int layers, int groups, int inner)
    {
        var schedule = new List<(int, int)>();
        for (int i = 0; i < layers; i++)
        {
            int g = (int)Math.Floor(i / ((double)layers / groups));
            for (int j = 0; j < inner; j++) schedule.Add((g, j));
        }
        return schedule;
    }

    /// <summary>Asserts every tensor the model reads is in the table with the offset and count the header gives.</summary>
    public void AssertTensorTableMatches(Checkpoint checkpoint)
    {
        Assert.Equal(checkpoint.SafetensorsLength, TensorsConstant("FileLength"));
        Assert.Equal(checkpoint.HeaderLength, TensorsConstant("HeaderLength"));
        foreach (GeneratedTensor t in TensorTable())
        {
            HeaderTensor h = checkpoint.Tensor(t.Name);
            Assert.Equal(h.DType, t.DType);
            Assert.Equal(checkpoint.DataStart + h.Begin, t.FileOffset);
            Assert.Equal(h.ElementCount, t.ElementCount);
        }
    }
}
