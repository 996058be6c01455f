using System;
using System.Linq;

namespace AlbertCli;

/// <summary>
/// The token ids `bench` runs, also compiled into tests/AlbertAot.Benchmarks, so that both benchmark the same inputs
/// (and OrtBench's `--batch 32 --seq 40` pads the same batch).
/// </summary>
internal static class BenchInputs
{
    /// <summary>Sentences in the batched workload.</summary>
    public const int BatchSentences = 32;

    /// <summary>[CLS] (2), seq − 2 ids drawn from [5, vocab), [SEP] (3).</summary>
    public static long[] Sequence(Random random, int seq, int vocab) =>
        Enumerable.Range(0, seq).Select(s => s == 0 ? 2L : s == seq - 1 ? 3L : random.Next(5, vocab)).ToArray();

    /// <summary>
    /// The batched workload: 32 sentences of 10-40 tokens (seed 99) in one batch padded to the longest, as ids and an
    /// attention mask of [BatchSentences, longest].
    /// </summary>
    public static (long[] Ids, long[] Mask, int Longest) PaddedBatch(int vocab)
    {
        var random = new Random(99);
        long[][] sentences = Enumerable.Range(0, BatchSentences).Select(_ => Sequence(random, random.Next(10, 41), vocab)).ToArray();
        int longest = sentences.Max(s => s.Length);
        var ids = new long[BatchSentences * longest];
        var mask = new long[ids.Length];
        for (int b = 0; b < BatchSentences; b++)
            for (int t = 0; t < sentences[b].Length; t++) { ids[b * longest + t] = sentences[b][t]; mask[b * longest + t] = 1; }
        return (ids, mask, longest);
    }
}
