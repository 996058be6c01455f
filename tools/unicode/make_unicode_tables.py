#!/usr/bin/env python3
"""Writes src/AlbertAot/Tokenization/UnicodeTables.cs: the Unicode data that HF's AlbertTokenizer takes from
Python (unicodedata.normalize("NFKD"), unicodedata.combining, str.lower, str.split, str.isdigit), for an
ICU-free .NET binary where string.Normalize(FormKD) does nothing.

The expected tokenizer cases were made with Python 3.11 (Unicode 14.0.0); run this with the same version:

    python3.11 tools/unicode/make_unicode_tables.py

Everything is taken from the running Python itself, so the tables reproduce exactly what it does:
  - NFKD of every code point (full decomposition); Hangul syllables are left to the algorithm in code.
  - the canonical combining class of every code point.
  - str.lower() of every code point (the one multi-character result, U+0130, is kept apart), and the two
    properties of its Final_Sigma rule, probed through str.lower() itself: case-ignorable, and cased.
  - str.isspace() (what str.split() and str.strip() split on) and str.isdigit().
"""
import os
import sys
import unicodedata

EXPECTED_UNICODE = "14.0.0"
OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                      "src", "AlbertAot", "Tokenization", "UnicodeTables.cs")
HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3
CAPITAL_SIGMA, FINAL_SIGMA = "\u03a3", "\u03c2"


def code_points():
    """Every Unicode scalar value (no surrogates)."""
    return (cp for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF)


def ranges(flags):
    """Sorted code points -> [(first, last)] runs of consecutive code points."""
    runs = []
    for cp in flags:
        if runs and runs[-1][1] == cp - 1:
            runs[-1][1] = cp
        else:
            runs.append([cp, cp])
    return runs


def delta_runs(mapping):
    """{cp: single mapped cp} -> [(first, last, stride, delta)]: runs of code points at a fixed stride (1 or 2,
    as in the alternating upper/lower pairs of Latin Extended) that all map by the same delta."""
    runs = []
    for cp in sorted(mapping):
        delta = mapping[cp] - cp
        if runs:
            first, last, stride, run_delta = runs[-1]
            step = cp - last
            if run_delta == delta and (step == stride or (first == last and step in (1, 2))):
                runs[-1] = (first, cp, step, delta)
                continue
        runs.append((cp, cp, 1, delta))
    return runs


def emit_span(out, name, comment, values, per_line=16):
    out.append(f"    /// <summary>{comment}</summary>")
    out.append(f"    internal static ReadOnlySpan<int> {name} =>")
    out.append("    [")
    for i in range(0, len(values), per_line):
        out.append("        " + ", ".join(str(v) for v in values[i:i + per_line]) + ",")
    out.append("    ];")
    out.append("")


