using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace AlbertAot.Tokenization;

/// <summary>
/// ALBERT's tokenizer, giving the same ids as HuggingFace's (slow) AlbertTokenizer with its defaults (do_lower_case,
/// remove_space, keep_accents=False): special tokens recognised in the text, HF's preprocessing (whitespace collapse,
/// `` and '' to ", NFKD without combining marks, lower-casing), SentencePiece Unigram segmentation with
/// sentencepiece's own normalizer and tie-breaking, and the digit-comma re-split. Offsets follow HF's fast tokenizer.
/// Everything is ordinal and table-driven, so it behaves the same with InvariantGlobalization (no ICU).
/// Thread-safe: an instance holds only read-only state.
/// </summary>
public sealed class AlbertTokenizer
{
    /// <summary>HF's special tokens for ALBERT, as they must appear among the model's pieces.</summary>
    public const string PadToken = "<pad>", UnkToken = "<unk>", ClsToken = "[CLS]", SepToken = "[SEP]", MaskToken = "[MASK]";

    private const char SpaceSymbol = '\u2581';

    private readonly SentencePieceModel _model;
    private readonly SentencePieceProcessor _processor;
    private readonly (string Text, int Id, bool StripsLeft)[] _specialTokens;

    private AlbertTokenizer(SentencePieceModel model)
    {
        _model = model;
        _processor = new SentencePieceProcessor(model);
        PadId = RequirePiece(PadToken);
        UnkId = RequirePiece(UnkToken);
        ClsId = RequirePiece(ClsToken);
        SepId = RequirePiece(SepToken);
        MaskId = RequirePiece(MaskToken);
        // HF's order (all_special_tokens); only [MASK] is an AddedToken with lstrip=True.
        _specialTokens =
        [
            (ClsToken, ClsId, false), (SepToken, SepId, false), (UnkToken, UnkId, false), (PadToken, PadId, false), (MaskToken, MaskId, true),
        ];
    }

