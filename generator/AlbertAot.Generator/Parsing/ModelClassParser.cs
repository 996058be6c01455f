using System.Collections.Generic;
using System.Linq;
using AlbertAot.Generator.Diagnostics;
using AlbertAot.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AlbertAot.Generator.Parsing;

/// <summary>Reads the class that carries [AlbertModel("name")] into plain data, with what makes it unusable.</summary>
internal static class ModelClassParser
{
    public static ModelClassInfo Parse(GeneratorAttributeSyntaxContext context)
    {
        var type = (INamedTypeSymbol)context.TargetSymbol;
        var syntax = (TypeDeclarationSyntax)context.TargetNode;
        AttributeData attribute = context.Attributes[0];
        Location? attributeLocation = attribute.ApplicationSyntaxReference?.GetSyntax().GetLocation() ?? syntax.Identifier.GetLocation();
        EquatableLocation? location = EquatableLocation.From(attributeLocation);
        string display = type.ToDisplayString();
        var problems = new List<DiagnosticInfo>();

        string? name = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null;
        if (name is null || name.Trim().Length == 0)
        {
            problems.Add(DiagnosticInfo.Create(AlbertDiagnostics.InvalidCheckpointName, location, name is null ? "null" : $"\"{name}\""));
            name = null;
        }

        // Heads = AlbertHeads.X | ...: the heads the class needs; the binder checks the checkpoint has them.
        int requestedHeads = 0;
        int? requestedPrecision = null;
        foreach (var named in attribute.NamedArguments)
        {
            // Precision = AlbertPrecision.X: which embedded file (and which kernels) the class uses.
            if (named.Key == "Precision" && named.Value.Value is not null)
            {
                requestedPrecision = System.Convert.ToInt32(named.Value.Value, System.Globalization.CultureInfo.InvariantCulture);
                if (!PrecisionKinds.IsDefined(requestedPrecision.Value))
                    problems.Add(DiagnosticInfo.Create(AlbertDiagnostics.InvalidPrecision, location,
                        $"[AlbertModel(Precision = {requestedPrecision.Value})] on '{display}'", "use AlbertPrecision.Float32, BFloat16 or Int8"));
                continue;
            }
            if (named.Key != "Heads" || named.Value.Value is null) continue;
            requestedHeads = System.Convert.ToInt32(named.Value.Value, System.Globalization.CultureInfo.InvariantCulture);
            if ((requestedHeads & ~HeadKinds.All) != 0)
                problems.Add(DiagnosticInfo.Create(AlbertDiagnostics.InvalidHeadsRequest, location, HeadKinds.Names(requestedHeads), display,
                    $"holds the value {requestedHeads & ~HeadKinds.All}, which names no head of AlbertAot.AlbertHeads"));
            else if (HeadKinds.BitCount(requestedHeads & HeadKinds.TaskHeads) > 1)
                problems.Add(DiagnosticInfo.Create(AlbertDiagnostics.InvalidHeadsRequest, location, HeadKinds.Names(requestedHeads), display,
                    "asks for more than one task head: a checkpoint carries at most one of SequenceClassification, TokenClassification, QuestionAnswering and MultipleChoice (HF saves one model class)"));
        }

        if (type.TypeParameters.Length > 0) problems.Add(DiagnosticInfo.Create(AlbertDiagnostics.UnsupportedClass, location, display, "generic classes are not supported"));
        if (type.IsStatic) problems.Add(DiagnosticInfo.Create(AlbertDiagnostics.UnsupportedClass, location, display, "a static class cannot implement IAlbertModel"));
        if (type.IsAbstract && !type.IsStatic) problems.Add(DiagnosticInfo.Create(AlbertDiagnostics.UnsupportedClass, location, display, "the model class must be instantiable, not abstract"));

        if (System.Array.IndexOf(Emitting.ModelEmitter.GeneratedMemberNames, type.Name) >= 0)
            problems.Add(DiagnosticInfo.Create(AlbertDiagnostics.UnsupportedClass, location, display,
                $"the generated model adds a member named '{type.Name}', which a class of that name cannot hold: rename the class"));

        var containing = new List<ContainingType>();
        bool allPartial = syntax.Modifiers.Any(SyntaxKind.PartialKeyword);
        for (SyntaxNode? parent = syntax.Parent; parent is TypeDeclarationSyntax outer; parent = parent.Parent)
        {
            allPartial &= outer.Modifiers.Any(SyntaxKind.PartialKeyword);
            if (outer.TypeParameterList is not null)
                problems.Add(DiagnosticInfo.Create(AlbertDiagnostics.UnsupportedClass, location, display, $"it is nested in the generic type '{outer.Identifier.Text}'"));
            containing.Insert(0, new ContainingType(Keyword(outer), outer.Identifier.Text));
        }
        if (!allPartial) problems.Add(DiagnosticInfo.Create(AlbertDiagnostics.ClassNotPartial, location, display));

        string ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : "";
        return new ModelClassInfo(ns, type.Name, syntax is RecordDeclarationSyntax ? "record" : "class", display, containing.ToEquatableArray(), name, problems.ToEquatableArray(), location,
            requestedHeads, requestedPrecision);
    }

    private static string Keyword(TypeDeclarationSyntax type) => type switch
    {
        RecordDeclarationSyntax r when r.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) => "record struct",
        RecordDeclarationSyntax => "record",
        StructDeclarationSyntax => "struct",
        InterfaceDeclarationSyntax => "interface",
        _ => "class",
    };
}
