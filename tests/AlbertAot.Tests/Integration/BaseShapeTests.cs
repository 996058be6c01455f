using System;
using System.IO;
using System.Linq;
using AlbertAot.CheckpointMaker;
using AlbertAot.Tests.Reference;
using AlbertAot.Weights;
using Xunit;

namespace AlbertAot.Tests.Integration;

/// <summary>
/// A random checkpoint of albert-base-v1's exact shape (47 MB, made by tools/AlbertAot.CheckpointMaker) compiles,
/// embeds and runs end to end, and agrees with the plain float64 reference.
/// </summary>
[Collection(BuildsCollection.Name)]
public class BaseShapeTests
{
    [Fact]
    public void An_albert_base_v1_shaped_checkpoint_compiles_embeds_and_matches_the_scalar_reference()
    {
        string checkpoint = DotnetCli.TempDirectory("albert-base-random");
        RandomCheckpoint.Write(checkpoint, new RandomCheckpointOptions { Seed = 11 });
        Assert.InRange(new FileInfo(Path.Combine(checkpoint, "model.safetensors")).Length, 45_000_000, 50_000_000);

        var consumer = ConsumerProject.Create(checkpoint, "albert-base-random");
        consumer.Build();

        // Two rows, the second padded: [CLS] ids [SEP] with token types 0 then 1.
        const int seq = 16;
        var random = new Random(5);
        long[] ids = new long[2 * seq], types = new long[2 * seq], mask = new long[2 * seq];
        for (int b = 0; b < 2; b++)
        {
            int length = b == 0 ? seq : 11;
            for (int s = 0; s < length; s++)
            {
                ids[b * seq + s] = s == 0 ? 2 : s == length - 1 ? 3 : random.Next(5, 30000);
                types[b * seq + s] = s >= length / 2 ? 1 : 0;
                mask[b * seq + s] = 1;
            }
        }
        string input = Path.Combine(consumer.Directory, "input.safetensors");
        SafetensorsFile.Write(input, new[]
        {
            SafetensorsTensor.FromInt64s("input_ids", ids, [2, seq]),
            SafetensorsTensor.FromInt64s("token_type_ids", types, [2, seq]),
            SafetensorsTensor.FromInt64s("attention_mask", mask, [2, seq]),
        });
        SafetensorsFile actual = SafetensorsFile.Read(consumer.Forward(input));

        var reference = new ScalarAlbert(checkpoint);
        float[] hidden = actual.ReadSingles("last_hidden_state"), pooled = actual.ReadSingles("pooler_output"), logits = actual.ReadSingles("mlm_logits");
        const int h = 768, vocab = 30000;
        double worstHidden = 0, worstPooled = 0, worstLogit = 0;
        for (int b = 0; b < 2; b++)
        {
            double[,] expected = reference.Encode(ids[(b * seq)..((b + 1) * seq)], types[(b * seq)..((b + 1) * seq)], mask[(b * seq)..((b + 1) * seq)]);
            int valid = b == 0 ? seq : 11;
            for (int s = 0; s < valid; s++) // padded rows are not compared: HF leaves them meaningless too
                for (int k = 0; k < h; k++) worstHidden = Math.Max(worstHidden, Math.Abs(expected[s, k] - hidden[(b * seq + s) * h + k]));
            double[] pool = reference.Pool(expected);
            for (int k = 0; k < h; k++) worstPooled = Math.Max(worstPooled, Math.Abs(pool[k] - pooled[b * h + k]));
            foreach (int s in new[] { 0, 5, valid - 1 })
            {
                double[] row = reference.MlmLogits(expected, s);
                for (int v = 0; v < vocab; v++) worstLogit = Math.Max(worstLogit, Math.Abs(row[v] - logits[((long)(b * seq + s)) * vocab + v]));
            }
        }
        // float32 through 12 layers against float64: the fixtures README expects ~1e-4 drift at this size.
        Assert.True(worstHidden <= 5e-4, $"last_hidden_state differs by {worstHidden:G3}");
        Assert.True(worstPooled <= 5e-4, $"pooler_output differs by {worstPooled:G3}");
        Assert.True(worstLogit <= 5e-4, $"mlm_logits differ by {worstLogit:G3}");
    }
}
