using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace AlbertAot.Generator.Diagnostics;

/// <summary>
/// A diagnostic as plain data. Roslyn's Diagnostic and Location hold syntax trees, which would keep every compilation
/// alive through the incremental cache and never compare equal; this record does both right.
/// </summary>
internal sealed record DiagnosticInfo(string Id, EquatableLocation? Location, string[] Arguments) : IEquatable<DiagnosticInfo>
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, EquatableLocation? location, params object?[] arguments) =>
        new(descriptor.Id, location, Array.ConvertAll(arguments, a => a?.ToString() ?? ""));

    public Diagnostic ToDiagnostic() =>
        Diagnostic.Create(AlbertDiagnostics.ById(Id), Location?.ToLocation() ?? Microsoft.CodeAnalysis.Location.None, Arguments);

    public bool Equals(DiagnosticInfo? other) =>
        other is not null && Id == other.Id && Equals(Location, other.Location) && System.Linq.Enumerable.SequenceEqual(Arguments, other.Arguments);

    public override int GetHashCode()
    {
        int hash = Id.GetHashCode();
        foreach (string a in Arguments) hash = hash * 31 + a.GetHashCode();
        return hash;
    }
}

/// <summary>A source location by value: file path and spans.</summary>
internal sealed record EquatableLocation(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public static EquatableLocation? From(Location? location) =>
        location is null || location.SourceTree is null
            ? null
            : new EquatableLocation(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);

    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);
}