    /// <summary>Loads a tokenizer from a SentencePiece model (spiece.model), read to its end.</summary>
    /// <exception cref="InvalidDataException">The data is not a SentencePiece model, or lacks ALBERT's special tokens.</exception>
    /// <exception cref="NotSupportedException">A SentencePiece model of a kind ALBERT never uses (BPE, byte fallback).</exception>
    public static AlbertTokenizer Load(Stream spieceModel)
    {
        ArgumentNullException.ThrowIfNull(spieceModel);
        using var buffer = new MemoryStream();
        spieceModel.CopyTo(buffer);
        return Load(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    /// <inheritdoc cref="Load(Stream)"/>
    public static AlbertTokenizer Load(ReadOnlySpan<byte> spieceModel) => new(SentencePieceModel.Parse(spieceModel));

    /// <summary>The number of pieces, i.e. the model's vocab_size.</summary>
    public int VocabSize => _model.Pieces.Length;

    /// <summary>The id of <c>&lt;pad&gt;</c> (0 in ALBERT).</summary>
    public int PadId { get; }

    /// <summary>The id of <c>&lt;unk&gt;</c> (1 in ALBERT).</summary>
    public int UnkId { get; }

    /// <summary>The id of <c>[CLS]</c> (2 in ALBERT).</summary>
    public int ClsId { get; }

    /// <summary>The id of <c>[SEP]</c> (3 in ALBERT).</summary>
    public int SepId { get; }

    /// <summary>The id of <c>[MASK]</c> (4 in ALBERT).</summary>
    public int MaskId { get; }

    /// <summary>The piece of an id, e.g. <c>"▁hello"</c> (HF's convert_ids_to_tokens).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is not below <see cref="VocabSize"/>.</exception>
    public string IdToToken(int id)
    {
        CheckId(id);
        return _model.Pieces[id];
    }

    /// <summary>The id of a piece (e.g. <c>"▁hello"</c>), or null when the vocabulary has no such piece.</summary>
    public int? TokenToId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        int id = _model.FindPiece(token);
        return id >= 0 ? id : null;
    }

    /// <summary>Whether the id is a user-defined symbol of the SentencePiece model (ALBERT's <c>( ) " - . – £ €</c>), which
    /// HF's fast tokenizer handles as added tokens: each is a word of its own (the pipelines' word alignment needs this).</summary>
    internal bool IsUserDefinedId(int id) => (uint)id < (uint)_model.Types.Length && _model.Types[id] == SentencePieceType.UserDefined;

    /// <summary>Whether the id is one of HF's special tokens (pad, unk, [CLS], [SEP], [MASK]).</summary>
    public bool IsSpecialId(int id) => id == PadId || id == UnkId || id == ClsId || id == SepId || id == MaskId;

    /// <summary>
    /// Encodes a text or a text pair as HF's <c>tokenizer(text, text_pair, truncation=True, max_length=maxLength,
    /// padding="max_length" if padToMaxLength)</c>; without <paramref name="maxLength"/> nothing is truncated.
    /// Truncation is longest_first: tokens go one at a time from the end of the longer sequence (the pair on a tie);
    /// a single sequence too short to lose enough tokens is left whole, as HF does.
    /// </summary>
    /// <param name="addSpecialTokens">False: no [CLS]/[SEP] (HF's add_special_tokens=False); a pair is then A then B.</param>
    public AlbertEncoding Encode(string text, string? textPair = null, int? maxLength = null, bool padToMaxLength = false, bool addSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        CheckLengthOptions(maxLength, padToMaxLength);
        (List<TokenSpan> first, List<TokenSpan>? second) = TokenizeAndTruncate(text, textPair, maxLength, addSpecialTokens);
        return Build(first, second, addSpecialTokens, padToMaxLength ? maxLength!.Value : 0);
    }

    /// <summary>
    /// Encodes several texts (and pairs) as HF's batch call <c>tokenizer(texts, pairs, truncation=True,
    /// max_length=maxLength, padding=...)</c>: each is encoded as by <see cref="Encode"/>, then padded on the right.
    /// </summary>
    public IReadOnlyList<AlbertEncoding> EncodeBatch(IReadOnlyList<string> texts, IReadOnlyList<string>? pairs = null, int? maxLength = null, AlbertPadding padding = AlbertPadding.Longest)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (pairs is not null && pairs.Count != texts.Count)
            throw new ArgumentException($"{pairs.Count} pair texts were given for {texts.Count} texts; give one per text or none.", nameof(pairs));
        if (padding is not (AlbertPadding.None or AlbertPadding.Longest or AlbertPadding.MaxLength))
            throw new ArgumentOutOfRangeException(nameof(padding), padding, "Not an AlbertPadding value.");
        CheckLengthOptions(maxLength, padding == AlbertPadding.MaxLength);

        var tokenized = new (List<TokenSpan> First, List<TokenSpan>? Second)[texts.Count];
        int longest = 0;
        for (int i = 0; i < texts.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(texts[i], $"{nameof(texts)}[{i}]");
            tokenized[i] = TokenizeAndTruncate(texts[i], pairs?[i], maxLength, addSpecialTokens: true);
            longest = Math.Max(longest, tokenized[i].First.Count + (tokenized[i].Second?.Count ?? 0) + SpecialTokenCount(tokenized[i].Second is not null, true));
        }
        int padTo = padding switch
        {
            AlbertPadding.Longest => longest,
            AlbertPadding.MaxLength => maxLength!.Value,
            _ => 0,
        };
        var encodings = new AlbertEncoding[texts.Count];
        for (int i = 0; i < texts.Count; i++) encodings[i] = Build(tokenized[i].First, tokenized[i].Second, addSpecialTokens: true, padTo);
        return encodings;
    }

