using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using AlbertAot.Generator.Diagnostics;
using AlbertAot.Generator.Emitting;
using AlbertAot.Generator.Model;
using AlbertAot.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AlbertAot.Generator;

/// <summary>
/// Compiles ALBERT checkpoints into model classes. Pipeline:
/// checkpoint descriptors (obj/*.albert, written by build/AlbertAot.targets) → validated safetensors headers;
/// config.json files → ConfigSpec; classes with [AlbertModel] → ModelClassInfo; each class bound to its checkpoint
/// (ModelBinder) → ModelSpec → source (ModelEmitter). Every step yields equatable values, so an edit elsewhere
/// in the project re-runs nothing.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class AlbertModelGenerator : IIncrementalGenerator
{
    public const string AttributeName = "AlbertAot.AlbertModelAttribute";

    /// <summary>AdditionalFiles metadata naming the checkpoint a config.json belongs to.</summary>
    public const string CheckpointMetadata = "build_metadata.AdditionalFiles.AlbertCheckpoint";

    public const string WeightsDirectoryProperty = "build_property.AlbertWeightsDirectory";

    public static class StepNames
    {
        public const string Checkpoints = nameof(Checkpoints);
        public const string Configs = nameof(Configs);
        public const string ModelClasses = nameof(ModelClasses);
        public const string UniqueModelClasses = nameof(UniqueModelClasses);
        public const string Models = nameof(Models);
    }

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ParsedCheckpoint> checkpoints = context.AdditionalTextsProvider
            .Where(static t => t.Path.EndsWith(CheckpointDescriptor.Extension, StringComparison.OrdinalIgnoreCase))
            .Select(static (t, ct) => ParseCheckpoint(t.GetText(ct)?.ToString()))
            .Where(static c => c is not null)
            .Select(static (c, _) => c!)
            .WithTrackingName(StepNames.Checkpoints);

        IncrementalValuesProvider<ParsedConfig> configs = context.AdditionalTextsProvider
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Select(static (pair, ct) =>
            {
                pair.Right.GetOptions(pair.Left).TryGetValue(CheckpointMetadata, out string? name);
                return string.IsNullOrEmpty(name) ? null : ParseConfig(name!, pair.Left.Path, pair.Left.GetText(ct)?.ToString());
            })
            .Where(static c => c is not null)
            .Select(static (c, _) => c!)
            .WithTrackingName(StepNames.Configs);

        IncrementalValueProvider<string> weightsDirectory = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => options.GlobalOptions.TryGetValue(WeightsDirectoryProperty, out string? dir) ? dir : "weights");

        IncrementalValuesProvider<ModelClassInfo> classes = context.SyntaxProvider
            .ForAttributeWithMetadataName(AttributeName,
                static (node, _) => node is ClassDeclarationSyntax || (node is RecordDeclarationSyntax r && !r.ClassOrStructKeyword.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.StructKeyword)),
                static (ctx, _) => ModelClassParser.Parse(ctx))
            .WithTrackingName(StepNames.ModelClasses)
            // [AlbertModel] on two parts of one partial class is CS0579 for the user; generate the class once, not twice.
            .Collect()
            .SelectMany(static (all, _) => all
                .GroupBy(static c => (c.Namespace, c.DisplayName))
                .Select(static g => g.OrderBy(static c => c.Location?.FilePath, StringComparer.Ordinal).ThenBy(static c => c.Location?.Span.Start).First()))
            .WithTrackingName(StepNames.UniqueModelClasses);

        IncrementalValuesProvider<ModelResult> models = classes
            .Combine(checkpoints.Collect())
            .Combine(configs.Collect())
            .Combine(weightsDirectory)
            .Select(static (x, _) => Bind(x.Left.Left.Left, x.Left.Left.Right, x.Left.Right, x.Right))
            .WithTrackingName(StepNames.Models);

        context.RegisterSourceOutput(models, static (spc, result) =>
        {
            foreach (DiagnosticInfo diagnostic in result.Diagnostics) spc.ReportDiagnostic(diagnostic.ToDiagnostic());
            if (result.Spec is { } spec && Emit(spec) is var (hintName, source, problem))
            {
                if (problem is null) spc.AddSource(hintName, source);
                else spc.ReportDiagnostic(problem.ToDiagnostic());
            }
        });
    }

    // The steps below never let an exception escape: a bug becomes ALB9999 with the checkpoint named, never AD0001.

    private static ParsedCheckpoint? ParseCheckpoint(string? text)
    {
        CheckpointDescriptor? descriptor = CheckpointDescriptor.Parse(text);
        if (descriptor is null) return null;
        try
        {
            var (header, problems) = SafetensorsHeader.Parse(descriptor.Name, descriptor);
            return new ParsedCheckpoint(descriptor, header, problems.ToEquatableArray());
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new ParsedCheckpoint(descriptor, null, Internal(descriptor.Name, e));
        }
    }

    private static ParsedConfig ParseConfig(string name, string path, string? text)
    {
        try
        {
            var (config, problems) = ConfigParser.Parse(name, path, text);
            return new ParsedConfig(name, path, config, problems.ToEquatableArray());
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new ParsedConfig(name, path, null, Internal(name, e));
        }
    }

    private static ModelResult Bind(ModelClassInfo cls, ImmutableArray<ParsedCheckpoint> checkpoints, ImmutableArray<ParsedConfig> configs, string weightsDirectory)
    {
        try
        {
            return ModelBinder.Bind(cls, checkpoints, configs, weightsDirectory);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new ModelResult(null, Internal(cls.CheckpointName ?? "?", e).Select(d => d with { Location = cls.Location }).ToEquatableArray());
        }
    }

    /// <summary>The hint name and source of a model, or the ALB9999 an emitter bug becomes.</summary>
    private static (string HintName, string Source, DiagnosticInfo? Problem) Emit(ModelSpec spec)
    {
        try
        {
            return (ModelEmitter.HintName(spec), ModelEmitter.Emit(spec), null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return ("", "", Internal(spec.CheckpointName, e)[0] with { Location = spec.Class.Location });
        }
    }

    private static EquatableArray<DiagnosticInfo> Internal(string name, Exception e) =>
        new[] { DiagnosticInfo.Create(AlbertDiagnostics.InternalError, null, name, e.GetType().Name + ": " + e.Message) }.ToEquatableArray();
}
