using System;

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
                System.Numerics.Tensors.TensorPrimitives.Add(word.Slice(inputIds[t] * width, width), position.Slice(s * width, width), row);
                System.Numerics.Tensors.TensorPrimitives.Add(row, tokenType.Slice(tokenTypeIds[t] * width, width), row);
            }
    }
}