    /// <summary>
    /// HF's <c>decode(ids, skip_special_tokens, clean_up_tokenization_spaces)</c>. Runs of ordinary pieces are decoded
    /// by SentencePiece; a special token that is kept is written as it is, after a space unless the token before it was
    /// special too (HF's AlbertTokenizer.convert_tokens_to_string, so "hello[MASK]" has no space); the result is
    /// stripped. Clean-up removes the space before . ? ! , and English contractions.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is not below <see cref="VocabSize"/>.</exception>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = true, bool cleanUpTokenizationSpaces = false)
    {
        var output = new StringBuilder();
        var run = new List<int>();
        bool previousIsSpecial = false;
        foreach (int id in ids)
        {
            CheckId(id);
            if (!IsSpecialId(id))
            {
                run.Add(id);
                previousIsSpecial = false;
                continue;
            }
            if (skipSpecialTokens) continue;
            if (!previousIsSpecial) output.Append(' ');
            _processor.Decode(CollectionsMarshal.AsSpan(run), output);
            output.Append(_model.Pieces[id]);
            run.Clear();
            previousIsSpecial = true;
        }
        _processor.Decode(CollectionsMarshal.AsSpan(run), output);

        string text = StripWhitespace(output.ToString());
        return cleanUpTokenizationSpaces ? CleanUpTokenizationSpaces(text) : text;
    }

    private (List<TokenSpan> First, List<TokenSpan>? Second) TokenizeAndTruncate(string text, string? textPair, int? maxLength, bool addSpecialTokens)
    {
        List<TokenSpan> first = Tokenize(text);
        List<TokenSpan>? second = textPair is null ? null : Tokenize(textPair);
        int excess = first.Count + (second?.Count ?? 0) + SpecialTokenCount(second is not null, addSpecialTokens) - (maxLength ?? int.MaxValue);
        if (excess <= 0) return (first, second);
        if (second is null)
        {
            // HF logs an error and truncates nothing when the sequence cannot lose that many tokens.
            if (first.Count > excess) first.RemoveRange(first.Count - excess, excess);
            return (first, second);
        }
        for (int i = 0; i < excess; i++)
        {
            List<TokenSpan> longer = first.Count > second.Count ? first : second;
            if (longer.Count > 0) longer.RemoveAt(longer.Count - 1);
        }
        return (first, second);
    }

    private static int SpecialTokenCount(bool pair, bool addSpecialTokens) => !addSpecialTokens ? 0 : pair ? 3 : 2;

    private AlbertEncoding Build(List<TokenSpan> first, List<TokenSpan>? second, bool addSpecialTokens, int padTo)
    {
        int count = first.Count + (second?.Count ?? 0) + SpecialTokenCount(second is not null, addSpecialTokens);
        int length = Math.Max(count, padTo);
        var ids = new int[length];
        var typeIds = new int[length];
        var mask = new int[length];
        var tokens = new string[length];
        var offsets = new (int Start, int End)[length];
        var sequenceIds = new int?[length];
        int at = 0;

        void Add(int id, int typeId, int start, int end, int? sequence)
        {
            ids[at] = id;
            typeIds[at] = typeId;
            mask[at] = 1;
            tokens[at] = _model.Pieces[id];
            offsets[at] = (start, end);
            sequenceIds[at++] = sequence;
        }

        if (addSpecialTokens) Add(ClsId, 0, 0, 0, null);
        foreach (TokenSpan t in first) Add(t.Id, 0, t.Start, t.End, 0);
        if (addSpecialTokens) Add(SepId, 0, 0, 0, null);
        if (second is not null)
        {
            foreach (TokenSpan t in second) Add(t.Id, 1, t.Start, t.End, 1);
            if (addSpecialTokens) Add(SepId, 1, 0, 0, null);
        }
        for (; at < length; at++)
        {
            ids[at] = PadId;
            tokens[at] = _model.Pieces[PadId];
        }
        return new AlbertEncoding(ids, typeIds, mask, tokens, offsets, sequenceIds);
    }

    /// <summary>HF's tokenize + convert_tokens_to_ids for one text, with HF-fast-style offsets.</summary>
    private List<TokenSpan> Tokenize(string text)
    {
        var tokens = new List<TokenSpan>();
        foreach (TextPart part in AlbertPreprocessor.SplitOnSpecialTokens(text, _specialTokens))
        {
            if (part.IsSpecial) tokens.Add(new TokenSpan(part.SpecialId, part.Start, part.End));
            else TokenizeSegment(text, part, tokens);
        }
        return tokens;
    }

