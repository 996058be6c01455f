using System;
using System.Numerics.Tensors;
using AlbertAot.Weights;

namespace AlbertAot.Kernels;

/// <summary>ALBERT's input embedding: word[id] + position[s] + token_type[type], one row of E per token.</summary>
public static class Embeddings
{
    public static void Sum(ReadOnlySpan<int> inputIds, ReadOnlySpan<int> tokenTypeIds, ReadOnlySpan<float> word,
        ReadOnlySpan<float> position, ReadOnlySpan<float> tokenType, Span<float> output, int batch, int seq, int width)
    {
        for (int b = 0; b < batch; b++)
            for (int s = 0; s < seq; s++)
            {
                int t = b * seq + s;
                Span<float> row = output.Slice(t * width, width);
                TensorPrimitives.Add(word.Slice(inputIds[t] * width, width), position.Slice(s * width, width), row);
                TensorPrimitives.Add(row, tokenType.Slice(tokenTypeIds[t] * width, width), row);
            }
    }

    /// <summary>
    /// The same sum over word embeddings in any storage: float32 rows are read in place; the rows of a BF16 or INT8
    /// matrix (a reduced-precision model) are widened or dequantized into the output row first, so the sum is
    /// word + position + type in the same order as the float32 path.
    /// </summary>
    public static void Sum(ReadOnlySpan<int> inputIds, ReadOnlySpan<int> tokenTypeIds, WeightTensor word,
        ReadOnlySpan<float> position, ReadOnlySpan<float> tokenType, Span<float> output, int batch, int seq, int width)
    {
        ArgumentNullException.ThrowIfNull(word);
        if (word.Storage == TensorDType.F32)
        {
            Sum(inputIds, tokenTypeIds, word.Span, position, tokenType, output, batch, seq, width);
            return;
        }
        for (int b = 0; b < batch; b++)
            for (int s = 0; s < seq; s++)
            {
                int t = b * seq + s;
                Span<float> row = output.Slice(t * width, width);
                word.WidenRow(inputIds[t], width, row);
                TensorPrimitives.Add(row, position.Slice(s * width, width), row);
                TensorPrimitives.Add(row, tokenType.Slice(tokenTypeIds[t] * width, width), row);
            }
    }
}
