using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using AlbertAot.Tokenization;
using Xunit;

namespace AlbertAot.Tests.Tokenization;

public sealed class AlbertTokenizerTests
{
    private const string Genesis = "In the beginning God created the heaven and the earth. And the earth was without form, and void; " +
        "and darkness was upon the face of the deep. And the Spirit of God moved upon the face of the waters.";

    [SkippableFact]
    public void ModelCardSentenceGivesThePublishedIds()
    {
        AlbertEncoding encoding = TokenizerFiles.Real.Encode("Hello I'm a [MASK] model.");

        Assert.Equal([2, 10975, 31, 22, 79, 21, 4, 1061, 9, 3], encoding.InputIds);
        Assert.Equal(["[CLS]", "▁hello", "▁i", "'", "m", "▁a", "[MASK]", "▁model", ".", "[SEP]"], encoding.Tokens);
        Assert.All(encoding.TokenTypeIds, t => Assert.Equal(0, t));
        Assert.All(encoding.AttentionMask, m => Assert.Equal(1, m));
        Assert.Equal("hello i'm a model.", TokenizerFiles.Real.Decode(encoding.InputIds));
    }

    [SkippableFact]
    public void RealVocabularyHasAlbertsLayout()
    {
        AlbertTokenizer tokenizer = TokenizerFiles.Real;

        Assert.Equal(30000, tokenizer.VocabSize);
        Assert.Equal((0, 1, 2, 3, 4), (tokenizer.PadId, tokenizer.UnkId, tokenizer.ClsId, tokenizer.SepId, tokenizer.MaskId));
        Assert.Equal("▁", tokenizer.IdToToken(13));
        Assert.Equal(10975, tokenizer.TokenToId("▁hello"));
        Assert.Null(tokenizer.TokenToId("▁no-such-piece"));
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.IdToToken(30000));
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([2, -1]));
    }

    [SkippableFact]
    public void TiesAreBrokenAsSentencePieceBreaksThem()
    {
        // Several segmentations score the same here; sentencepiece's float32/double arithmetic picks these.
        AlbertTokenizer tokenizer = TokenizerFiles.Real;

        Assert.Equal(["[CLS]", "▁", "(", "zz", "zz", "zz", "z", ")", "[SEP]"], tokenizer.Encode("(zzzzzzz)").Tokens);
        Assert.Equal([2, 334, 3483, 3483, 23170, 38, 187, 1389, 9, 3], tokenizer.Encode("B9999999t! Wrong.").InputIds);
        // A run of characters the vocabulary lacks is one <unk>.
        Assert.Equal(["[CLS]", "▁", "(", "<unk>", ")", "[SEP]"], tokenizer.Encode("(______________)").Tokens);
    }

    [SkippableFact]
    public void DigitCommaPiecesAreSplit()
    {
        AlbertEncoding encoding = TokenizerFiles.Real.Encode("In 2010, 3,000 people");

        Assert.Equal(["[CLS]", "▁in", "▁2010", ",", "▁3,000", "▁people", "[SEP]"], encoding.Tokens);
        Assert.Equal([(0, 0), (0, 2), (2, 7), (7, 8), (8, 14), (14, 21), (0, 0)], encoding.Offsets);
    }

    [SkippableFact]
    public void SpecialTokensAreRecognisedAfterLowerCasing()
    {
        AlbertTokenizer tokenizer = TokenizerFiles.Real;

        AlbertEncoding encoding = tokenizer.Encode("a [MASK]  [MASK] b<PAD>");
        Assert.Equal(["[CLS]", "▁a", "[MASK]", "[MASK]", "▁b", "<pad>", "[SEP]"], encoding.Tokens);
        // [MASK] takes the whitespace before it (HF's lstrip); <PAD> was lower-cased into <pad>.
        Assert.Equal([(0, 0), (0, 1), (1, 8), (8, 16), (16, 18), (18, 23), (0, 0)], encoding.Offsets);
        // Only the exact spelling is special: [mask] is text.
        Assert.DoesNotContain(tokenizer.MaskId, tokenizer.Encode("a [mask] b").InputIds);
    }

    [SkippableFact]
    public void DecodeKeepsSpecialTokensAsHfWritesThem()
    {
        AlbertTokenizer tokenizer = TokenizerFiles.Real;
        int[] ids = tokenizer.Encode("Hello I'm a [MASK] model.").InputIds;

        // AlbertTokenizer.convert_tokens_to_string puts the space before a run of pieces, not before the special token.
        Assert.Equal("[CLS] hello i'm a[MASK] model.[SEP]", tokenizer.Decode(ids, skipSpecialTokens: false));
        Assert.Equal("hello, world. it's", tokenizer.Decode(tokenizer.Encode("hello , world . it 's").InputIds, cleanUpTokenizationSpaces: true));
        Assert.Equal("hello , world . it 's", tokenizer.Decode(tokenizer.Encode("hello , world . it 's").InputIds));
    }

    [Fact]
    public void FixtureTokenizerLoadsAndRoundTrips()
    {
        AlbertTokenizer tokenizer = TokenizerFiles.Fixture;
        using FileStream stream = File.OpenRead(TokenizerFiles.FixtureModelPath);
        AlbertTokenizer fromStream = AlbertTokenizer.Load(stream);

        Assert.Equal(1000, tokenizer.VocabSize);
        Assert.Equal((0, 1, 2, 3, 4), (tokenizer.PadId, tokenizer.UnkId, tokenizer.ClsId, tokenizer.SepId, tokenizer.MaskId));
        AlbertEncoding encoding = tokenizer.Encode(Genesis);
        Assert.Equal(encoding.InputIds, fromStream.Encode(Genesis).InputIds);
        Assert.DoesNotContain(tokenizer.UnkId, encoding.InputIds);
        Assert.Equal(Genesis.ToLowerInvariant(), tokenizer.Decode(encoding.InputIds));
        Assert.Equal(encoding.InputIds, tokenizer.Encode(tokenizer.Decode(encoding.InputIds)).InputIds);
    }

    [Fact]
    public void NonSentencePieceDataGivesAClearError()
    {
        string config = Path.Combine(AppContext.BaseDirectory, "data", "fixtures", "tiny-heads", "base", "config.json");
        string weights = Path.Combine(AppContext.BaseDirectory, "data", "fixtures", "tiny-heads", "base", "model.safetensors");

        var json = Assert.Throws<InvalidDataException>(() => AlbertTokenizer.Load(File.ReadAllBytes(config)));
        Assert.StartsWith("Not a valid protobuf SentencePiece ModelProto:", json.Message);
        Assert.Throws<InvalidDataException>(() => AlbertTokenizer.Load(File.ReadAllBytes(weights)));
        var empty = Assert.Throws<InvalidDataException>(() => AlbertTokenizer.Load(ReadOnlySpan<byte>.Empty));
        Assert.Equal("Not a SentencePiece model: it has no pieces.", empty.Message);
        var noUnknown = Assert.Throws<InvalidDataException>(() => AlbertTokenizer.Load(ModelProtoBytes.Build([("a", -1f, 1)])));
        Assert.Equal("Not a SentencePiece model: no piece has type UNKNOWN.", noUnknown.Message);
    }

    [Fact]
    public void SentencePieceModelsThatAreNotAlbertsAreRefused()
    {
        var notAlbert = Assert.Throws<InvalidDataException>(() => AlbertTokenizer.Load(ModelProtoBytes.Build([("<unk>", 0f, 2), ("a", -1f, 1)])));
        Assert.Contains("has no piece \"<pad>\", so it is not an ALBERT tokenizer", notAlbert.Message);
        var bpe = Assert.Throws<NotSupportedException>(() => AlbertTokenizer.Load(ModelProtoBytes.Build([("<unk>", 0f, 2)], modelType: 2)));
        Assert.Contains("only Unigram models", bpe.Message);
    }

    [Fact]
    public void SingleSequencesAreTruncatedAtTheEnd()
    {
        AlbertTokenizer tokenizer = TokenizerFiles.Fixture;
        int[] full = tokenizer.Encode(Genesis).InputIds;

        AlbertEncoding truncated = tokenizer.Encode(Genesis, maxLength: 8);

        Assert.Equal(full[..7].Append(tokenizer.SepId), truncated.InputIds);
        // HF leaves a sequence whole (and logs an error) when it cannot lose enough tokens to fit.
        Assert.Equal(tokenizer.Encode("and god").InputIds, tokenizer.Encode("and god", maxLength: 2).InputIds);
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Encode("x", maxLength: 0));
    }

    [Fact]
    public void PairsAreTruncatedLongestFirst()
    {
        AlbertTokenizer tokenizer = TokenizerFiles.Fixture;
        const string six = "and god said let there be";   // 6 tokens
        const string three = "and there was";              // 3 tokens
        Assert.Equal(6 + 2, tokenizer.Encode(six).Length);
        Assert.Equal(3 + 2, tokenizer.Encode(three).Length);

        // 6 + 3 + 3 specials = 12 > 9: the longer first text loses 3.
        AlbertEncoding longerFirst = tokenizer.Encode(six, three, maxLength: 9);
        Assert.Equal([0, 0, 0, 0, 0, 1, 1, 1, 1], longerFirst.TokenTypeIds);
        Assert.Equal([null, 0, 0, 0, null, 1, 1, 1, null], longerFirst.SequenceIds);
        // 3 + 3 + 3 = 9 > 7: on a tie the second text loses first, then they alternate.
        AlbertEncoding tie = tokenizer.Encode(three, three, maxLength: 7);
        Assert.Equal([0, 0, 0, 0, 1, 1, 1], tie.TokenTypeIds);
        AlbertEncoding tieOdd = tokenizer.Encode(three, three, maxLength: 8);
        Assert.Equal([0, 0, 0, 0, 0, 1, 1, 1], tieOdd.TokenTypeIds);
        Assert.Equal(tokenizer.Encode(three).InputIds[..4], tieOdd.InputIds[..4]);
    }

    [Fact]
    public void PaddingAppendsPadWithMaskZero()
    {
        AlbertTokenizer tokenizer = TokenizerFiles.Fixture;

        AlbertEncoding padded = tokenizer.Encode("and god", maxLength: 6, padToMaxLength: true);

        Assert.Equal([2, tokenizer.Encode("and god").InputIds[1], tokenizer.Encode("and god").InputIds[2], 3, 0, 0], padded.InputIds);
        Assert.Equal([1, 1, 1, 1, 0, 0], padded.AttentionMask);
        Assert.Equal([0, 0, 0, 0, 0, 0], padded.TokenTypeIds);
        Assert.Equal("<pad>", padded.Tokens[^1]);
        Assert.Equal((0, 0), padded.Offsets[^1]);
        Assert.Null(padded.SequenceIds[^1]);
        Assert.Throws<ArgumentException>(() => tokenizer.Encode("x", padToMaxLength: true));
    }

    [Fact]
    public void BatchesArePaddedToTheLongestOrTheMaximum()
    {
        AlbertTokenizer tokenizer = TokenizerFiles.Fixture;
        string[] texts = ["and god", Genesis, "light"];
        string[] pairTexts = ["light", "was", "and there was light"];

        IReadOnlyList<AlbertEncoding> longest = tokenizer.EncodeBatch(texts);
        IReadOnlyList<AlbertEncoding> unpadded = tokenizer.EncodeBatch(texts, padding: AlbertPadding.None);
        IReadOnlyList<AlbertEncoding> toMax = tokenizer.EncodeBatch(texts, maxLength: 16, padding: AlbertPadding.MaxLength);
        IReadOnlyList<AlbertEncoding> pairs = tokenizer.EncodeBatch(texts, pairTexts);

        int longestLength = tokenizer.Encode(Genesis).Length;
        Assert.All(longest, e => Assert.Equal(longestLength, e.Length));
        for (int i = 0; i < texts.Length; i++)
        {
            int[] alone = tokenizer.Encode(texts[i]).InputIds;
            Assert.Equal(alone, unpadded[i].InputIds);
            Assert.Equal(alone, longest[i].InputIds[..alone.Length]);
            Assert.All(longest[i].InputIds[alone.Length..], id => Assert.Equal(tokenizer.PadId, id));
            Assert.Equal(alone.Length, longest[i].AttentionMask.Sum());
            Assert.Equal(16, toMax[i].Length);
            Assert.Equal(tokenizer.Encode(texts[i], pairTexts[i]).InputIds, pairs[i].InputIds[..pairs[i].AttentionMask.Sum()]);
        }
        Assert.Throws<ArgumentException>(() => tokenizer.EncodeBatch(texts, ["one pair"]));
        Assert.Throws<ArgumentException>(() => tokenizer.EncodeBatch(texts, padding: AlbertPadding.MaxLength));
    }

    [Fact]
    public void SpecialTokensCanBeLeftOut()
    {
        AlbertTokenizer tokenizer = TokenizerFiles.Fixture;
        int[] withSpecials = tokenizer.Encode("and god", "said").InputIds;

        AlbertEncoding bare = tokenizer.Encode("and god", "said", addSpecialTokens: false);

        Assert.Equal(withSpecials.Where(id => id != tokenizer.ClsId && id != tokenizer.SepId), bare.InputIds);
        Assert.Equal([0, 0, 1], bare.TokenTypeIds);
    }
}
