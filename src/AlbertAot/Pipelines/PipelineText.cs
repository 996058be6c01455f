using System;
using System.Collections.Generic;
using System.Text;
using AlbertAot.Tokenization;

namespace AlbertAot.Pipelines;

/// <summary>
/// What HF's fast ALBERT tokenizer reports beyond the ids, rebuilt from an <see cref="AlbertEncoding"/>: word ids
/// (<c>encoding.word_ids()</c>), the tokens-to-text decoder (<c>convert_tokens_to_string</c>) and Python's character
/// offsets.
/// </summary>
public static class PipelineText
{
    private const char SpaceSymbol = '\u2581';

    /// <summary>
    /// HF's <c>word_ids()</c> for an encoding: the word each token belongs to within its sequence (numbered from 0 in
    /// each), null for the added <c>[CLS]</c>, <c>[SEP]</c> and padding. The fast tokenizer's Metaspace pre-tokenizer
    /// splits on spaces (a word starts at each piece that starts with ▁), and added tokens (the model's user-defined
    /// symbols such as <c>.</c> and <c>-</c>, and special tokens written in the text) are words of their own, so the
    /// piece after one starts a new word too.
    /// </summary>
    public static int?[] WordIds(AlbertTokenizer tokenizer, AlbertEncoding encoding, string text, string? textPair = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(encoding);
        ArgumentNullException.ThrowIfNull(text);
        var words = new int?[encoding.Length];
        int word = -1;
        int? sequence = null;
        bool previousAdded = false;
        for (int t = 0; t < encoding.Length; t++)
        {
            int? s = encoding.SequenceIds[t];
            if (s is null) continue;
            if (s != sequence)
            {
                sequence = s;
                word = -1;
                previousAdded = false;
            }
            string source = s == 1 ? textPair ?? text : text;
            bool added = IsAddedToken(tokenizer, encoding.InputIds[t], source, encoding.Offsets[t]);
            if (word < 0 || added || previousAdded || encoding.Tokens[t].Length > 0 && encoding.Tokens[t][0] == SpaceSymbol) word++;
            words[t] = word;
            previousAdded = added;
        }
        return words;
    }

    /// <summary>
    /// Whether the fast tokenizer has this token as an added token: a user-defined symbol of the SentencePiece model, or
    /// a special token written in the text (<c>&lt;unk&gt;</c> only when the text says "&lt;unk&gt;": an unknown
    /// character is an ordinary piece of its word).
    /// </summary>
    internal static bool IsAddedToken(AlbertTokenizer tokenizer, int id, string source, (int Start, int End) offsets)
    {
        if (tokenizer.IsUserDefinedId(id)) return true;
        if (id == tokenizer.UnkId)
            return source.AsSpan(offsets.Start, offsets.End - offsets.Start).Trim().SequenceEqual(AlbertTokenizer.UnkToken);
        return tokenizer.IsSpecialId(id);
    }

    /// <summary>
    /// HF's <c>convert_tokens_to_string</c> for the fast ALBERT tokenizer (its Metaspace decoder): each ▁ becomes a
    /// space, except that the first token loses its ▁; the tokens are joined as they are (so whole words given as
    /// tokens are joined without spaces, as HF's token-classification groups are).
    /// </summary>
    public static string TokensToString(IEnumerable<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var text = new StringBuilder();
        bool first = true;
        foreach (string token in tokens)
        {
            foreach (char c in token)
            {
                if (c != SpaceSymbol) text.Append(c);
                else if (!first) text.Append(' ');
            }
            first = false;
        }
        return text.ToString();
    }

    /// <summary>
    /// A UTF-16 index of <paramref name="text"/> as Python's <c>str</c> counts it (code points): what HF's offsets are.
    /// Equal to the UTF-16 index for text without characters outside the Basic Multilingual Plane.
    /// </summary>
    public static int ToCodePointIndex(string text, int utf16Index)
    {
        ArgumentNullException.ThrowIfNull(text);
        if ((uint)utf16Index > (uint)text.Length) throw new ArgumentOutOfRangeException(nameof(utf16Index), utf16Index, $"The text has {text.Length} UTF-16 units.");
        int index = utf16Index;
        for (int i = 1; i < utf16Index; i++)
            if (char.IsLowSurrogate(text[i]) && char.IsHighSurrogate(text[i - 1])) index--;
        return index;
    }

    /// <summary>The tokenizer of a model, or an exception naming what is missing.</summary>
    internal static AlbertTokenizer RequireTokenizer(IAlbertModel model, string pipeline) => model.Tokenizer ?? throw new InvalidOperationException(
        $"{pipeline} reads text, and checkpoint '{model.Config.CheckpointName}' was compiled without a tokenizer: give its AlbertCheckpoint a spiece.model (or Tokenizer=\"...\").");

    /// <summary>Softmax in double of float32 logits (HF's numpy softmax in float32 differs by rounding only).</summary>
    internal static double[] Softmax(ReadOnlySpan<float> logits)
    {
        double max = double.NegativeInfinity;
        foreach (float l in logits) max = Math.Max(max, l);
        double sum = 0;
        var p = new double[logits.Length];
        for (int i = 0; i < p.Length; i++) sum += p[i] = Math.Exp(logits[i] - max);
        for (int i = 0; i < p.Length; i++) p[i] /= sum;
        return p;
    }
}
