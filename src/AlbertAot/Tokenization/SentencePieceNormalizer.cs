using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace AlbertAot.Tokenization;

/// <summary>UTF-8 text after sentencepiece's normalizer, with the input position each byte came from.</summary>
/// <param name="Bytes">The normalized UTF-8 (spaces escaped as "▁").</param>
/// <param name="ToInput">
/// For each normalized byte, the offset in the input UTF-8 of the chunk that produced it (an inserted "▁" gets the
/// offset where it was inserted); one extra entry holds the input length consumed in all.
/// </param>
internal readonly record struct NormalizedUtf8(byte[] Bytes, int[] ToInput);

/// <summary>
/// sentencepiece's Normalizer (normalizer.cc) on UTF-8: the precompiled charsmap (longest match in a Darts double
/// array, replaced by a NUL-terminated string), user-defined symbols kept verbatim, whitespace collapsed and trimmed,
/// spaces escaped as "▁", and the dummy "▁" prefix. The charsmap is the model's own table (ALBERT's is nmt_nfkc),
/// so this needs no ICU.
/// </summary>
internal sealed class SentencePieceNormalizer
{
    private static readonly byte[] SpaceSymbol = "\u2581"u8.ToArray();

    private readonly uint[] _darts;           // the double-array units; empty = no charsmap
    private readonly byte[] _replacements;    // NUL-terminated replacement strings the units' values point into
    private readonly ByteTrie _userDefinedSymbols;
    private readonly bool _addDummyPrefix;
    private readonly bool _removeExtraWhitespaces;
    private readonly bool _escapeWhitespaces;
    private readonly bool _treatWhitespaceAsSuffix;

    /// <exception cref="InvalidDataException">The precompiled charsmap is malformed.</exception>
    public SentencePieceNormalizer(SentencePieceModel model)
    {
        (_darts, _replacements) = ReadCharsmap(model.PrecompiledCharsmap);
        _userDefinedSymbols = new ByteTrie(Enumerable.Range(0, model.Pieces.Length)
            .Where(id => model.Types[id] == SentencePieceType.UserDefined)
            .Select(id => (model.Pieces[id], id)));
        _addDummyPrefix = model.AddDummyPrefix;
        _removeExtraWhitespaces = model.RemoveExtraWhitespaces;
        _escapeWhitespaces = model.EscapeWhitespaces;
        _treatWhitespaceAsSuffix = model.TreatWhitespaceAsSuffix;
    }

    /// <summary>Normalizes valid UTF-8 exactly as sentencepiece's Normalizer::Normalize does.</summary>
    public NormalizedUtf8 Normalize(ReadOnlySpan<byte> input)
    {
        var bytes = new List<byte>(input.Length * 3 / 2 + 4);
        var toInput = new List<int>(input.Length * 3 / 2 + 5);
        int consumed = 0;

        if (_removeExtraWhitespaces)
        {
            // Leading chunks that normalize to exactly one space are dropped.
            while (!input.IsEmpty)
            {
                ReadOnlySpan<byte> chunk = NormalizePrefix(input, out int length);
                if (!chunk.SequenceEqual(" "u8)) break;
                input = input[length..];
                consumed += length;
            }
        }
        if (input.IsEmpty) return new NormalizedUtf8([], [consumed]);

        if (!_treatWhitespaceAsSuffix && _addDummyPrefix) AddSpace(bytes, toInput, consumed);

        bool previousIsSpace = _removeExtraWhitespaces;
        while (!input.IsEmpty)
        {
            ReadOnlySpan<byte> chunk = NormalizePrefix(input, out int length);
            if (previousIsSpace)
            {
                while (!chunk.IsEmpty && chunk[0] == (byte)' ') chunk = chunk[1..];
            }
            if (!chunk.IsEmpty)
            {
                foreach (byte b in chunk)
                {
                    if (b == (byte)' ')
                    {
                        AddSpace(bytes, toInput, consumed);
                    }
                    else
                    {
                        bytes.Add(b);
                        toInput.Add(consumed);
                    }
                }
                previousIsSpace = chunk[^1] == (byte)' ';
            }
            consumed += length;
            input = input[length..];
            if (!_removeExtraWhitespaces) previousIsSpace = false;
        }

        if (_removeExtraWhitespaces)
        {
            ReadOnlySpan<byte> space = _escapeWhitespaces ? SpaceSymbol : " "u8;
            while (EndsWith(bytes, space))
            {
                bytes.RemoveRange(bytes.Count - space.Length, space.Length);
                toInput.RemoveRange(toInput.Count - space.Length, space.Length);
            }
        }

        if (_treatWhitespaceAsSuffix && _addDummyPrefix) AddSpace(bytes, toInput, consumed);

        toInput.Add(consumed);
        return new NormalizedUtf8(bytes.ToArray(), toInput.ToArray());
    }

