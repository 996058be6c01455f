using System.Collections.Generic;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace AlbertAot.Generator.Tests.Infrastructure;

/// <summary>An AdditionalFiles item held in memory. A null text is a file the compiler could not read.</summary>
public sealed class TestAdditionalText : AdditionalText
{
    private readonly SourceText? _text;

    public TestAdditionalText(string path, string? text)
    {
        Path = path;
        Text = text;
        _text = text is null ? null : SourceText.From(text, Encoding.UTF8);
    }

    public override string Path { get; }

    public string? Text { get; }

    public override SourceText? GetText(CancellationToken cancellationToken = default) => _text;
}

/// <summary>Analyzer-config options as the compiler builds them from the generated .editorconfig: keys compare case-insensitively.</summary>
public sealed class TestAnalyzerConfigOptions : AnalyzerConfigOptions
{
    public static readonly TestAnalyzerConfigOptions Empty = new(new Dictionary<string, string>());

    private readonly Dictionary<string, string> _values;

    public TestAnalyzerConfigOptions(IDictionary<string, string> values) =>
        _values = new Dictionary<string, string>(values, KeyComparer);

    public override bool TryGetValue(string key, out string value)
    {
        bool found = _values.TryGetValue(key, out string? v);
        value = v ?? "";
        return found;
    }

    public override IEnumerable<string> Keys => _values.Keys;
}

/// <summary>
/// Per-AdditionalFile metadata (build_metadata.AdditionalFiles.*), looked up by path as the compiler does, and the
/// global build_property.* values.
/// </summary>
public sealed class TestAnalyzerConfigOptionsProvider : AnalyzerConfigOptionsProvider
{
    private readonly Dictionary<string, TestAnalyzerConfigOptions> _byPath;

    public TestAnalyzerConfigOptionsProvider(IDictionary<string, IDictionary<string, string>> byPath, IDictionary<string, string> global)
    {
        _byPath = new Dictionary<string, TestAnalyzerConfigOptions>();
        foreach (var pair in byPath) _byPath[pair.Key] = new TestAnalyzerConfigOptions(pair.Value);
        GlobalOptions = new TestAnalyzerConfigOptions(global);
    }

    public override AnalyzerConfigOptions GlobalOptions { get; }

    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => TestAnalyzerConfigOptions.Empty;

    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) =>
        _byPath.TryGetValue(textFile.Path, out TestAnalyzerConfigOptions? options) ? options : TestAnalyzerConfigOptions.Empty;
}
