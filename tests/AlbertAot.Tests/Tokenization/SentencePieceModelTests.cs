using System.IO;
using System.Text;
using AlbertAot.Tokenization;
using Xunit;

namespace AlbertAot.Tests.Tokenization;

public sealed class SentencePieceModelTests
{
    [SkippableFact]
    public void RealModelReadsAsAlbertsSpecSays()
    {
        SentencePieceModel model = SentencePieceModel.Parse(File.ReadAllBytes(TokenizerFiles.RequireShared("albert/spiece.model")));

        Assert.Equal(30000, model.Pieces.Length);
        Assert.Equal(["<pad>", "<unk>", "[CLS]", "[SEP]", "[MASK]", "(", ")", "\"", "-", ".", "–", "£", "€", "▁"], model.Pieces[..14]);
        Assert.Equal(
            [SentencePieceType.Control, SentencePieceType.Unknown, SentencePieceType.Control, SentencePieceType.Control, SentencePieceType.Control],
            model.Types[..5]);
        Assert.All(model.Types[5..13], t => Assert.Equal(SentencePieceType.UserDefined, t));
        Assert.All(model.Types[13..], t => Assert.Equal(SentencePieceType.Normal, t));
        Assert.Equal(-2.1889710426330566f, model.Scores[13]);
        Assert.Equal((1, -1, -1, 0), (model.UnkId, model.BosId, model.EosId, model.PadId));
        Assert.Equal("nmt_nfkc", model.NormalizerName);
        Assert.Equal(237539, model.PrecompiledCharsmap.Length);
        Assert.True(model.AddDummyPrefix && model.RemoveExtraWhitespaces && model.EscapeWhitespaces && !model.TreatWhitespaceAsSuffix);
        Assert.Equal(" \u2047 ", model.UnkSurface);
    }

    [Fact]
    public void FixtureModelTakesTheProtoDefaults()
    {
        // The fixture's normalizer_spec stores only its name and charsmap: the flags are the proto's defaults (true).
        SentencePieceModel model = SentencePieceModel.Parse(File.ReadAllBytes(TokenizerFiles.FixtureModelPath));

        Assert.Equal(1000, model.Pieces.Length);
        Assert.True(model.AddDummyPrefix && model.RemoveExtraWhitespaces && model.EscapeWhitespaces);
        Assert.Equal(1, model.UnkId);
        Assert.Equal(5, model.FindPiece("("));
        Assert.Equal(-1, model.FindPiece("no such piece"));
        Assert.Equal(model.UnkId, model.PieceToId("no such piece"));
    }

    [Fact]
    public void MalformedProtobufIsReportedWithItsPosition()
    {
        var truncated = Assert.Throws<InvalidDataException>(() => SentencePieceModel.Parse([0x0A, 0x05, 0x0A]));
        Assert.Equal("Not a valid protobuf SentencePiece ModelProto: a field of 5 bytes runs past the end (1 bytes left) (at byte 2).", truncated.Message);
        Assert.Throws<InvalidDataException>(() => SentencePieceModel.Parse([0x0B]));   // wire type 3 (groups) never occurs
        var duplicate = Assert.Throws<InvalidDataException>(() => SentencePieceModel.Parse(ModelProtoBytes.Build([("<unk>", 0, 2), ("a", -1, 1), ("a", -2, 1)])));
        Assert.Equal("Not a SentencePiece model: piece \"a\" is defined twice (ids 1 and 2).", duplicate.Message);
        var badType = Assert.Throws<InvalidDataException>(() => SentencePieceModel.Parse(ModelProtoBytes.Build([("<unk>", 0, 2), ("a", -1, 9)])));
        Assert.Equal("Not a SentencePiece model: piece 1 has type 9, which is not a piece type (1-6).", badType.Message);
    }

    [SkippableFact]
    public void NormalizerAppliesTheCharsmapAndWhitespaceRules()
    {
        var normalizer = new SentencePieceNormalizer(SentencePieceModel.Parse(File.ReadAllBytes(TokenizerFiles.RequireShared("albert/spiece.model"))));

        Assert.Equal("▁a▁b", Normalize(normalizer, "  a  b  "));
        // nmt_nfkc: NFKC, and the 30 control characters deleted; ALBERT's pre-2021 table makes U+200D a space.
        Assert.Equal("▁ab", Normalize(normalizer, "a\u0001\u001f\u007f\u008f\u009fb"));
        Assert.Equal("▁a▁b", Normalize(normalizer, "a\u200Db"));
        Assert.Equal("▁hello!", Normalize(normalizer, "Ｈｅｌｌｏ！").ToLowerInvariant());
        Assert.Equal("", Normalize(normalizer, "\u0001 \u0002"));

        NormalizedUtf8 normalized = normalizer.Normalize(Encoding.UTF8.GetBytes("  xy"));
        Assert.Equal([2, 2, 2, 2, 3, 4], normalized.ToInput);   // "▁" inserted at 2, then x and y, then the end
    }

    private static string Normalize(SentencePieceNormalizer normalizer, string text) =>
        Encoding.UTF8.GetString(normalizer.Normalize(Encoding.UTF8.GetBytes(text)).Bytes);
}