    private void AddSpace(List<byte> bytes, List<int> toInput, int consumed)
    {
        ReadOnlySpan<byte> space = _escapeWhitespaces ? SpaceSymbol : " "u8;
        foreach (byte b in space)
        {
            bytes.Add(b);
            toInput.Add(consumed);
        }
    }

    /// <summary>
    /// Normalizer::NormalizePrefix: the replacement of the input's first chunk, and that chunk's length. A user-defined
    /// symbol is kept as it is; else the longest charsmap match is replaced; else one character is kept.
    /// </summary>
    private ReadOnlySpan<byte> NormalizePrefix(ReadOnlySpan<byte> input, out int length)
    {
        length = _userDefinedSymbols.LongestPrefixLength(input);
        if (length > 0) return input[..length];

        (length, int replacementOffset) = LongestCharsmapMatch(input);
        if (length > 0)
        {
            ReadOnlySpan<byte> replacement = _replacements.AsSpan(replacementOffset);
            int end = replacement.IndexOf((byte)0);
            return end < 0 ? replacement : replacement[..end];
        }

        length = Math.Min(Utf8CharLength(input[0]), input.Length);
        return input[..length];
    }

    /// <summary>Darts::DoubleArray::commonPrefixSearch, keeping the longest match: (its length, its value) or (0, 0).</summary>
    private (int Length, int Value) LongestCharsmapMatch(ReadOnlySpan<byte> key)
    {
        if (_darts.Length == 0) return (0, 0);
        int length = 0, value = 0;
        uint nodePos = DartsOffset(_darts[0]);
        for (int i = 0; i < key.Length; i++)
        {
            nodePos ^= key[i];
            if (nodePos >= (uint)_darts.Length) break;
            uint unit = _darts[nodePos];
            if (DartsLabel(unit) != key[i]) break;
            nodePos ^= DartsOffset(unit);
            if ((unit >> 8 & 1) == 1)
            {
                if (nodePos >= (uint)_darts.Length) break;
                length = i + 1;
                value = (int)(_darts[nodePos] & 0x7FFFFFFF);
            }
        }
        if (length > 0 && value >= _replacements.Length)
            throw new InvalidDataException($"The SentencePiece model's precompiled_charsmap points at replacement offset {value}, past its {_replacements.Length} bytes of replacements.");
        return (length, value);
    }

    // Darts-clone unit layout: label in the low byte (bit 31 set on value units), a has-leaf flag at bit 8, and the
    // offset to the children in bits 10-31, scaled by 256 when bit 9 is set.
    private static uint DartsLabel(uint unit) => unit & (0x80000000u | 0xFF);

    private static uint DartsOffset(uint unit) => (unit >> 10) << (int)((unit & (1u << 9)) >> 6);

    /// <summary>sentencepiece's OneCharLen: the length a UTF-8 lead byte announces (1 for a stray continuation byte).</summary>
    internal static int Utf8CharLength(byte lead) => lead switch
    {
        < 0xC0 => 1,
        < 0xE0 => 2,
        < 0xF0 => 3,
        _ => 4,
    };

    private static bool EndsWith(List<byte> bytes, ReadOnlySpan<byte> suffix)
    {
        if (bytes.Count < suffix.Length) return false;
        for (int i = 0; i < suffix.Length; i++)
        {
            if (bytes[bytes.Count - suffix.Length + i] != suffix[i]) return false;
        }
        return true;
    }

    /// <summary>
    /// Splits a precompiled charsmap: a little-endian uint32 byte size of the double array, the array's 32-bit units,
    /// then the replacement strings (sentencepiece's DecodePrecompiledCharsMap).
    /// </summary>
    private static (uint[] Darts, byte[] Replacements) ReadCharsmap(byte[] charsmap)
    {
        if (charsmap.Length == 0) return ([], []);
        if (charsmap.Length < 4)
            throw new InvalidDataException($"The SentencePiece model's precompiled_charsmap is {charsmap.Length} bytes long, too short for its header.");
        uint trieSize = BinaryPrimitives.ReadUInt32LittleEndian(charsmap);
        if (trieSize == 0 || trieSize % 4 != 0 || trieSize > (uint)(charsmap.Length - 4))
            throw new InvalidDataException($"The SentencePiece model's precompiled_charsmap announces a {trieSize}-byte double array, which does not fit its {charsmap.Length} bytes in 32-bit units.");
        var darts = new uint[trieSize / 4];
        for (int i = 0; i < darts.Length; i++) darts[i] = BinaryPrimitives.ReadUInt32LittleEndian(charsmap.AsSpan(4 + 4 * i));
        return (darts, charsmap[(4 + (int)trieSize)..]);
    }
}
