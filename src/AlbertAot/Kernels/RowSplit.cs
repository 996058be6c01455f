using AlbertAot.Runtime;

namespace AlbertAot.Kernels;

/// <summary>
/// How the per-row steps of a forward pass with many rows share a pool: by contiguous row ranges, the same ranges for
/// every step (the GEMMs and the LayerNorms), so part p's rows are written and then read again on one core from one
/// step to the next instead of crossing to the other core's cache.
/// </summary>
/// <remarks>
/// From <see cref="MinRowsPerThread"/> rows a thread. Below it a GEMM splits its columns (a column split shares the
/// weights, which is what few rows need: they wait on memory, and each thread then streams its half) and a LayerNorm
/// runs on the calling thread. A row's result is the same bits whichever way the rows are split (or chunked, or
/// k-blocked: a partial sum stored and loaded again is the same float), since each output is summed over k in one order.
/// Measured (AVX2 Zen 3, two vCPUs): twelve layers' GEMMs on two threads, in-process, the two splits interleaved 30
/// times: 512 rows p25 823 vs 858 ms (median 850 vs 907), 128 rows even (205 vs 205). End to end, four alternating
/// processes each, the forward with row-split GEMMs and LayerNorms was not distinguishable from the column split at
/// 128 and 512 tokens: the two-core peak itself moved between 100 and 160 GFLOP/s in those minutes (peak_flops 2).
/// </remarks>
internal static class RowSplit
{
    internal const int MinRowsPerThread = 64;

    /// <summary>How many row ranges <paramref name="rows"/> are split into on <paramref name="pool"/>: 1 for no split.</summary>
    internal static int Parts(int rows, ComputePool? pool)
    {
        int threads = pool?.ThreadCount ?? 1;
        return threads > 1 && rows >= threads * MinRowsPerThread ? threads : 1;
    }

    /// <summary>Where part <paramref name="part"/> starts (part == parts: the end): multiples of 8, every kernel's row block.</summary>
    internal static int Start(int rows, int part, int parts) => part >= parts ? rows : (int)((long)rows * part / parts) / 8 * 8;
}
