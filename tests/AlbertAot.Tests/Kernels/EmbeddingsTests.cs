using System;
using AlbertAot.Kernels;
using Xunit;

namespace AlbertAot.Tests.Kernels;

/// <summary>
/// Embeddings.Sum against the plain loop: (word[id] + position[p]) + tokenType[type] in float, in that order, which
/// IEEE addition makes exact: the tolerance is 0 (bit-for-bit). The rows are two sequences of 3 and 7 tokens packed one
/// after the other, so each row's position comes from its position id, not from its index.
/// </summary>
public class EmbeddingsTests
{
    public static TheoryData<int> Lengths() => KernelTestData.LengthData();

    [Theory]
    [MemberData(nameof(Lengths))]
    public void SumMatchesThePlainLoopExactly(int width)
    {
        var random = new Random(width);
        const int rows = 10, vocabulary = 11, positions = 7, types = 2;
        float[] word = KernelTestData.Normal(random, vocabulary * width);
        float[] position = KernelTestData.Normal(random, positions * width, 0.1f);
        float[] tokenType = KernelTestData.Normal(random, types * width, 0.01f);
        var ids = new int[rows];
        var typeIds = new int[rows];
        int[] positionIds = [0, 1, 2, 0, 1, 2, 3, 4, 5, 6];
        for (int t = 0; t < ids.Length; t++)
        {
            ids[t] = random.Next(vocabulary);
            typeIds[t] = random.Next(types);
        }
        ids[0] = 0;
        ids[1] = vocabulary - 1; // first and last rows of the table

        var output = new float[rows * width + 3];
        output[^3] = output[^2] = output[^1] = 42f;
        Embeddings.Sum(ids, positionIds, typeIds, word, position, tokenType, output, rows, width);

        for (int t = 0; t < rows; t++)
            for (int i = 0; i < width; i++)
            {
                float expected = word[ids[t] * width + i] + position[positionIds[t] * width + i];
                expected += tokenType[typeIds[t] * width + i];
                Assert.Equal(expected, output[t * width + i]);
            }
        Assert.Equal(42f, output[^1]); // nothing written past the rows
    }
}
