using System;
using System.Collections.Generic;
using System.Linq;
using AlbertAot.Tokenization;
using Xunit;

namespace AlbertAot.Tests.Tokenization;

/// <summary>Spot checks of the generated tables against Python 3.11's unicodedata (Unicode 14.0.0).</summary>
public sealed class UnicodeTablesTests
{
    [Theory]
    [InlineData(0x00E9, new[] { 0x65, 0x301 })]            // é: canonical
    [InlineData(0xFB01, new[] { 0x66, 0x69 })]             // ﬁ: compatibility
    [InlineData(0x2460, new[] { 0x31 })]                   // ①
    [InlineData(0xFF21, new[] { 0x41 })]                   // fullwidth A
    [InlineData(0x1D6BA, new[] { 0x3A3 })]                 // mathematical bold capital sigma
    [InlineData(0xAC00, new[] { 0x1100, 0x1161 })]         // 가: Hangul LV, by the algorithm
    [InlineData(0xAC01, new[] { 0x1100, 0x1161, 0x11A8 })] // 각: Hangul LVT
    [InlineData(0x0345, new[] { 0x345 })]                  // combining ypogegrammeni: no decomposition
    [InlineData(0x0061, new[] { 0x61 })]
    public void DecomposeGivesNfkd(int codePoint, int[] expected)
    {
        Span<int> buffer = stackalloc int[UnicodeTables.MaxDecompositionLength];
        int length = UnicodeTables.Decompose(codePoint, buffer);
        Assert.Equal(expected, buffer[..length].ToArray());
    }

    [Fact]
    public void LongestDecompositionFits()
    {
        Span<int> buffer = stackalloc int[UnicodeTables.MaxDecompositionLength];
        Assert.Equal(18, UnicodeTables.Decompose(0xFDFA, buffer));   // ﷺ
        Assert.Equal(0x635, buffer[0]);
    }

    [Theory]
    [InlineData(0x0345, 240)]
    [InlineData(0x0301, 230)]
    [InlineData(0x05B0, 10)]
    [InlineData(0x3099, 8)]
    [InlineData(0x0E38, 103)]
    [InlineData(0x0041, 0)]
    [InlineData(0x0903, 0)]    // a spacing mark (Mc): combining class 0, so HF keeps it
    [InlineData(0x1D165, 216)]
    public void CombiningClassIsUnicodes(int codePoint, int expected) => Assert.Equal(expected, UnicodeTables.CombiningClass(codePoint));

    [Theory]
    [InlineData(0x0130, new[] { 0x69, 0x307 })]   // İ: Python's full lower-casing, two code points
    [InlineData(0x0041, new[] { 0x61 })]
    [InlineData(0x03A3, new[] { 0x3C3 })]         // Σ alone: σ
    [InlineData(0x0100, new[] { 0x101 })]         // an alternating upper/lower run
    [InlineData(0x1E9E, new[] { 0xDF })]          // ẞ → ß
    [InlineData(0x13A0, new[] { 0xAB70 })]        // Cherokee
    [InlineData(0x2C2F, new[] { 0x2C5F })]        // new in Unicode 14.0
    [InlineData(0x1D400, new[] { 0x1D400 })]      // mathematical bold A has no lower case
    [InlineData(0x00DF, new[] { 0xDF })]
    public void LowercaseIsPythons(int codePoint, int[] expected)
    {
        Span<int> buffer = stackalloc int[UnicodeTables.MaxLowercaseLength];
        int length = UnicodeTables.Lowercase(codePoint, buffer);
        Assert.Equal(expected, buffer[..length].ToArray());
    }

    [Fact]
    public void WhitespaceAndDigitsArePythons()
    {
        Assert.All(new[] { 0x09, 0x0A, 0x0B, 0x1C, 0x1F, 0x20, 0x85, 0xA0, 0x1680, 0x2007, 0x2028, 0x3000 }, c => Assert.True(UnicodeTables.IsWhitespace(c)));
        Assert.All(new[] { 0x200B, 0x180E, 0xFEFF, 0x41, 0x00 }, c => Assert.False(UnicodeTables.IsWhitespace(c)));
        Assert.All(new[] { '0', '9', 0xB2, 0x663, 0x2460, 0x1D7CE }, c => Assert.True(UnicodeTables.IsDigit(c)));
        Assert.All(new[] { 'a', 0xBD, 0x2167 }, c => Assert.False(UnicodeTables.IsDigit(c)));
    }

    [Theory]
    [InlineData("Crème  Brûlée", "creme brulee")]
    [InlineData("``Hi''", "\"hi\"")]
    [InlineData("'''", "\"'")]
    [InlineData("ΟΔΟΣ", "οδοσ")]                        // lower-cased one character at a time: no final sigma
    [InlineData("a\U0001D6BA", "aς")]                   // Σ made by NFKD meets str.lower() of the whole: final
    [InlineData("\U0001D6BA", "σ")]
    [InlineData("a\U0001D6BAb", "aσb")]
    [InlineData("İstanbul", "istanbul")]              // i + U+0307, whose combining class 230 is dropped
    [InlineData("한", "\u1112\u1161\u11AB")]
    [InlineData(" \u3000a\u00A0b\u001Cc\u200Bd ", "a b c\u200Bd")]
    public void PreprocessingMatchesHfsPreprocessText(string text, string expected)
    {
        List<TextPart> parts = AlbertPreprocessor.SplitOnSpecialTokens(text, [("[MASK]", 4, true)]);
        List<AlignedCodePoint> prepared = AlbertPreprocessor.Preprocess(Assert.Single(parts).Segment);

        Assert.Equal(expected, AlbertPreprocessor.ToUtf16(prepared).Text);
    }

    [Fact]
    public void PreprocessingKeepsTheSourceOfEveryCodePoint()
    {
        const string text = "ﬁ  Éé";
        List<TextPart> parts = AlbertPreprocessor.SplitOnSpecialTokens(text, []);

        List<AlignedCodePoint> prepared = AlbertPreprocessor.Preprocess(parts[0].Segment);

        Assert.Equal("fi ee", new string(prepared.Select(c => (char)c.Value).ToArray()));
        Assert.Equal([(0, 1), (0, 1), (2, 3), (3, 4), (4, 5)], prepared.Select(c => (c.Start, c.End)));
    }

    [Fact]
    public void TablesAreOfTheCasesUnicodeVersion() => Assert.Equal("14.0.0", UnicodeTables.UnicodeVersion);

    [Fact]
    public void FastPathsAgreeWithTheTables()
    {
        Assert.True(UnicodeTables.DecompositionRuns[0] >= UnicodeTables.FirstDecomposable);
        Assert.True(UnicodeTables.MultiDecompositionKeys[0] >= UnicodeTables.FirstDecomposable);
        Assert.True(UnicodeTables.CombiningClassRuns[0] >= UnicodeTables.FirstCombining);
        // Below U+0080 the lower-case table holds exactly A-Z (one run, +32), and the whitespace table what the fast path says.
        Assert.Equal([0x41, 0x5A, 1, 32], UnicodeTables.LowercaseRuns[..4].ToArray());
        Assert.True(UnicodeTables.LowercaseRuns[4] >= 0x80);
        int[] asciiWhitespace = UnicodeTables.WhitespaceCodePoints.ToArray().Where(c => c < 0x80).ToArray();
        Assert.Equal(asciiWhitespace, Enumerable.Range(0, 0x80).Where(UnicodeTables.IsWhitespace));
    }
}
