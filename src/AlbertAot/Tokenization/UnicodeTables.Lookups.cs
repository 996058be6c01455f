using System;

namespace AlbertAot.Tokenization;

/// <summary>
/// Lookups over the generated tables of UnicodeTables.cs: Python 3.11's NFKD, canonical combining class, str.lower(),
/// str.isspace() and str.isdigit(), one code point at a time. No call into .NET's globalization, so they give the
/// same answers with InvariantGlobalization (where string.Normalize does nothing) as without.
/// </summary>
internal static partial class UnicodeTables
{
    // Hangul syllables decompose algorithmically (Unicode chapter 3.12), not through the tables.
    private const int HangulSyllableFirst = 0xAC00, HangulSyllableCount = 11172;
    private const int HangulLeadingFirst = 0x1100, HangulVowelFirst = 0x1161, HangulTrailingFirst = 0x11A7;
    private const int HangulVowelCount = 21, HangulTrailingCount = 28;

    // Fast paths for the common case, checked against the tables by the tests: nothing below U+00A0 decomposes,
    // nothing below U+0300 combines, and below U+0080 only A-Z lower-case and the ASCII whitespace is Python's.
    internal const int FirstDecomposable = 0xA0, FirstCombining = 0x300;

    /// <summary>
    /// Writes the full compatibility decomposition (NFKD) of one code point to <paramref name="destination"/>
    /// (at least <see cref="MaxDecompositionLength"/> long) and returns its length; a code point without one is
    /// written as itself. Canonical reordering is the caller's business: it only ever permutes marks whose
    /// combining class is not 0.
    /// </summary>
    internal static int Decompose(int codePoint, Span<int> destination)
    {
        if (codePoint < FirstDecomposable)
        {
            destination[0] = codePoint;
            return 1;
        }
        int syllable = codePoint - HangulSyllableFirst;
        if ((uint)syllable < HangulSyllableCount)
        {
            destination[0] = HangulLeadingFirst + syllable / (HangulVowelCount * HangulTrailingCount);
            destination[1] = HangulVowelFirst + syllable % (HangulVowelCount * HangulTrailingCount) / HangulTrailingCount;
            int trailing = syllable % HangulTrailingCount;
            if (trailing == 0) return 2;
            destination[2] = HangulTrailingFirst + trailing;
            return 3;
        }
        int key = MultiDecompositionKeys.BinarySearch(codePoint);
        if (key >= 0)
        {
            ReadOnlySpan<int> starts = MultiDecompositionStarts;
            ReadOnlySpan<int> decomposition = MultiDecompositionBlob[starts[key]..starts[key + 1]];
            decomposition.CopyTo(destination);
            return decomposition.Length;
        }
        destination[0] = MapByDeltaRuns(DecompositionRuns, codePoint);
        return 1;
    }

    /// <summary>The canonical combining class (unicodedata.combining): 0 for starters, e.g. 230 for U+0301.</summary>
    internal static int CombiningClass(int codePoint)
    {
        if (codePoint < FirstCombining) return 0;
        ReadOnlySpan<int> runs = CombiningClassRuns;
        int row = FindRow(runs, 3, codePoint);
        return row >= 0 && codePoint <= runs[row * 3 + 1] ? runs[row * 3 + 2] : 0;
    }

    /// <summary>
    /// Writes Python's str.lower() of one code point to <paramref name="destination"/> (at least
    /// <see cref="MaxLowercaseLength"/> long) and returns its length: U+0130 gives "i̇" (two code points).
    /// U+03A3 gives σ here; the Final_Sigma context rule is the caller's (see <see cref="IsCaseIgnorable"/>).
    /// </summary>
    internal static int Lowercase(int codePoint, Span<int> destination)
    {
        if (codePoint < 0x80)
        {
            destination[0] = codePoint is >= 'A' and <= 'Z' ? codePoint + ('a' - 'A') : codePoint;
            return 1;
        }
        ReadOnlySpan<int> rows = MultiLowercase;
        for (int i = 0; i < rows.Length; i += 2 + rows[i + 1])
        {
            if (rows[i] != codePoint) continue;
            rows.Slice(i + 2, rows[i + 1]).CopyTo(destination);
            return rows[i + 1];
        }
        destination[0] = MapByDeltaRuns(LowercaseRuns, codePoint);
        return 1;
    }

    /// <summary>Case_Ignorable, as str.lower() skips it around U+03A3 to decide on a final sigma.</summary>
    internal static bool IsCaseIgnorable(int codePoint) => InRanges(CaseIgnorableRanges, codePoint);

    /// <summary>Cased (and not case-ignorable): a letter that makes a neighbouring U+03A3 final or not.</summary>
    internal static bool IsCased(int codePoint) => InRanges(CasedRanges, codePoint);

    /// <summary>Python's str.isspace(): the separators of str.split() and str.strip(), e.g. U+001C and U+3000, not U+200B.</summary>
    internal static bool IsWhitespace(int codePoint) =>
        codePoint < 0x80 ? codePoint is ' ' or (>= '\t' and <= '\r') or (>= 0x1C and <= 0x1F) : WhitespaceCodePoints.BinarySearch(codePoint) >= 0;

    /// <summary>Python's str.isdigit(): decimal digits of every script plus digits such as superscripts.</summary>
    internal static bool IsDigit(int codePoint) => InRanges(DigitRanges, codePoint);

    private static int MapByDeltaRuns(ReadOnlySpan<int> runs, int codePoint)
    {
        int row = FindRow(runs, 4, codePoint);
        if (row < 0) return codePoint;
        int first = runs[row * 4], last = runs[row * 4 + 1], stride = runs[row * 4 + 2];
        return codePoint <= last && (codePoint - first) % stride == 0 ? codePoint + runs[row * 4 + 3] : codePoint;
    }

    private static bool InRanges(ReadOnlySpan<int> ranges, int codePoint)
    {
        int row = FindRow(ranges, 2, codePoint);
        return row >= 0 && codePoint <= ranges[row * 2 + 1];
    }

    /// <summary>The last row (of <paramref name="width"/> ints, the first being its lowest code point) that starts at or before the code point, or -1.</summary>
    private static int FindRow(ReadOnlySpan<int> rows, int width, int codePoint)
    {
        int lo = 0, hi = rows.Length / width - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (rows[mid * width] <= codePoint)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return found;
    }
}
