using System;

namespace AlbertAot.Runtime;

/// <summary>
/// The activations of one forward pass (llama2.c's RunState): every buffer the encoder writes, sized for a number
/// of token rows (batch × sequence) and grown when a larger batch arrives. One state serves one call at a time.
/// </summary>
public sealed class AlbertRunState
{
    private readonly AlbertConfig _config;

    public AlbertRunState(AlbertConfig config, ComputePool? pool = null)
    {
        _config = config;
        Pool = pool;
    }

    /// <summary>The threads that share this state's work, or null for the calling thread alone.</summary>
    public ComputePool? Pool { get; }

    /// <summary>Token rows (batch × sequence) the buffers hold.</summary>
    public int RowCapacity { get; private set; }

    /// <summary>
    /// Token rows of the current pass: batch × sequence, or only the real tokens when the inputs skip padding
    /// (<see cref="AlbertInputs.SkipPadding"/>). Every per-token buffer below is read for this many rows.
    /// </summary>
    public int Rows { get; private set; }

    /// <summary>Sequences of the current pass (the batch's rows).</summary>
    public int SequenceCount { get; private set; }

    /// <summary>
    /// [sequences + 1]: sequence i is token rows [SequenceStarts[i], SequenceStarts[i + 1]) (i·seq for a padded batch,
    /// the running sum of the real lengths when padding is skipped).
    /// </summary>
    public int[] SequenceStarts { get; private set; } = [0];

    public int[] InputIds { get; private set; } = [];
    public int[] TokenTypeIds { get; private set; } = [];

    /// <summary>[rows] each token's position within its sequence (HF's default position_ids).</summary>
    public int[] PositionIds { get; private set; } = [];

    /// <summary>[rows] additive attention mask: 0 for real tokens, float32 min for padding.</summary>
    public float[] MaskBias { get; private set; } = [];

    /// <summary>[rows, E] summed and normalised embeddings.</summary>
    public float[] Embedded { get; private set; } = [];

    /// <summary>[rows, H] the hidden state between layers; the encoder's output at the end.</summary>
    public float[] Hidden { get; private set; } = [];

    /// <summary>[rows, 3H]: Q, K and V side by side, the fused projection's output.</summary>
    public float[] Qkv { get; private set; } = [];

    /// <summary>[rows, H] attention output before its dense projection.</summary>
    public float[] Context { get; private set; } = [];

    /// <summary>[rows, H] output of a dense projection before the residual LayerNorm.</summary>
    public float[] Projected { get; private set; } = [];

    /// <summary>[rows, H] LayerNorm(h + attention): the FFN's input and residual.</summary>
    public float[] Attended { get; private set; } = [];

    /// <summary>[rows, I] the FFN's inner activations.</summary>
    public float[] Intermediate { get; private set; } = [];

    /// <summary>Attention's per-thread scratch (one head's Kᵀ and a block of score rows per thread).</summary>
    public float[] AttentionScratch { get; private set; } = [];

    /// <summary>[rows, E]: the MLM head's transform before the decoder.</summary>
    public float[] MlmTransform { get; private set; } = [];

    /// <summary>The MLM transform buffer for <paramref name="count"/> rows (grown when more positions than token rows are asked for).</summary>
    public float[] MlmTransformFor(int count)
    {
        if (count * _config.EmbeddingSize > MlmTransform.Length) MlmTransform = new float[count * _config.EmbeddingSize];
        return MlmTransform;
    }

    /// <summary>[count, H] hidden rows gathered for a head: the [CLS] rows the pooler reads, the positions MlmLogitsAt asks for.</summary>
    public float[] GatheredRows { get; private set; } = [];

    /// <summary><see cref="GatheredRows"/> for <paramref name="count"/> rows (grown when needed).</summary>
    public float[] GatheredRowsFor(int count) => GatheredRows = Grow(GatheredRows, (long)count * _config.HiddenSize);

    /// <summary>[count, H] pooler_output when a head reads it but the caller did not ask for it.</summary>
    public float[] PooledRows { get; private set; } = [];

