using System;
using AlbertAot.Kernels;
using Xunit;

namespace AlbertAot.Tests.Kernels;

/// <summary>
/// Embeddings.Sum against the plain loop: (word[id] + position[s]) + tokenType[type] in float, in that order, which
/// IEEE addition makes exact: the tolerance is 0 (bit-for-bit).
/// </summary>
public class EmbeddingsTests
{
    public static TheoryData<int> Lengths() => KernelTestData.LengthData();

    [Theory]
    [MemberData(nameof(Lengths))]
    public void SumMatchesThePlainLoopExactly(int width)
    {
        var random = new Random(width);
        const int batch = 2, seq = 5, vocabulary = 11, positions = 7, types = 2;
        float[] word = KernelTestData.Normal(random, vocabulary * width);
        float[] position = KernelTestData.Normal(random, positions * width, 0.1f);
        float[] tokenType = KernelTestData.Normal(random, types * width, 0.01f);
        var ids = new int[batch * seq];
        var typeIds = new int[batch * seq];
        for (int t = 0; t < ids.Length; t++)
        {
            ids[t] = random.Next(vocabulary);
            typeIds[t] = random.Next(types);
        }
        ids[0] = 0;
        ids[1] = vocabulary - 1; // first and last rows of the table

        var output = new float[batch * seq * width + 3];
        output[^3] = output[^2] = output[^1] = 42f;
        Embeddings.Sum(ids, typeIds, word, position, tokenType, output, batch, seq, width);

        for (int b = 0; b < batch; b++)
            for (int s = 0; s < seq; s++)
            {
                int t = b * seq + s;
                for (int i = 0; i < width; i++)
                {
                    float expected = word[ids[t] * width + i] + position[s * width + i];
                    expected += tokenType[typeIds[t] * width + i];
                    Assert.Equal(expected, output[t * width + i]);
                }
            }
        Assert.Equal(42f, output[^1]); // nothing written past batch·seq rows
    }
}
