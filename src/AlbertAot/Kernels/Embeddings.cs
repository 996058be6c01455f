using System;
using System.Numerics.Tensors;
using AlbertAot.Weights;

namespace AlbertAot.Kernels;

/// <summary>
/// ALBERT's input embedding: word[id] + position[position id] + token_type[type], one row of E per token. Rows are
/// tokens in any layout (a padded batch, or sequences packed one after another): each brings its own position id.
/// </summary>
public static class Embeddings
{
    public static void Sum(ReadOnlySpan<int> inputIds, ReadOnlySpan<int> positionIds, ReadOnlySpan<int> tokenTypeIds,
        ReadOnlySpan<float> word, ReadOnlySpan<float> position, ReadOnlySpan<float> tokenType, Span<float> output, int rows, int width)
    {
        for (int t = 0; t < rows; t++)
        {
            Span<float> row = output.Slice(t * width, width);
            TensorPrimitives.Add(word.Slice(inputIds[t] * width, width), position.Slice(positionIds[t] * width, width), row);
            TensorPrimitives.Add(row, tokenType.Slice(tokenTypeIds[t] * width, width), row);
        }
    }

    /// <summary>
    /// The same sum over word embeddings in any storage: float32 rows are read in place; the rows of a BF16 or INT8
    /// matrix (a reduced-precision model) are widened or dequantized into the output row first, so the sum is
    /// word + position + type in the same order as the float32 path.
    /// </summary>
    public static void Sum(ReadOnlySpan<int> inputIds, ReadOnlySpan<int> positionIds, ReadOnlySpan<int> tokenTypeIds, WeightTensor word,
        ReadOnlySpan<float> position, ReadOnlySpan<float> tokenType, Span<float> output, int rows, int width)
    {
        ArgumentNullException.ThrowIfNull(word);
        if (word.Storage == TensorDType.F32)
        {
            Sum(inputIds, positionIds, tokenTypeIds, word.Span, position, tokenType, output, rows, width);
            return;
        }
        for (int t = 0; t < rows; t++)
        {
            Span<float> row = output.Slice(t * width, width);
            word.WidenRow(inputIds[t], width, row);
            TensorPrimitives.Add(row, position.Slice(positionIds[t] * width, width), row);
            TensorPrimitives.Add(row, tokenType.Slice(tokenTypeIds[t] * width, width), row);
        }
    }
}
