using System;
using System.IO;
using AlbertAot.Tokenization;
using Xunit;

namespace AlbertAot.Tests.Tokenization;

/// <summary>
/// The tokenizer files the tests use: ALBERT's real spiece.model and the HF cases live in ../shared (third-party,
/// never copied into the repository), found by walking up from the test binaries; the 1000-piece fixture tokenizer
/// is the repository's own copy.
/// </summary>
internal static class TokenizerFiles
{
    private static readonly Lazy<AlbertTokenizer?> RealTokenizer = new(() =>
        FindShared("albert/spiece.model") is string path ? AlbertTokenizer.Load(File.ReadAllBytes(path)) : null);

    private static readonly Lazy<AlbertTokenizer> FixtureTokenizer = new(() => AlbertTokenizer.Load(File.ReadAllBytes(FixtureModelPath)));

    /// <summary>The 1000-piece Unigram model of the tiny-heads fixtures (ALBERT's layout, trained on the KJV).</summary>
    public static string FixtureModelPath => Path.Combine(AppContext.BaseDirectory, "data", "fixtures", "tiny-heads", "base", "spiece.model");

    /// <summary>A tokenizer over <see cref="FixtureModelPath"/>.</summary>
    public static AlbertTokenizer Fixture => FixtureTokenizer.Value;

    /// <summary>ALBERT's real tokenizer (../shared/albert/spiece.model); skips the test when the file is absent.</summary>
    public static AlbertTokenizer Real
    {
        get
        {
            Skip.If(RealTokenizer.Value is null, "../shared/albert/spiece.model (ALBERT's original 30k-clean.model) is absent.");
            return RealTokenizer.Value!;
        }
    }

    /// <summary>A file of ../shared, e.g. "tokenizer-cases/public.jsonl"; skips the test when it is absent.</summary>
    public static string RequireShared(string relativePath)
    {
        string? path = FindShared(relativePath);
        Skip.If(path is null, $"../shared/{relativePath} is absent.");
        return path!;
    }

    private static string? FindShared(string relativePath)
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, "shared", relativePath);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
