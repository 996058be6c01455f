using System;
using System.Collections.Generic;
using AlbertAot.Runtime;
using AlbertAot.Tokenization;

namespace AlbertAot.Pipelines;

/// <summary>
/// Rows of ids of any lengths made into one batch for a single forward pass: padded on the right to the longest
/// (pad id, token type 0, attention mask 0), as HF's tokenizer pads, with the padding skipped
/// (<see cref="AlbertInputs.SkipPadding"/>): the rows run packed, so a batch costs its real tokens, and each row's
/// outputs are bit for bit what it gives alone (HF's pipelines run one text at a time by default). The pipelines read
/// real positions only.
/// </summary>
internal sealed class PipelineBatch
{
    private PipelineBatch(int[][] rows, AlbertInputs inputs)
    {
        Rows = rows;
        Inputs = inputs;
    }

    /// <summary>Each row's ids, unpadded.</summary>
    public int[][] Rows { get; }

    /// <summary>The padded batch, padding skipped.</summary>
    public AlbertInputs Inputs { get; }

    /// <summary>The length of row <paramref name="row"/> without its padding.</summary>
    public int Length(int row) => Rows[row].Length;

    public static PipelineBatch FromEncodings(IReadOnlyList<AlbertEncoding> encodings, int padId)
    {
        var ids = new int[encodings.Count][];
        var types = new int[encodings.Count][];
        for (int i = 0; i < encodings.Count; i++)
        {
            ids[i] = encodings[i].InputIds;
            types[i] = encodings[i].TokenTypeIds;
        }
        return Create(ids, types, padId);
    }

    /// <summary>A batch from pre-tokenized rows; <paramref name="tokenTypeIds"/> null means all 0.</summary>
    /// <exception cref="ArgumentException">A row is empty or null, or its token types differ in length.</exception>
    public static PipelineBatch FromIds(IReadOnlyList<IReadOnlyList<int>> inputIds, IReadOnlyList<IReadOnlyList<int>>? tokenTypeIds, int padId)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        if (inputIds.Count == 0) throw new ArgumentException("The batch is empty: give at least one row of input ids.", nameof(inputIds));
        if (tokenTypeIds is not null && tokenTypeIds.Count != inputIds.Count)
            throw new ArgumentException($"{tokenTypeIds.Count} rows of token type ids were given for {inputIds.Count} rows of input ids.", nameof(tokenTypeIds));
        var ids = new int[inputIds.Count][];
        int[][]? types = tokenTypeIds is null ? null : new int[inputIds.Count][];
        for (int i = 0; i < inputIds.Count; i++)
        {
            IReadOnlyList<int> row = inputIds[i] ?? throw new ArgumentException($"Row {i} of the input ids is null.", nameof(inputIds));
            if (row.Count == 0) throw new ArgumentException($"Row {i} of the input ids is empty: a sequence needs at least one token.", nameof(inputIds));
            ids[i] = ToArray(row);
            if (types is not null)
            {
                IReadOnlyList<int> typeRow = tokenTypeIds![i] ?? throw new ArgumentException($"Row {i} of the token type ids is null.", nameof(tokenTypeIds));
                if (typeRow.Count != row.Count)
                    throw new ArgumentException($"Row {i} has {row.Count} input ids but {typeRow.Count} token type ids.", nameof(tokenTypeIds));
                types[i] = ToArray(typeRow);
            }
        }
        return Create(ids, types, padId);
    }

    private static PipelineBatch Create(int[][] ids, int[][]? types, int padId)
    {
        int seq = 0;
        foreach (int[] row in ids) seq = Math.Max(seq, row.Length);
        var flatIds = new long[(long)ids.Length * seq];
        var flatTypes = new long[flatIds.Length];
        var flatMask = new long[flatIds.Length];
        for (int b = 0; b < ids.Length; b++)
        {
            int at = b * seq;
            for (int s = 0; s < seq; s++)
            {
                bool real = s < ids[b].Length;
                flatIds[at + s] = real ? ids[b][s] : padId;
                flatTypes[at + s] = real && types is not null ? types[b][s] : 0;
                flatMask[at + s] = real ? 1 : 0;
            }
        }
        return new PipelineBatch(ids, new AlbertInputs(ids.Length, seq, flatIds, flatTypes, flatMask) { SkipPadding = true });
    }

    private static int[] ToArray(IReadOnlyList<int> values)
    {
        var array = new int[values.Count];
        for (int i = 0; i < array.Length; i++) array[i] = values[i];
        return array;
    }
}

/// <summary>Runs a model directly or through a caller's session.</summary>
internal readonly struct PipelineRunner
{
    private readonly IAlbertModel model;
    private readonly AlbertSession? session;

    /// <exception cref="ArgumentException">The session runs another model: its results would silently be that model's.</exception>
    public PipelineRunner(IAlbertModel model, AlbertSession? session)
    {
        if (session is not null && session.Engine != AlbertEngine.Of(model))
            throw new ArgumentException(
                $"The session runs checkpoint '{session.Engine.Config.CheckpointName}' of another model class, not this pipeline's model " +
                $"('{model.Config.CheckpointName}'): create the session with that model's CreateSession.", nameof(session));
        this.model = model;
        this.session = session;
    }

    public AlbertOutputs Forward(AlbertInputs inputs, AlbertOutputKinds kinds) =>
        session is not null ? session.Forward(inputs, kinds) : model.Forward(inputs, kinds);

    public FloatTensor MlmLogitsAt(AlbertInputs inputs, ReadOnlySpan<(int Batch, int Position)> positions) =>
        session is not null ? session.MlmLogitsAt(inputs, positions) : model.MlmLogitsAt(inputs, positions);
}
