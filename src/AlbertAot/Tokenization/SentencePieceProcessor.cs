using System;
using System.Collections.Generic;
using System.Text;

namespace AlbertAot.Tokenization;

/// <summary>One piece of a <see cref="SentencePieceEncoding"/>.</summary>
/// <param name="Piece">The piece's text; for an unknown run its normalized surface (what sentencepiece's EncodeAsPieces returns), not "&lt;unk&gt;".</param>
/// <param name="Id">The piece's id (the UNKNOWN id for an unknown run).</param>
/// <param name="NormalizedStart">Where the piece starts in <see cref="SentencePieceEncoding.Normalized"/> (UTF-16 index).</param>
/// <param name="NormalizedEnd">Where it ends there.</param>
internal readonly record struct SentencePiece(string Piece, int Id, int NormalizedStart, int NormalizedEnd);

/// <summary>The result of <see cref="SentencePieceProcessor.Encode"/>.</summary>
/// <param name="Normalized">The normalized text the pieces cut up (spaces as "▁").</param>
/// <param name="NormalizedToInput">
/// For each UTF-16 unit of <paramref name="Normalized"/>, the index in the encoded string of the character (or charsmap
/// match) it came from; an inserted "▁" gets the index where it was inserted. One extra entry: the end of the input.
/// </param>
/// <param name="Pieces">The segmentation, in order.</param>
internal sealed record SentencePieceEncoding(string Normalized, int[] NormalizedToInput, List<SentencePiece> Pieces);

/// <summary>
/// sentencepiece's SentencePieceProcessor for a Unigram model: normalize, segment, and decode pieces back to text,
/// with UTF-16 positions into the encoded string for every piece.
/// </summary>
internal sealed class SentencePieceProcessor
{
    private const char SpaceSymbol = '\u2581';

    private readonly SentencePieceNormalizer _normalizer;
    private readonly UnigramEncoder _encoder;

    public SentencePieceProcessor(SentencePieceModel model)
    {
        Model = model;
        _normalizer = new SentencePieceNormalizer(model);
        _encoder = new UnigramEncoder(model);
    }

    /// <summary>The model the processor applies.</summary>
    public SentencePieceModel Model { get; }

    /// <summary>sentencepiece's encode(text, out_type=str), with the pieces' ids and where each came from.</summary>
    public SentencePieceEncoding Encode(string text)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        int[] inputByteToChar = ByteToCharIndex(text, utf8.Length);
        NormalizedUtf8 normalized = _normalizer.Normalize(utf8);
        byte[] bytes = normalized.Bytes;

        string normalizedText = Encoding.UTF8.GetString(bytes);
        int[] normalizedByteToChar = ByteToCharIndex(normalizedText, bytes.Length);
        var normalizedToInput = new int[normalizedText.Length + 1];
        for (int b = 0; b < bytes.Length; b++)
        {
            // Each unit takes the source of its character's first byte.
            if (b == 0 || normalizedByteToChar[b] != normalizedByteToChar[b - 1])
            {
                int unit = normalizedByteToChar[b];
                int source = inputByteToChar[normalized.ToInput[b]];
                normalizedToInput[unit] = source;
                if (unit + 1 < normalizedText.Length && char.IsLowSurrogate(normalizedText[unit + 1])) normalizedToInput[unit + 1] = source;
            }
        }
        normalizedToInput[normalizedText.Length] = inputByteToChar[normalized.ToInput[bytes.Length]];

        List<UnigramPiece> segmentation = _encoder.Encode(bytes);
        var pieces = new List<SentencePiece>(segmentation.Count);
        foreach (UnigramPiece piece in segmentation)
        {
            int start = normalizedByteToChar[piece.Start], end = normalizedByteToChar[piece.End];
            pieces.Add(new SentencePiece(normalizedText[start..end], piece.Id, start, end));
        }
        return new SentencePieceEncoding(normalizedText, normalizedToInput, pieces);
    }

    /// <summary>For each byte of the UTF-8 form of <paramref name="text"/>, the UTF-16 index of its character; then the text's length.</summary>
    private static int[] ByteToCharIndex(string text, int utf8Length)
    {
        var byteToChar = new int[utf8Length + 1];
        int byteIndex = 0;
        for (int i = 0; i < text.Length; i++)
        {
            bool pair = char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
            int byteCount = pair ? 4 : text[i] < 0x80 ? 1 : text[i] < 0x800 ? 2 : 3;
            byteToChar.AsSpan(byteIndex, byteCount).Fill(i);
            byteIndex += byteCount;
            if (pair) i++;
        }
        byteToChar[utf8Length] = text.Length;
        return byteToChar;
    }

    /// <summary>
    /// sentencepiece's DecodePieces on pieces given by id: control pieces vanish, the UNKNOWN piece becomes
    /// trainer_spec.unk_surface, "▁" becomes a space, and leading "▁"s are dropped until some text has been written.
    /// </summary>
    public void Decode(ReadOnlySpan<int> ids, StringBuilder output)
    {
        SentencePieceModel model = Model;
        int textStart = output.Length;
        bool atStart = true;
        foreach (int id in ids)
        {
            if (output.Length > textStart) atStart = false;
            string piece = model.Pieces[id];
            switch (model.Types[id])
            {
                case SentencePieceType.Control:
                    break;
                case SentencePieceType.Unknown:
                    output.Append(model.UnkSurface);
                    break;
                default:
                    // With remove_extra_whitespaces every leading "▁" goes; with only add_dummy_prefix just the first.
                    int skip = atStart && (model.AddDummyPrefix || model.RemoveExtraWhitespaces) && piece[0] == SpaceSymbol ? 1 : 0;
                    if (skip == 1 && !model.RemoveExtraWhitespaces) atStart = false;
                    output.Append(piece, skip, piece.Length - skip).Replace(SpaceSymbol, ' ', output.Length - (piece.Length - skip), piece.Length - skip);
                    break;
            }
        }
    }
}