    /// <summary>AlbertTokenizer._tokenize: preprocess_text, SentencePiece, then the digit-comma re-split.</summary>
    private void TokenizeSegment(string text, TextPart part, List<TokenSpan> tokens)
    {
        List<AlignedCodePoint> codePoints = AlbertPreprocessor.Preprocess(part.Segment);
        if (codePoints.Count == 0) return;
        (string input, int[] unitToCodePoint) = AlbertPreprocessor.ToUtf16(codePoints);
        var source = new SegmentSource(codePoints, unitToCodePoint, input.Length);
        SentencePieceEncoding encoding = _processor.Encode(input);

        // The fast tokenizer's "▁" of the first word is the whitespace just before it, when the segment has one.
        int wordStart = codePoints[0].Start;
        int spaceBefore = wordStart - 1 >= part.Start && UnicodeTables.IsWhitespace(text[wordStart - 1]) ? wordStart - 1 : -1;

        for (int k = 0; k < encoding.Pieces.Count; k++)
        {
            SentencePiece piece = encoding.Pieces[k];
            (int start, int end, bool consumedNothing) = source.Span(encoding.NormalizedToInput, piece.NormalizedStart, piece.NormalizedEnd);
            if (k == 0 && piece.Piece[0] == SpaceSymbol && spaceBefore >= 0)
            {
                if (consumedNothing) end = spaceBefore + 1;
                start = spaceBefore;
            }
            if (EndsWithDigitComma(piece.Piece))
            {
                SplitDigitComma(encoding, piece, source, start, tokens);
                continue;
            }
            // HF maps each piece through PieceToId; that can differ from the lattice's id only for an unknown run.
            int id = piece.Id == _model.UnkId ? _model.PieceToId(piece.Piece) : piece.Id;
            tokens.Add(new TokenSpan(id, start, end));
        }
    }

    /// <summary>HF's test: a piece longer than one character whose last is "," after a digit (str.isdigit).</summary>
    private static bool EndsWithDigitComma(string piece)
    {
        if (piece.Length < 2 || piece[^1] != ',') return false;
        int beforeComma = char.IsLowSurrogate(piece[^2]) && piece.Length >= 3 && char.IsHighSurrogate(piece[^3])
            ? char.ConvertToUtf32(piece[^3], piece[^2])
            : piece[^2];
        return UnicodeTables.IsDigit(beforeComma);
    }

    /// <summary>
    /// HF's digit-comma rule (so "9,9" gives ▁9 , 9 rather than ▁9, 9): the piece without its comma and without any "▁"
    /// is encoded again; when the piece did not start with "▁" the new first piece loses its "▁" (or is dropped when it
    /// was only that); then "," follows.
    /// </summary>
    private void SplitDigitComma(SentencePieceEncoding outer, SentencePiece piece, SegmentSource source, int pieceStart, List<TokenSpan> tokens)
    {
        // The re-encoded text, and for each of its UTF-16 units the unit of the outer normalized text it copies.
        var inner = new StringBuilder(piece.Piece.Length);
        var innerToOuter = new List<int>(piece.Piece.Length);
        for (int u = piece.NormalizedStart; u < piece.NormalizedEnd - 1; u++)
        {
            if (outer.Normalized[u] == SpaceSymbol) continue;
            inner.Append(outer.Normalized[u]);
            innerToOuter.Add(u);
        }
        SentencePieceEncoding reencoded = _processor.Encode(inner.ToString());

        bool first = true;
        for (int j = 0; j < reencoded.Pieces.Count; j++)
        {
            SentencePiece sub = reencoded.Pieces[j];
            string subPiece = sub.Piece;
            if (j == 0 && piece.Piece[0] != SpaceSymbol && subPiece[0] == SpaceSymbol)
            {
                if (subPiece.Length == 1) continue;
                subPiece = subPiece[1..];
            }
            // Back to the outer normalized text through the re-encoded input, then to the original text.
            int innerStart = reencoded.NormalizedToInput[sub.NormalizedStart], innerEnd = reencoded.NormalizedToInput[sub.NormalizedEnd];
            int outerStart = innerStart < innerToOuter.Count ? innerToOuter[innerStart] : piece.NormalizedEnd - 1;
            int outerEnd = innerEnd > innerStart ? innerToOuter[innerEnd - 1] + 1 : outerStart + 1;
            (int start, int end, _) = source.Span(outer.NormalizedToInput, outerStart, outerEnd);
            if (first) start = pieceStart;
            first = false;
            tokens.Add(new TokenSpan(_model.PieceToId(subPiece), start, end));
        }
        (int commaStart, int commaEnd, _) = source.Span(outer.NormalizedToInput, piece.NormalizedEnd - 1, piece.NormalizedEnd);
        tokens.Add(new TokenSpan(_model.PieceToId(","), commaStart, commaEnd));
    }