    /// <summary><see cref="PooledRows"/> for <paramref name="count"/> rows (grown when needed).</summary>
    public float[] PooledRowsFor(int count) => PooledRows = Grow(PooledRows, (long)count * _config.HiddenSize);

    /// <summary>A head's raw output before it is split (question answering's [rows, 2]).</summary>
    public float[] HeadOutputs { get; private set; } = [];

    /// <summary><see cref="HeadOutputs"/> of at least <paramref name="length"/> floats (grown when needed).</summary>
    public float[] HeadOutputsFor(int length) => HeadOutputs = Grow(HeadOutputs, length);

    private static float[] Grow(float[] buffer, long length) => length <= buffer.Length ? buffer : new float[length];

    /// <summary>
    /// Bytes of the buffers a state holds for <paramref name="batchSize"/> sequences of <paramref name="sequenceLength"/>
    /// tokens on <paramref name="threads"/> threads: what <see cref="EnsureCapacity"/> allocates (ids, types, positions and mask;
    /// embeddings, hidden, fused QKV, context, projection, attended, FFN, MLM transform; attention scratch per thread),
    /// plus the [CLS] rows gathered and pooled and the start of each sequence. Keep it in step with EnsureCapacity (FootprintTests compare).
    /// </summary>
    public static long BytesFor(AlbertConfig config, int batchSize, int sequenceLength, int threads)
    {
        ArgumentNullException.ThrowIfNull(config);
        long rows = (long)batchSize * sequenceLength;
        int h = config.HiddenSize, e = config.EmbeddingSize;
        long perRow = 3 * sizeof(int) + (1L + 2L * e + 7L * h + config.IntermediateSize) * sizeof(float);
        long scratch = (long)threads * Kernels.FusedAttention.ScratchPerThread(sequenceLength, config.HeadSize) * sizeof(float);
        long perSequence = 2L * batchSize * h * sizeof(float) + (batchSize + 1L) * sizeof(int);
        return rows * perRow + scratch + perSequence;
    }

    /// <summary>
    /// Sets the token rows of the next pass: <paramref name="sequences"/> sequences whose rows start at
    /// <see cref="SequenceStarts"/> (filled by the caller after <see cref="EnsureCapacity"/>); <see cref="Rows"/> is
    /// where the last one ends.
    /// </summary>
    public void SetLayout(int sequences)
    {
        if ((uint)sequences >= (uint)SequenceStarts.Length || (uint)SequenceStarts[sequences] > (uint)RowCapacity)
            throw new ArgumentOutOfRangeException(nameof(sequences), $"{sequences} sequences exceed the state's capacity.");
        SequenceCount = sequences;
        Rows = SequenceStarts[sequences];
    }

    /// <summary>
    /// Grows the buffers to hold <paramref name="rows"/> token rows of sequences up to <paramref name="seq"/> tokens,
    /// in <paramref name="sequences"/> sequences.
    /// </summary>
    public void EnsureCapacity(int rows, int seq, int sequences)
    {
        if (sequences + 1 > SequenceStarts.Length) SequenceStarts = new int[sequences + 1];
        if (rows > RowCapacity)
        {
            InputIds = new int[rows];
            TokenTypeIds = new int[rows];
            PositionIds = new int[rows];
            MaskBias = new float[rows];
            Embedded = new float[rows * _config.EmbeddingSize];
            Hidden = new float[rows * _config.HiddenSize];
            Qkv = new float[rows * 3 * _config.HiddenSize];
            MlmTransform = new float[rows * _config.EmbeddingSize];
            Context = new float[rows * _config.HiddenSize];
            Projected = new float[rows * _config.HiddenSize];
            Attended = new float[rows * _config.HiddenSize];
            Intermediate = new float[rows * _config.IntermediateSize];
            RowCapacity = rows;
        }
        int scratch = (Pool?.ThreadCount ?? 1) * Kernels.FusedAttention.ScratchPerThread(seq, _config.HeadSize);
        if (scratch > AttentionScratch.Length) AttentionScratch = new float[scratch];
    }
}
