using System.IO;
using System.Text.Json;
using AlbertAot.Tokenization;
using Xunit;

namespace AlbertAot.Tests.Tokenization;

/// <summary>Offsets as HF's fast tokenizer reports them (../shared/pipeline-cases/README.md).</summary>
public sealed class TokenizerOffsetTests
{
    [Fact]
    public void WordInitialPiecesIncludeTheSpaceBeforeThem()
    {
        AlbertEncoding encoding = TokenizerFiles.Fixture.Encode("And God said");

        Assert.Equal(["[CLS]", "▁and", "▁god", "▁said", "[SEP]"], encoding.Tokens);
        Assert.Equal([(0, 0), (0, 3), (3, 7), (7, 12), (0, 0)], encoding.Offsets);
    }

    [Fact]
    public void OfSeveralSpacesOnlyTheLastIsIncluded()
    {
        AlbertEncoding encoding = TokenizerFiles.Fixture.Encode("  And \t God   said ");

        Assert.Equal([(0, 0), (1, 5), (7, 11), (13, 18), (0, 0)], encoding.Offsets);
    }

    [Fact]
    public void ExpandedAndAccentedCharactersMapToTheirSource()
    {
        // "É" loses its accent (NFKD, combining mark dropped) and "ﬁ" becomes "fi": each stays one source character.
        // A "▁" piece of its own at the start of the text stands with the first character, as the fast tokenizer's prefix does.
        AlbertEncoding encoding = TokenizerFiles.Fixture.Encode("Éden ﬁrst");

        Assert.Equal(["[CLS]", "▁", "ed", "en", "▁first", "[SEP]"], encoding.Tokens);
        Assert.Equal([(0, 0), (0, 1), (0, 2), (2, 4), (4, 9), (0, 0)], encoding.Offsets);
    }

    [Fact]
    public void EveryPieceSlicesItsOwnSurface()
    {
        const string text = "And God saw the light, that it was good: and God divided the light from the darkness.";
        AlbertEncoding encoding = TokenizerFiles.Fixture.Encode(text, "And the evening and the morning were the first day.");

        for (int i = 0; i < encoding.Length; i++)
        {
            if (encoding.SequenceIds[i] is not int sequence) continue;
            string source = sequence == 0 ? text : "And the evening and the morning were the first day.";
            (int start, int end) = encoding.Offsets[i];
            Assert.Equal(encoding.Tokens[i].Replace('▁', ' ').TrimStart(), source[start..end].ToLowerInvariant().TrimStart());
            Assert.Equal(encoding.Tokens[i][0] == '▁' && start > 0, source[start] == ' ');
        }
    }

    [SkippableFact]
    public void TokenClassificationCasesGiveTheFastTokenizersOffsets()
    {
        // The token-classification cases without aggregation report (index, word, start, end) for their tokens,
        // from HF's AlbertTokenizerFast on the 1000-piece fixture tokenizer. An <unk> token is reported by its text.
        string cases = TokenizerFiles.RequireShared("pipeline-cases/public.jsonl");
        int checkedTokens = 0;
        foreach (string line in File.ReadLines(cases))
        {
            using JsonDocument document = JsonDocument.Parse(line);
            JsonElement c = document.RootElement;
            if (c.GetProperty("pipeline").GetString() != "token-classification"
                || c.GetProperty("parameters").GetProperty("aggregation_strategy").GetString() != "none") continue;
            string text = c.GetProperty("inputs").GetString()!;
            AlbertEncoding encoding = TokenizerFiles.Fixture.Encode(text);
            foreach (JsonElement token in c.GetProperty("expected").EnumerateArray())
            {
                int index = token.GetProperty("index").GetInt32();
                (int start, int end) = (token.GetProperty("start").GetInt32(), token.GetProperty("end").GetInt32());
                string word = encoding.InputIds[index] == TokenizerFiles.Fixture.UnkId ? text[start..end] : encoding.Tokens[index];
                Assert.True((token.GetProperty("word").GetString(), start, end) == (word, encoding.Offsets[index].Start, encoding.Offsets[index].End),
                    $"{c.GetProperty("id")} token {index}: expected {token}, got {encoding.Tokens[index]} {encoding.Offsets[index]}");
                checkedTokens++;
            }
        }
        Assert.True(checkedTokens > 100, $"only {checkedTokens} tokens checked");
    }
}