    private int RequirePiece(string token)
    {
        int id = _model.FindPiece(token);
        if (id < 0)
            throw new InvalidDataException($"The SentencePiece model has no piece \"{token}\", so it is not an ALBERT tokenizer (ALBERT's special tokens are {PadToken}, {UnkToken}, {ClsToken}, {SepToken} and {MaskToken}).");
        return id;
    }

    private void CheckId(int id)
    {
        if ((uint)id >= (uint)_model.Pieces.Length)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"Token ids run from 0 to {_model.Pieces.Length - 1}.");
    }

    private static void CheckLengthOptions(int? maxLength, bool padToMaxLength)
    {
        if (maxLength is < 1) throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "The maximum length must be at least 1.");
        if (padToMaxLength && maxLength is null) throw new ArgumentException("Padding to the maximum length needs a maximum length.", nameof(maxLength));
    }

    /// <summary>Python's str.strip(): whitespace as str.isspace() has it.</summary>
    private static string StripWhitespace(string text)
    {
        int start = 0, end = text.Length;
        while (start < end && UnicodeTables.IsWhitespace(text[start])) start++;
        while (end > start && UnicodeTables.IsWhitespace(text[end - 1])) end--;
        return text[start..end];
    }

    /// <summary>HF's clean_up_tokenization, replacement by replacement.</summary>
    private static string CleanUpTokenizationSpaces(string text) => text
        .Replace(" .", ".")
        .Replace(" ?", "?")
        .Replace(" !", "!")
        .Replace(" ,", ",")
        .Replace(" ' ", "'")
        .Replace(" n't", "n't")
        .Replace(" 'm", "'m")
        .Replace(" 's", "'s")
        .Replace(" 've", "'ve")
        .Replace(" 're", "'re");

    /// <summary>A token id and its span in the original text.</summary>
    private readonly record struct TokenSpan(int Id, int Start, int End);

    /// <summary>A preprocessed segment: maps positions of the string given to SentencePiece back to the original text.</summary>
    private readonly struct SegmentSource(List<AlignedCodePoint> codePoints, int[] unitToCodePoint, int inputLength)
    {
        /// <summary>
        /// The original span of normalized units [normalizedStart, normalizedEnd). When they consumed no input (the dummy
        /// "▁", or the first part of a character the charsmap expanded), the span of the character they stand before.
        /// </summary>
        public (int Start, int End, bool ConsumedNothing) Span(int[] normalizedToInput, int normalizedStart, int normalizedEnd)
        {
            int inputStart = normalizedToInput[normalizedStart], inputEnd = normalizedToInput[normalizedEnd];
            if (inputStart < inputEnd)
                return (codePoints[unitToCodePoint[inputStart]].Start, codePoints[unitToCodePoint[inputEnd - 1]].End, false);
            AlignedCodePoint next = inputStart < inputLength ? codePoints[unitToCodePoint[inputStart]] : codePoints[^1] with { Start = codePoints[^1].End };
            return (next.Start, next.End, true);
        }
    }
}
