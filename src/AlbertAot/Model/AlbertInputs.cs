using System;
using System.Collections.Generic;

namespace AlbertAot;

/// <summary>
/// A batch in HuggingFace's shape: <c>input_ids</c>, <c>token_type_ids</c> and <c>attention_mask</c>, each
/// [batch, sequence], row-major. Token types default to 0 and the mask to 1, as in HF.
/// </summary>
public sealed class AlbertInputs
{
    public AlbertInputs(int batchSize, int sequenceLength, ReadOnlyMemory<long> inputIds,
        ReadOnlyMemory<long>? tokenTypeIds = null, ReadOnlyMemory<long>? attentionMask = null)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch must hold at least one sequence.");
        if (sequenceLength <= 0) throw new ArgumentOutOfRangeException(nameof(sequenceLength), sequenceLength, "Sequences must hold at least one token.");
        long count = (long)batchSize * sequenceLength;
        CheckLength(nameof(inputIds), inputIds.Length, count, batchSize, sequenceLength);
        if (tokenTypeIds is { } t) CheckLength(nameof(tokenTypeIds), t.Length, count, batchSize, sequenceLength);
        if (attentionMask is { } m) CheckLength(nameof(attentionMask), m.Length, count, batchSize, sequenceLength);
        BatchSize = batchSize;
        SequenceLength = sequenceLength;
        InputIds = inputIds;
        TokenTypeIds = tokenTypeIds;
        AttentionMask = attentionMask;
    }

    /// <summary>A batch from equally long rows (pad them first; padding is id 0 with mask 0).</summary>
    public static AlbertInputs FromRows(IReadOnlyList<long[]> inputIds, IReadOnlyList<long[]>? tokenTypeIds = null, IReadOnlyList<long[]>? attentionMask = null)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        if (inputIds.Count == 0) throw new ArgumentException("The batch is empty: give at least one row of input_ids.", nameof(inputIds));
        int seq = (inputIds[0] ?? throw new ArgumentException($"{nameof(inputIds)} row 0 is null.", nameof(inputIds))).Length;
        return new AlbertInputs(inputIds.Count, seq, Flatten(inputIds, seq, nameof(inputIds)),
            tokenTypeIds is null ? (ReadOnlyMemory<long>?)null : Flatten(tokenTypeIds, seq, nameof(tokenTypeIds), inputIds.Count),
            attentionMask is null ? (ReadOnlyMemory<long>?)null : Flatten(attentionMask, seq, nameof(attentionMask), inputIds.Count));
    }

    /// <summary>
    /// A batch from tokenizer output (e.g. <c>AlbertTokenizer.EncodeBatch</c>); shorter encodings are padded at the end
    /// with id 0, token type 0 and mask 0, as HF pads.
    /// </summary>
    public static AlbertInputs FromEncodings(IReadOnlyList<Tokenization.AlbertEncoding> encodings)
    {
        ArgumentNullException.ThrowIfNull(encodings);
        if (encodings.Count == 0) throw new ArgumentException("The batch is empty: give at least one encoding.", nameof(encodings));
        int seq = 0;
        for (int b = 0; b < encodings.Count; b++)
            seq = Math.Max(seq, (encodings[b] ?? throw new ArgumentException($"Encoding {b} is null.", nameof(encodings))).InputIds.Length);
        if (seq == 0) throw new ArgumentException("Every encoding is empty: a sequence needs at least one token.", nameof(encodings));
        if ((long)encodings.Count * seq > Array.MaxLength)
            throw new ArgumentException($"{encodings.Count} encodings padded to {seq} tokens are more ids than one array holds: split the batch.", nameof(encodings));
        var ids = new long[encodings.Count * seq];
        var types = new long[ids.Length];
        var mask = new long[ids.Length];
        for (int b = 0; b < encodings.Count; b++)
        {
            var e = encodings[b];
            for (int s = 0; s < e.InputIds.Length; s++)
            {
                ids[b * seq + s] = e.InputIds[s];
                types[b * seq + s] = e.TokenTypeIds[s];
                mask[b * seq + s] = e.AttentionMask[s];
            }
        }
        return new AlbertInputs(encodings.Count, seq, ids, types, mask);
    }

    /// <summary>One sequence of ids, token types 0, mask 1.</summary>
    public static AlbertInputs Single(params long[] inputIds) => FromRows([inputIds]);

    /// <summary>
    /// Multiple-choice inputs in HF's shape [batch, choices, sequence], row-major (choice c of example b is row
    /// b·choices + c). The encoder runs on the batch × choices rows, as HF's <c>AlbertForMultipleChoice</c> flattens
    /// them; outputs keep the choices axis (<c>logits</c> [batch, choices], <c>pooler_output</c> [batch, choices, hidden],
    /// <c>last_hidden_state</c> [batch, choices, sequence, hidden]).
    /// </summary>
    public static AlbertInputs FromChoices(int batchSize, int choices, int sequenceLength, ReadOnlyMemory<long> inputIds,
        ReadOnlyMemory<long>? tokenTypeIds = null, ReadOnlyMemory<long>? attentionMask = null)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch must hold at least one example.");
        if (choices <= 0) throw new ArgumentOutOfRangeException(nameof(choices), choices, "An example must have at least one choice.");
        if ((long)batchSize * choices > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(choices), choices, "Too many rows.");
        return new AlbertInputs(batchSize * choices, sequenceLength, inputIds, tokenTypeIds, attentionMask) { Choices = choices };
    }

    /// <summary>
    /// These inputs with <see cref="SkipPadding"/> set: the same ids, types and mask (shared, not copied).
    /// </summary>
    public AlbertInputs SkippingPadding() =>
        new(BatchSize, SequenceLength, InputIds, TokenTypeIds, AttentionMask) { Choices = Choices, SkipPadding = true };

    /// <summary>
    /// Leave the padding out of the computation. Each row's real tokens, the positions where attention_mask is 1, must
    /// come first (right padding, as tokenizers pad and <see cref="FromEncodings"/> builds); the rows then run packed
    /// one after another, each as a sequence of its own length, so a batch of mixed lengths costs its real tokens, not
    /// batch × longest. Outputs keep their [batch, sequence, ...] shape: at real positions they are what the row gives
    /// run alone (bit for bit; against the padded batch they differ by float rounding in the attention's softmax sum),
    /// at padding positions they are 0 where HF returns values computed for the padding tokens, which nothing should
    /// read. Per-row outputs (pooler_output, sequence logits, sop_logits) are unaffected. Without an attention mask,
    /// there is no padding and this changes nothing.
    /// </summary>
    /// <remarks>The forward pass refuses a row whose mask has a 1 after a 0, or no 1 at all (ArgumentException).</remarks>
    public bool SkipPadding { get; init; }

    /// <summary>The rows the encoder runs: the batch size, or batch × choices for <see cref="FromChoices"/> inputs.</summary>
    public int BatchSize { get; }
    public int SequenceLength { get; }

    /// <summary>Choices per example for multiple-choice inputs (<see cref="FromChoices"/>), else null.</summary>
    public int? Choices { get; private init; }

    /// <summary>The examples: <see cref="BatchSize"/> / <see cref="Choices"/> for multiple-choice inputs, else <see cref="BatchSize"/>.</summary>
    public int ExampleCount => BatchSize / (Choices ?? 1);

    /// <summary><c>input_ids</c> [batch, sequence].</summary>
    public ReadOnlyMemory<long> InputIds { get; }

    /// <summary><c>token_type_ids</c> [batch, sequence]; null means all 0.</summary>
    public ReadOnlyMemory<long>? TokenTypeIds { get; }

    /// <summary><c>attention_mask</c> [batch, sequence] of 0 and 1; null means all 1.</summary>
    public ReadOnlyMemory<long>? AttentionMask { get; }

    private static void CheckLength(string name, int actual, long expected, int batch, int seq)
    {
        if (actual != expected)
            throw new ArgumentException($"{name} holds {actual} values but [batch {batch}, sequence {seq}] needs {expected}.", name);
    }

    private static long[] Flatten(IReadOnlyList<long[]> rows, int seq, string name, int expectedRows = -1)
    {
        if (expectedRows >= 0 && rows.Count != expectedRows)
            throw new ArgumentException($"{name} has {rows.Count} rows but input_ids has {expectedRows}.", name);
        if ((long)rows.Count * seq > Array.MaxLength)
            throw new ArgumentException($"{rows.Count} rows of {seq} tokens are more {name} than one array holds: split the batch.", name);
        var flat = new long[(long)rows.Count * seq];
        for (int r = 0; r < rows.Count; r++)
        {
            long[] row = rows[r] ?? throw new ArgumentException($"{name} row {r} is null.", name);
            if (row.Length != seq)
                throw new ArgumentException($"{name} row {r} has {row.Length} tokens but row 0 of input_ids has {seq}: pad the batch to one length.", name);
            row.CopyTo(flat, (long)r * seq);
        }
        return flat;
    }
}
