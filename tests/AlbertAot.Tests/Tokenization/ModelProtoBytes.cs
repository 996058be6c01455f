using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace AlbertAot.Tests.Tokenization;

/// <summary>Serializes small sentencepiece ModelProtos by hand, for the loader's error paths.</summary>
internal static class ModelProtoBytes
{
    /// <param name="pieces">(piece, score, type) with sentencepiece's type numbers (1 normal, 2 unknown, 3 control, 4 user-defined).</param>
    /// <param name="modelType">trainer_spec.model_type (1 Unigram, 2 BPE), written only when given.</param>
    public static byte[] Build(IEnumerable<(string Piece, float Score, int Type)> pieces, int? modelType = null)
    {
        using var model = new MemoryStream();
        foreach ((string piece, float score, int type) in pieces)
        {
            using var message = new MemoryStream();
            WriteBytes(message, 1, Encoding.UTF8.GetBytes(piece));
            WriteKey(message, 2, 5);
            message.Write(BitConverter.GetBytes(score));
            WriteKey(message, 3, 0);
            WriteVarint(message, (ulong)type);
            WriteBytes(model, 1, message.ToArray());
        }
        if (modelType is int trainerModelType)
        {
            using var trainer = new MemoryStream();
            WriteKey(trainer, 3, 0);
            WriteVarint(trainer, (ulong)trainerModelType);
            WriteBytes(model, 2, trainer.ToArray());
        }
        return model.ToArray();
    }

    private static void WriteBytes(Stream stream, int field, byte[] bytes)
    {
        WriteKey(stream, field, 2);
        WriteVarint(stream, (ulong)bytes.Length);
        stream.Write(bytes);
    }

    private static void WriteKey(Stream stream, int field, int wireType) => WriteVarint(stream, (ulong)(field << 3 | wireType));

    private static void WriteVarint(Stream stream, ulong value)
    {
        for (; value >= 0x80; value >>= 7) stream.WriteByte((byte)(value | 0x80));
        stream.WriteByte((byte)value);
    }
}
