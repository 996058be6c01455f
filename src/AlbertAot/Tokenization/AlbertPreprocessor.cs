using System;
using System.Collections.Generic;
using System.Text;

namespace AlbertAot.Tokenization;

/// <summary>A code point of prepared text and the span [Start, End) of the original text (UTF-16) it came from.</summary>
internal readonly record struct AlignedCodePoint(int Value, int Start, int End);

/// <summary>
/// A piece of the text once split on special tokens: either a special token (<see cref="SpecialId"/> ≥ 0) or a
/// segment of ordinary text (<see cref="Segment"/>). [Start, End) is its span in the original text.
/// </summary>
internal readonly record struct TextPart(int SpecialId, List<AlignedCodePoint> Segment, int Start, int End)
{
    public bool IsSpecial => SpecialId >= 0;
}

/// <summary>
/// What HF's slow AlbertTokenizer does to text before SentencePiece sees it, keeping track of where every resulting
/// code point came from. Python's semantics throughout (str.lower, str.split, unicodedata), from the tables of
/// <see cref="UnicodeTables"/>: nothing here depends on .NET's globalization data.
/// </summary>
internal static class AlbertPreprocessor
{
    private const int CapitalSigma = 0x03A3, SmallSigma = 0x03C3, FinalSigma = 0x03C2;

    /// <summary>
    /// PreTrainedTokenizer.tokenize with do_lower_case: every code point outside the literal special tokens is lower-cased
    /// on its own (a regex substitution, one character at a time, so Σ always becomes σ here), then the text is split on
    /// the special tokens, which now also match "&lt;PAD&gt;" lower-cased to "&lt;pad&gt;".
    /// </summary>
    /// <param name="specialTokens">
    /// Each special token's text, id, and whether it takes the whitespace before it into its span (HF's lstrip, [MASK]).
    /// Scanning left to right is exact because no two of them can overlap (a suffix of one is never a prefix of another).
    /// </param>
    public static List<TextPart> SplitOnSpecialTokens(string text, IReadOnlyList<(string Text, int Id, bool StripsLeft)> specialTokens)
    {
        List<AlignedCodePoint> lowered = LowercaseOutsideSpecialTokens(text, specialTokens);
        var parts = new List<TextPart>();
        int segmentStart = 0;        // index in lowered
        int segmentTextStart = 0;    // where the current segment starts in the original text
        for (int i = 0; i < lowered.Count; i++)
        {
            int special = MatchSpecialToken(lowered, i, specialTokens);
            if (special < 0) continue;
            (string token, int id, bool stripsLeft) = specialTokens[special];
            int tokenEnd = i + token.Length;
            int start = lowered[i].Start;
            if (stripsLeft)
            {
                for (int j = i - 1; j >= segmentStart && UnicodeTables.IsWhitespace(lowered[j].Value); j--) start = lowered[j].Start;
            }
            parts.Add(new TextPart(-1, lowered.GetRange(segmentStart, i - segmentStart), segmentTextStart, start));
            parts.Add(new TextPart(id, [], start, lowered[tokenEnd - 1].End));
            segmentStart = tokenEnd;
            segmentTextStart = lowered[tokenEnd - 1].End;
            i = tokenEnd - 1;
        }
        parts.Add(new TextPart(-1, lowered.GetRange(segmentStart, lowered.Count - segmentStart), segmentTextStart, text.Length));
        return parts;
    }