def main():
    if unicodedata.unidata_version != EXPECTED_UNICODE:
        sys.exit(f"this Python has Unicode {unicodedata.unidata_version}; the tokenizer cases need "
                 f"{EXPECTED_UNICODE} (Python 3.11)")

    # NFKD: single-code-point results as delta runs, longer ones as (code point, start in blob) + blob.
    single, multi = {}, {}
    for cp in code_points():
        if HANGUL_FIRST <= cp <= HANGUL_LAST:
            continue
        decomposed = unicodedata.normalize("NFKD", chr(cp))
        if decomposed == chr(cp):
            continue
        if len(decomposed) == 1:
            single[cp] = ord(decomposed)
        else:
            multi[cp] = [ord(c) for c in decomposed]
    multi_keys = sorted(multi)
    multi_starts, blob = [], []
    for cp in multi_keys:
        multi_starts.append(len(blob))
        blob.extend(multi[cp])
    multi_starts.append(len(blob))

    combining = []
    for cp in code_points():
        ccc = unicodedata.combining(chr(cp))
        if not ccc:
            continue
        if combining and combining[-1][1] == cp - 1 and combining[-1][2] == ccc:
            combining[-1][1] = cp
        else:
            combining.append([cp, cp, ccc])

    lower_single, lower_multi = {}, {}
    for cp in code_points():
        lowered = chr(cp).lower()
        if lowered == chr(cp):
            continue
        if len(lowered) == 1:
            lower_single[cp] = ord(lowered)
        else:
            lower_multi[cp] = [ord(c) for c in lowered]

    # Final_Sigma (CPython's handle_capital_sigma): skip case-ignorable characters, then test "cased".
    # "a" + c + SIGMA gives a final sigma iff c is case-ignorable or cased; c + SIGMA iff c is cased and not
    # case-ignorable. A case-ignorable character is always skipped, so those two sets are all the rule uses.
    ignorable_or_cased = {cp for cp in code_points() if ("a" + chr(cp) + CAPITAL_SIGMA).lower().endswith(FINAL_SIGMA)}
    cased_not_ignorable = {cp for cp in code_points() if (chr(cp) + CAPITAL_SIGMA).lower().endswith(FINAL_SIGMA)}
    case_ignorable = sorted(ignorable_or_cased - cased_not_ignorable)

    whitespace = [cp for cp in code_points() if chr(cp).isspace()]
    digits = [cp for cp in code_points() if chr(cp).isdigit()]

    def flat(rows):
        return [v for row in rows for v in row]

    out = [
        "// <auto-generated>",
        f"// Written by tools/unicode/make_unicode_tables.py from Python {sys.version.split()[0]}'s unicodedata "
        f"(Unicode {unicodedata.unidata_version}). Do not edit: rerun the script.",
        "// </auto-generated>",
        "using System;",
        "",
        "namespace AlbertAot.Tokenization;",
        "",
        "/// <summary>Unicode data as Python 3.11 has it (see UnicodeTables.Lookups.cs for the lookups).</summary>",
        "internal static partial class UnicodeTables",
        "{",
        f"    /// <summary>The Unicode version of these tables.</summary>",
        f"    internal const string UnicodeVersion = \"{unicodedata.unidata_version}\";",
        "",
        "    /// <summary>The longest NFKD of one code point.</summary>",
        f"    internal const int MaxDecompositionLength = {max(len(v) for v in multi.values())};",
        "",
        "    /// <summary>The longest str.lower() of one code point.</summary>",
        f"    internal const int MaxLowercaseLength = {max(len(v) for v in lower_multi.values())};",
        "",
    ]
    emit_span(out, "DecompositionRuns",
              "NFKD to one code point: (first, last, stride, delta) rows; first + k * stride maps to itself + delta.",
              flat(delta_runs(single)))
    emit_span(out, "MultiDecompositionKeys", "Code points whose NFKD is several code points, ascending.", multi_keys)
    emit_span(out, "MultiDecompositionStarts",
              "Start of each key's NFKD in MultiDecompositionBlob; one extra entry ends the last.", multi_starts)
    emit_span(out, "MultiDecompositionBlob", "The concatenated NFKD results of MultiDecompositionKeys.", blob)
    emit_span(out, "CombiningClassRuns",
              "Canonical combining class: (first, last, class) rows, ascending; every other code point has 0.",
              flat(combining))
    emit_span(out, "LowercaseRuns",
              "str.lower() to one code point: (first, last, stride, delta) rows, as DecompositionRuns.",
              flat(delta_runs(lower_single)))
    emit_span(out, "MultiLowercase",
              "str.lower() to several code points: (code point, count, mapped...) rows.",
              flat([[cp, len(lower_multi[cp])] + lower_multi[cp] for cp in sorted(lower_multi)]))
    emit_span(out, "CaseIgnorableRanges", "Case_Ignorable as str.lower()'s Final_Sigma rule sees it: (first, last) rows.",
              flat(ranges(case_ignorable)))
    emit_span(out, "CasedRanges",
              "Cased and not case-ignorable (the only cased characters that rule ever tests): (first, last) rows.",
              flat(ranges(sorted(cased_not_ignorable))))
    emit_span(out, "WhitespaceCodePoints", "str.isspace(), ascending: what str.split() and str.strip() remove.",
              whitespace)
    emit_span(out, "DigitRanges", "str.isdigit(): (first, last) rows.", flat(ranges(digits)))
    out[-1:] = ["}", ""]

    with open(OUTPUT, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(out))
    print(f"wrote {os.path.normpath(OUTPUT)}: {os.path.getsize(OUTPUT)} bytes; NFKD {len(single)} single "
          f"({len(delta_runs(single))} runs) + {len(multi)} multi ({len(blob)} code points), combining "
          f"{len(combining)} runs, lower {len(delta_runs(lower_single))} runs + {len(lower_multi)} multi, "
          f"case-ignorable {len(ranges(case_ignorable))} and cased {len(ranges(sorted(cased_not_ignorable)))} "
          f"ranges, {len(whitespace)} whitespace, {len(ranges(digits))} digit ranges")


if __name__ == "__main__":
    main()
