using System;
using System.Runtime.InteropServices;

namespace AlbertAot.Kernels;

/// <summary>
/// Multi-head scaled dot-product attention over Q, K, V of [batch·seq, hidden] (heads side by side in a row),
/// with HF's additive mask: context = softmax(Q·Kᵀ/√d + mask)·V, per batch row and head. The plain path that
/// <see cref="FusedAttention"/> (what generated models run) is tested against; not part of the public API.
/// </summary>
internal static class Attention
{
    /// <param name="maskBias">[batch, seq]: 0 where attention_mask is 1, float32 min where it is 0.</param>
    /// <param name="scores">Scratch of at least <paramref name="seq"/> values.</param>
    public static void Forward(ReadOnlySpan<float> query, ReadOnlySpan<float> key, ReadOnlySpan<float> value,
        ReadOnlySpan<float> maskBias, Span<float> context, Span<float> scores, int batch, int seq, int heads, int headSize)
    {
        int hidden = heads * headSize;
        if (query.Length < batch * seq * hidden || key.Length < batch * seq * hidden || value.Length < batch * seq * hidden ||
            context.Length < batch * seq * hidden || maskBias.Length < batch * seq || scores.Length < seq)
            throw new ArgumentException($"Attention buffers are too small for batch {batch}, seq {seq}, {heads} heads of {headSize}.");

        float scale = 1f / MathF.Sqrt(headSize);
        Span<float> p = scores.Slice(0, seq);
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> mask = maskBias.Slice(b * seq, seq);
            for (int h = 0; h < heads; h++)
            {
                int column = h * headSize;
                for (int i = 0; i < seq; i++)
                {
                    ReadOnlySpan<float> q = query.Slice((b * seq + i) * hidden + column, headSize);
                    for (int j = 0; j < seq; j++)
                        p[j] = Dot.Compute(q, key.Slice((b * seq + j) * hidden + column, headSize)) * scale + mask[j];
                    Softmax.Row(p);

                    Span<float> c = context.Slice((b * seq + i) * hidden + column, headSize);
                    c.Clear();
                    for (int j = 0; j < seq; j++)
                        System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(value.Slice((b * seq + j) * hidden + column, headSize), p[j], c, c);
                }
            }
        }
    }
}