    /// <summary>
    /// AlbertTokenizer.preprocess_text (remove_space, keep_accents=False, do_lower_case): whitespace runs collapsed as
    /// " ".join(s.strip().split()), `` and '' turned into ", NFKD with every code point of non-zero canonical combining
    /// class dropped, then str.lower() of the whole (Final_Sigma included). A space standing for a run of whitespace
    /// keeps the span of the run's last character, as HF's fast tokenizer reports it.
    /// </summary>
    public static List<AlignedCodePoint> Preprocess(List<AlignedCodePoint> segment)
    {
        var collapsed = new List<AlignedCodePoint>(segment.Count);
        for (int i = 0; i < segment.Count; i++)
        {
            if (!UnicodeTables.IsWhitespace(segment[i].Value))
            {
                collapsed.Add(segment[i]);
                continue;
            }
            int last = i;
            while (last + 1 < segment.Count && UnicodeTables.IsWhitespace(segment[last + 1].Value)) last++;
            if (collapsed.Count > 0 && last + 1 < segment.Count) collapsed.Add(segment[last] with { Value = ' ' });
            i = last;
        }

        var quoted = new List<AlignedCodePoint>(collapsed.Count);
        for (int i = 0; i < collapsed.Count; i++)
        {
            int c = collapsed[i].Value;
            if ((c == '`' || c == '\'') && i + 1 < collapsed.Count && collapsed[i + 1].Value == c)
            {
                quoted.Add(new AlignedCodePoint('"', collapsed[i].Start, collapsed[i + 1].End));
                i++;
            }
            else
            {
                quoted.Add(collapsed[i]);
            }
        }

        var decomposed = new List<AlignedCodePoint>(quoted.Count);
        Span<int> buffer = stackalloc int[UnicodeTables.MaxDecompositionLength];
        foreach (AlignedCodePoint c in quoted)
        {
            int length = UnicodeTables.Decompose(c.Value, buffer);
            foreach (int d in buffer[..length])
            {
                if (UnicodeTables.CombiningClass(d) == 0) decomposed.Add(c with { Value = d });
            }
        }

        var lowered = new List<AlignedCodePoint>(decomposed.Count);
        for (int i = 0; i < decomposed.Count; i++)
        {
            if (decomposed[i].Value == CapitalSigma)
                lowered.Add(decomposed[i] with { Value = IsFinalSigma(decomposed, i) ? FinalSigma : SmallSigma });
            else
                AddLowercase(lowered, decomposed[i]);
        }
        return lowered;
    }

    /// <summary>The code points as a string, and for each of its UTF-16 units the index of its code point.</summary>
    public static (string Text, int[] UnitToCodePoint) ToUtf16(List<AlignedCodePoint> codePoints)
    {
        var text = new StringBuilder(codePoints.Count);
        var unitToCodePoint = new List<int>(codePoints.Count);
        for (int i = 0; i < codePoints.Count; i++)
        {
            int value = codePoints[i].Value;
            if (value is >= 0xD800 and <= 0xDFFF) text.Append((char)value);   // a lone surrogate of the input, kept as it was
            else text.Append(new Rune(value).ToString());
            while (unitToCodePoint.Count < text.Length) unitToCodePoint.Add(i);
        }
        return (text.ToString(), unitToCodePoint.ToArray());
    }

    private static List<AlignedCodePoint> LowercaseOutsideSpecialTokens(string text, IReadOnlyList<(string Text, int Id, bool StripsLeft)> specialTokens)
    {
        var lowered = new List<AlignedCodePoint>(text.Length);
        for (int i = 0; i < text.Length;)
        {
            bool isSpecial = false;
            foreach ((string token, _, _) in specialTokens)
            {
                if (text[i] != token[0] || !text.AsSpan(i).StartsWith(token, StringComparison.Ordinal)) continue;
                for (int k = 0; k < token.Length; k++) lowered.Add(new AlignedCodePoint(token[k], i + k, i + k + 1));
                i += token.Length;
                isSpecial = true;
                break;
            }
            if (isSpecial) continue;
            int length = char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            int value = length == 2 ? char.ConvertToUtf32(text[i], text[i + 1]) : text[i];
            AddLowercase(lowered, new AlignedCodePoint(value, i, i + length));
            i += length;
        }
        return lowered;
    }

    private static void AddLowercase(List<AlignedCodePoint> output, AlignedCodePoint c)
    {
        Span<int> buffer = stackalloc int[UnicodeTables.MaxLowercaseLength];
        int length = UnicodeTables.Lowercase(c.Value, buffer);
        foreach (int l in buffer[..length]) output.Add(c with { Value = l });
    }

    private static int MatchSpecialToken(List<AlignedCodePoint> text, int at, IReadOnlyList<(string Text, int Id, bool StripsLeft)> specialTokens)
    {
        for (int s = 0; s < specialTokens.Count; s++)
        {
            string token = specialTokens[s].Text;
            if (at + token.Length > text.Count) continue;
            int k = 0;
            while (k < token.Length && text[at + k].Value == token[k]) k++;
            if (k == token.Length) return s;
        }
        return -1;
    }

    /// <summary>CPython's Final_Sigma test: a cased letter before (case-ignorable ones skipped) and none after.</summary>
    private static bool IsFinalSigma(List<AlignedCodePoint> text, int at)
    {
        int before = at - 1;
        while (before >= 0 && UnicodeTables.IsCaseIgnorable(text[before].Value)) before--;
        if (before < 0 || !UnicodeTables.IsCased(text[before].Value)) return false;
        int after = at + 1;
        while (after < text.Count && UnicodeTables.IsCaseIgnorable(text[after].Value)) after++;
        return after == text.Count || !UnicodeTables.IsCased(text[after].Value);
    }
}
