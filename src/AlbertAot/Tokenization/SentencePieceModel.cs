using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace AlbertAot.Tokenization;

/// <summary>The type of a piece (sentencepiece's ModelProto.SentencePiece.Type).</summary>
internal enum SentencePieceType
{
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6,
}

/// <summary>
/// The contents of a spiece.model file (a serialized sentencepiece ModelProto) that encoding and decoding use:
/// the pieces with their scores and types, the trainer_spec ids, and the normalizer_spec.
/// </summary>
internal sealed class SentencePieceModel
{
    private const int UnigramModelType = 1;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Dictionary<string, int> _idsByPiece;

    private SentencePieceModel(string[] pieces, float[] scores, SentencePieceType[] types, TrainerSpec trainer, NormalizerSpec normalizer)
    {
        Pieces = pieces;
        Scores = scores;
        Types = types;
        BosId = trainer.BosId;
        EosId = trainer.EosId;
        PadId = trainer.PadId;
        UnkSurface = trainer.UnkSurface;
        TreatWhitespaceAsSuffix = trainer.TreatWhitespaceAsSuffix;
        NormalizerName = normalizer.Name;
        PrecompiledCharsmap = normalizer.PrecompiledCharsmap;
        AddDummyPrefix = normalizer.AddDummyPrefix;
        RemoveExtraWhitespaces = normalizer.RemoveExtraWhitespaces;
        EscapeWhitespaces = normalizer.EscapeWhitespaces;

        _idsByPiece = new Dictionary<string, int>(pieces.Length, StringComparer.Ordinal);
        UnkId = -1;
        for (int id = 0; id < pieces.Length; id++)
        {
            if (pieces[id].Length == 0) throw NotAModel($"piece {id} is empty");
            if (!_idsByPiece.TryAdd(pieces[id], id)) throw NotAModel($"piece \"{pieces[id]}\" is defined twice (ids {_idsByPiece[pieces[id]]} and {id})");
            if (types[id] != SentencePieceType.Unknown) continue;
            if (UnkId >= 0) throw NotAModel($"pieces {UnkId} and {id} are both of type UNKNOWN");
            UnkId = id;
        }
        if (UnkId < 0) throw NotAModel("no piece has type UNKNOWN");
    }

    /// <summary>The pieces by id, e.g. "▁hello".</summary>
    public string[] Pieces { get; }

    /// <summary>The log-probability of each piece (0 for non-NORMAL pieces).</summary>
    public float[] Scores { get; }

    /// <summary>The type of each piece.</summary>
    public SentencePieceType[] Types { get; }

    /// <summary>The id of the UNKNOWN piece: sentencepiece takes it from the piece types, not from trainer_spec.unk_id.</summary>
    public int UnkId { get; }

    /// <summary>trainer_spec.bos_id as stored: -1 = none, as in ALBERT's model (the value Microsoft.ML.Tokenizers 2.0.1 cannot load).</summary>
    public int BosId { get; }

    /// <summary>trainer_spec.eos_id as stored: -1 = none, as in ALBERT's model.</summary>
    public int EosId { get; }

    /// <summary>trainer_spec.pad_id as stored: -1 = none.</summary>
    public int PadId { get; }

    /// <summary>What decoding writes for the UNKNOWN piece itself (trainer_spec.unk_surface, default " ⁇ ").</summary>
    public string UnkSurface { get; }

    /// <summary>trainer_spec.treat_whitespace_as_suffix: the dummy "▁" goes at the end instead of the start.</summary>
    public bool TreatWhitespaceAsSuffix { get; }

    /// <summary>normalizer_spec.name, e.g. "nmt_nfkc" (informational: the charsmap is what applies).</summary>
    public string NormalizerName { get; }

    /// <summary>normalizer_spec.precompiled_charsmap: a Darts trie plus replacement strings; empty = no mapping.</summary>
    public byte[] PrecompiledCharsmap { get; }

    /// <summary>normalizer_spec.add_dummy_prefix (default true).</summary>
    public bool AddDummyPrefix { get; }

    /// <summary>normalizer_spec.remove_extra_whitespaces (default true).</summary>
    public bool RemoveExtraWhitespaces { get; }

    /// <summary>normalizer_spec.escape_whitespaces (default true): spaces become "▁".</summary>
    public bool EscapeWhitespaces { get; }

    /// <summary>The id of a piece, or -1 when the model has no such piece.</summary>
    public int FindPiece(string piece) => _idsByPiece.TryGetValue(piece, out int id) ? id : -1;

    /// <summary>sentencepiece's PieceToId: the piece's id, or the UNKNOWN id for any other string.</summary>
    public int PieceToId(string piece) => _idsByPiece.TryGetValue(piece, out int id) ? id : UnkId;

