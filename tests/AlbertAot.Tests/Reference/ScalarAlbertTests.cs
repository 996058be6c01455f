using System;
using System.IO;
using AlbertAot.Tests.Fixtures;
using AlbertAot.Weights;
using Xunit;

namespace AlbertAot.Tests.Reference;

/// <summary>The scalar reference itself reproduces the fixtures, so it can be trusted where there are no expected outputs.</summary>
public class ScalarAlbertTests
{
    [Theory]
    [InlineData("tiny-v1", "batch3_padded")]
    [InlineData("tiny-groups", "two_segments")]
    [InlineData("tiny-heads/base", "batch3_padded")]
    public void The_scalar_reference_matches_the_fixture(string fixture, string caseName)
    {
        var reference = new ScalarAlbert(Path.Combine(FixtureCases.Root, fixture));
        SafetensorsFile file = FixtureCases.Read(fixture, caseName);
        int[] shape = file.Shape("input_ids");
        long[] ids = file.ReadInt64s("input_ids"), types = file.ReadInt64s("token_type_ids"), mask = file.ReadInt64s("attention_mask");
        float[] expected = file.ReadSingles("last_hidden_state");
        int seq = shape[1], h = reference.HiddenSize;
        for (int b = 0; b < shape[0]; b++)
        {
            double[,] hidden = reference.Encode(ids[(b * seq)..((b + 1) * seq)], types[(b * seq)..((b + 1) * seq)], mask[(b * seq)..((b + 1) * seq)]);
            for (int s = 0; s < seq; s++)
                for (int k = 0; k < h; k++)
                    Assert.True(Math.Abs(hidden[s, k] - expected[(b * seq + s) * h + k]) <= FixtureCases.Tolerance(fixture),
                        $"{fixture}/{caseName} [{b}, {s}, {k}]: reference {hidden[s, k]}, expected {expected[(b * seq + s) * h + k]}");
        }
    }
}
