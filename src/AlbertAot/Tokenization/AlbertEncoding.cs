namespace AlbertAot.Tokenization;

/// <summary>
/// A text (or text pair) encoded for ALBERT: what HF's tokenizer returns as input_ids, token_type_ids and
/// attention_mask, plus the tokens and, as HF's fast tokenizer reports them, where each came from.
/// All arrays have one entry per position, padding included.
/// </summary>
public sealed class AlbertEncoding
{
    internal AlbertEncoding(int[] inputIds, int[] tokenTypeIds, int[] attentionMask, string[] tokens, (int Start, int End)[] offsets, int?[] sequenceIds)
    {
        InputIds = inputIds;
        TokenTypeIds = tokenTypeIds;
        AttentionMask = attentionMask;
        Tokens = tokens;
        Offsets = offsets;
        SequenceIds = sequenceIds;
    }

    /// <summary>Token ids: <c>[CLS] A [SEP]</c> or <c>[CLS] A [SEP] B [SEP]</c>, then padding.</summary>
    public int[] InputIds { get; }

    /// <summary>0 for <c>[CLS]</c>, the first text and its <c>[SEP]</c>; 1 for the second text and its <c>[SEP]</c>; 0 for padding.</summary>
    public int[] TokenTypeIds { get; }

    /// <summary>1 for real tokens, 0 for padding.</summary>
    public int[] AttentionMask { get; }

    /// <summary>The vocabulary entry of each id, e.g. <c>"▁hello"</c>, <c>"&lt;unk&gt;"</c>, <c>"[CLS]"</c>.</summary>
    public string[] Tokens { get; }

    /// <summary>
    /// Each token's span [Start, End) in its source text (the first text, or the pair text where
    /// <see cref="SequenceIds"/> is 1), in UTF-16 code units: <c>text[Start..End]</c>. These equal HF's character
    /// offsets (Python code points) whenever the text has no character outside the Basic Multilingual Plane.
    /// Following HF's fast tokenizer: a word-initial piece's span includes the whitespace character before the word
    /// (the last one of a run), a character that normalization expands belongs whole to every piece made from it, a
    /// special token written in the text has its own span ([MASK] with the whitespace before it), and the added
    /// <c>[CLS]</c>, <c>[SEP]</c> and padding have (0, 0).
    /// </summary>
    public (int Start, int End)[] Offsets { get; }

    /// <summary>Which text each token came from: 0 (first), 1 (pair), or null for the added special tokens and padding.</summary>
    public int?[] SequenceIds { get; }

    /// <summary>The number of positions, padding included.</summary>
    public int Length => InputIds.Length;
}