    /// <summary>Parses a serialized ModelProto.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a SentencePiece model.</exception>
    /// <exception cref="NotSupportedException">A SentencePiece model this implementation does not handle (not Unigram, byte fallback, a denormalizer).</exception>
    public static SentencePieceModel Parse(ReadOnlySpan<byte> data)
    {
        var pieces = new List<string>();
        var scores = new List<float>();
        var types = new List<SentencePieceType>();
        TrainerSpec trainer = new();
        NormalizerSpec normalizer = new();
        bool hasDenormalizer = false;

        var reader = new ProtobufReader(data, "SentencePiece ModelProto");
        while (reader.TryReadField(out int field))
        {
            switch (field)
            {
                case 1: ReadPiece(reader.ReadLengthDelimitedField(), pieces, scores, types); break;
                case 2: trainer = ReadTrainerSpec(reader.ReadLengthDelimitedField()); break;
                case 3: normalizer = ReadNormalizerSpec(reader.ReadLengthDelimitedField()); break;
                case 5: hasDenormalizer = ReadNormalizerSpec(reader.ReadLengthDelimitedField()).PrecompiledCharsmap.Length > 0; break;
                default: reader.SkipField(); break;
            }
        }
        if (pieces.Count == 0) throw NotAModel("it has no pieces");
        if (trainer.ModelType != UnigramModelType)
            throw new NotSupportedException($"The SentencePiece model is of type {trainer.ModelType} (1 = Unigram, 2 = BPE, 3 = word, 4 = char); only Unigram models, as ALBERT's, are supported.");
        if (trainer.ByteFallback)
            throw new NotSupportedException("The SentencePiece model uses byte fallback, which ALBERT's tokenizer never does; it is not supported.");
        if (hasDenormalizer)
            throw new NotSupportedException("The SentencePiece model has a denormalizer (denormalizer_spec with a charsmap); it is not supported.");
        return new SentencePieceModel(pieces.ToArray(), scores.ToArray(), types.ToArray(), trainer, normalizer);
    }

    private static void ReadPiece(ReadOnlySpan<byte> message, List<string> pieces, List<float> scores, List<SentencePieceType> types)
    {
        string? piece = null;
        float score = 0;
        var type = SentencePieceType.Normal;
        var reader = new ProtobufReader(message, "SentencePiece ModelProto.SentencePiece");
        while (reader.TryReadField(out int field))
        {
            switch (field)
            {
                case 1: piece = Utf8(reader.ReadLengthDelimitedField(), "a piece"); break;
                case 2: score = reader.ReadFloatField(); break;
                case 3:
                    ulong value = reader.ReadVarintField();
                    if (value is < 1 or > 6) throw NotAModel($"piece {pieces.Count} has type {value}, which is not a piece type (1-6)");
                    type = (SentencePieceType)value;
                    break;
                default: reader.SkipField(); break;
            }
        }
        pieces.Add(piece ?? throw NotAModel($"piece {pieces.Count} has no text"));
        scores.Add(score);
        types.Add(type);
    }

    private static TrainerSpec ReadTrainerSpec(ReadOnlySpan<byte> message)
    {
        var spec = new TrainerSpec();
        var reader = new ProtobufReader(message, "SentencePiece TrainerSpec");
        while (reader.TryReadField(out int field))
        {
            switch (field)
            {
                case 3: spec.ModelType = reader.ReadInt32Field(); break;
                case 24: spec.TreatWhitespaceAsSuffix = reader.ReadBoolField(); break;
                case 35: spec.ByteFallback = reader.ReadBoolField(); break;
                case 41: spec.BosId = reader.ReadInt32Field(); break;
                case 42: spec.EosId = reader.ReadInt32Field(); break;
                case 43: spec.PadId = reader.ReadInt32Field(); break;
                case 44: spec.UnkSurface = Utf8(reader.ReadLengthDelimitedField(), "trainer_spec.unk_surface"); break;
                default: reader.SkipField(); break;
            }
        }
        return spec;
    }

    private static NormalizerSpec ReadNormalizerSpec(ReadOnlySpan<byte> message)
    {
        var spec = new NormalizerSpec();
        var reader = new ProtobufReader(message, "SentencePiece NormalizerSpec");
        while (reader.TryReadField(out int field))
        {
            switch (field)
            {
                case 1: spec.Name = Utf8(reader.ReadLengthDelimitedField(), "normalizer_spec.name"); break;
                case 2: spec.PrecompiledCharsmap = reader.ReadLengthDelimitedField().ToArray(); break;
                case 3: spec.AddDummyPrefix = reader.ReadBoolField(); break;
                case 4: spec.RemoveExtraWhitespaces = reader.ReadBoolField(); break;
                case 5: spec.EscapeWhitespaces = reader.ReadBoolField(); break;
                default: reader.SkipField(); break;
            }
        }
        return spec;
    }

    private static string Utf8(ReadOnlySpan<byte> bytes, string what)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw NotAModel($"{what} is not valid UTF-8");
        }
    }

    private static InvalidDataException NotAModel(string problem) => new($"Not a SentencePiece model: {problem}.");

    // Field defaults are sentencepiece_model.proto's.
    private sealed class TrainerSpec
    {
        public int ModelType = UnigramModelType;
        public bool TreatWhitespaceAsSuffix;
        public bool ByteFallback;
        public int BosId = 1;
        public int EosId = 2;
        public int PadId = -1;
        public string UnkSurface = " \u2047 ";
    }

    private sealed class NormalizerSpec
    {
        public string Name = "";
        public byte[] PrecompiledCharsmap = [];
        public bool AddDummyPrefix = true;
        public bool RemoveExtraWhitespaces = true;
        public bool EscapeWhitespaces = true;
    }
}
