using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace AlbertAot.Generator.Tests.Infrastructure;

/// <summary>
/// Writes small spiece.model files (serialized sentencepiece ModelProto messages) for the build task's tokenizer check:
/// a valid ALBERT-like Unigram model and variants broken one way each.
/// </summary>
public static class SentencePieceBytes
{
    public const int Normal = 1, Unknown = 2, Control = 3, UserDefined = 4;

    /// <summary>ALBERT's special pieces in ALBERT's order, then a few normal ones.</summary>
    public static readonly (string Piece, int Type)[] AlbertPieces =
    {
        ("<pad>", Control), ("<unk>", Unknown), ("[CLS]", Control), ("[SEP]", Control), ("[MASK]", UserDefined),
        ("\u2581a", Normal), ("\u2581b", Normal), ("a", Normal), ("b", Normal), ("\u2581", Normal),
    };

    public static byte[] Model(IEnumerable<(string Piece, int Type)>? pieces = null, int modelType = 1, bool byteFallback = false,
        byte[]? charsmap = null, byte[]? denormalizerCharsmap = null)
    {
        var model = new MemoryStream();
        float score = 0;
        foreach (var (piece, type) in pieces ?? AlbertPieces)
        {
            var message = new MemoryStream();
            LengthDelimited(message, 1, Encoding.UTF8.GetBytes(piece));
            Fixed32(message, 2, BitConverter.GetBytes(type == Normal ? score -= 1 : 0f));
            Varint(message, 3, (ulong)type);
            LengthDelimited(model, 1, message.ToArray());
        }
        var trainer = new MemoryStream();
        Varint(trainer, 3, (ulong)modelType);
        if (byteFallback) Varint(trainer, 35, 1);
        Varint(trainer, 41, unchecked((ulong)-1L)); // bos_id -1, as ALBERT's model
        Varint(trainer, 42, unchecked((ulong)-1L)); // eos_id -1
        LengthDelimited(model, 2, trainer.ToArray());
        var normalizer = new MemoryStream();
        LengthDelimited(normalizer, 1, Encoding.UTF8.GetBytes("identity"));
        if (charsmap is not null) LengthDelimited(normalizer, 2, charsmap);
        Varint(normalizer, 3, 1);
        LengthDelimited(model, 3, normalizer.ToArray());
        if (denormalizerCharsmap is not null)
        {
            var denormalizer = new MemoryStream();
            LengthDelimited(denormalizer, 2, denormalizerCharsmap);
            LengthDelimited(model, 5, denormalizer.ToArray());
        }
        return model.ToArray();
    }

    public static void Varint(Stream s, int field, ulong value)
    {
        WriteVarint(s, (ulong)field << 3);
        WriteVarint(s, value);
    }

    public static void Fixed32(Stream s, int field, byte[] fourBytes)
    {
        WriteVarint(s, (ulong)field << 3 | 5);
        s.Write(fourBytes, 0, 4);
    }

    public static void LengthDelimited(Stream s, int field, byte[] bytes)
    {
        WriteVarint(s, (ulong)field << 3 | 2);
        WriteVarint(s, (ulong)bytes.Length);
        s.Write(bytes, 0, bytes.Length);
    }

    private static void WriteVarint(Stream s, ulong value)
    {
        while (value >= 0x80)
        {
            s.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        s.WriteByte((byte)value);
    }
}
