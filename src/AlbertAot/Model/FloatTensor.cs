using System;
using System.Linq;

namespace AlbertAot;

/// <summary>A dense row-major float32 tensor: the outputs of a model (<c>last_hidden_state</c>, logits, ...).</summary>
public sealed class FloatTensor
{
    public FloatTensor(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"Tensor dimensions must be non-negative, got [{string.Join(", ", shape)}].", nameof(shape));
            count *= d;
        }
        if (count != data.Length)
            throw new ArgumentException($"Shape [{string.Join(", ", shape)}] holds {count} values but the data has {data.Length}.", nameof(data));
        Data = data;
        Shape = shape;
    }

    /// <summary>The values, row-major.</summary>
    public float[] Data { get; }

    /// <summary>The dimensions, outermost first.</summary>
    public int[] Shape { get; }

    public int Rank => Shape.Length;

    public float this[int i, int j] => Data[Offset(i, j)];

    public float this[int i, int j, int k] => Data[Offset(i, j, k)];

    /// <summary>The innermost row at the given leading indices, e.g. <c>Row(b, s)</c> of [batch, seq, hidden].</summary>
    public ReadOnlySpan<float> Row(params int[] leading)
    {
        if (leading.Length != Shape.Length - 1)
            throw new ArgumentException($"A row of a rank-{Shape.Length} tensor needs {Shape.Length - 1} indices, got {leading.Length}.");
        int offset = 0;
        for (int d = 0; d < leading.Length; d++)
        {
            if ((uint)leading[d] >= (uint)Shape[d]) throw new IndexOutOfRangeException($"Index {leading[d]} is outside dimension {d} of size {Shape[d]}.");
            offset = offset * Shape[d] + leading[d];
        }
        int width = Shape[^1];
        return Data.AsSpan(offset * width, width);
    }

    private int Offset(params int[] index)
    {
        if (index.Length != Shape.Length) throw new ArgumentException($"Tensor has rank {Shape.Length}, indexed with {index.Length} indices.");
        int offset = 0;
        for (int d = 0; d < index.Length; d++)
        {
            if ((uint)index[d] >= (uint)Shape[d]) throw new IndexOutOfRangeException($"Index {index[d]} is outside dimension {d} of size {Shape[d]}.");
            offset = offset * Shape[d] + index[d];
        }
        return offset;
    }

    public override string ToString() => $"FloatTensor[{string.Join(", ", Shape.Select(d => d.ToString()))}]";
}
