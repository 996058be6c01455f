using System;
using System.Linq;
using AlbertAot.Runtime;
using BenchmarkDotNet.Attributes;

namespace AlbertAot.Benchmarks;

/// <summary>Inputs as ../shared/bench makes them: [CLS] random ids [SEP], mask ones, token types 0.</summary>
internal static class Inputs
{
    public static long[] Sequence(Random random, int seq) => AlbertCli.BenchInputs.Sequence(random, seq, BenchModel.VocabSize);

    public static string CheckpointDirectory =>
        Environment.GetEnvironmentVariable("ALBERT_BENCH_CHECKPOINT") ?? System.IO.Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "obj", "albert-base-random");
}

/// <summary>The whole forward at batch 1, logits at every position (what the ORT graph computes), beside ORT.</summary>
[MemoryDiagnoser]
public class ForwardBenchmarks
{
    private AlbertSession _session = null!;
    private OrtRunner? _ort;
    private AlbertInputs _inputs = null!;
    private long[] _ids = null!, _mask = null!;

    [Params(8, 16, 128, 512)] public int Seq { get; set; }

    [Params(1, 2)] public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _session = new BenchModel().CreateSession(Threads);
        _ids = Inputs.Sequence(new Random(1234), Seq);
        _mask = Enumerable.Repeat(1L, Seq).ToArray();
        _inputs = AlbertInputs.Single(_ids);
        _ort = OrtRunner.TryCreate(Inputs.CheckpointDirectory, Threads);
    }

    [Benchmark(Description = "AlbertAot")]
    public void AlbertAot() => _session.Forward(_inputs, AlbertOutputKinds.Features | AlbertOutputKinds.MlmLogits);

    [Benchmark(Baseline = true, Description = "ONNX Runtime")]
    public void OnnxRuntime()
    {
        if (_ort is null) throw new InvalidOperationException("Set ALBERT_BENCH_ONNX to an ONNX graph of the same checkpoint (../shared/bench/make_onnx.py).");
        _ort.Run(_ids, _mask, 1, Seq);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _session.Dispose();
        _ort?.Dispose();
    }
}

/// <summary>Fill-mask on "Hello I'm a [MASK] model." (10 tokens): the MLM head at the masked position only, against ORT's full logits.</summary>
public class FillMaskBenchmarks
{
    private static readonly long[] Ids = [2, 10975, 31, 22, 79, 21, 4, 1061, 9, 3];
    private AlbertSession _session = null!;
    private OrtRunner? _ort;
    private AlbertInputs _inputs = null!;

    [Params(1, 2)] public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _session = new BenchModel().CreateSession(Threads);
        _inputs = AlbertInputs.Single(Ids);
        _ort = OrtRunner.TryCreate(Inputs.CheckpointDirectory, Threads);
    }

    [Benchmark(Description = "AlbertAot fill-mask")]
    public FloatTensor AlbertAot() => _session.MlmLogitsAt(_inputs, [(0, 6)]);

    [Benchmark(Baseline = true, Description = "ONNX Runtime, all logits")]
    public void OnnxRuntime()
    {
        if (_ort is null) throw new InvalidOperationException("Set ALBERT_BENCH_ONNX.");
        _ort.Run(Ids, Enumerable.Repeat(1L, Ids.Length).ToArray(), 1, Ids.Length);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _session.Dispose();
        _ort?.Dispose();
    }
}

/// <summary>
/// 32 sentences of 10-40 tokens: ORT as one padded batch; AlbertAot the same batch with the padding skipped
/// (AlbertInputs.SkipPadding: the sentences run packed, no work on padding, every GEMM over all of them).
/// </summary>
public class BatchBenchmarks
{
    private AlbertSession _session = null!;
    private OrtRunner? _ort;
    private long[] _paddedIds = null!, _paddedMask = null!;
    private int _longest;
    private AlbertInputs _packed = null!;

    [Params(1, 2)] public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_paddedIds, _paddedMask, _longest) = AlbertCli.BenchInputs.PaddedBatch(BenchModel.VocabSize);
        _packed = new AlbertInputs(AlbertCli.BenchInputs.BatchSentences, _longest, _paddedIds, null, _paddedMask).SkippingPadding();
        _session = new BenchModel().CreateSession(Threads);
        _ort = OrtRunner.TryCreate(Inputs.CheckpointDirectory, Threads);
    }

    [Benchmark(Description = "AlbertAot, 32 sentences, padding skipped")]
    public void AlbertAot() => _session.Forward(_packed, AlbertOutputKinds.Features | AlbertOutputKinds.MlmLogits);

    [Benchmark(Baseline = true, Description = "ONNX Runtime, padded batch of 32")]
    public void OnnxRuntime()
    {
        if (_ort is null) throw new InvalidOperationException("Set ALBERT_BENCH_ONNX.");
        _ort.Run(_paddedIds, _paddedMask, AlbertCli.BenchInputs.BatchSentences, _longest);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _session.Dispose();
        _ort?.Dispose();
    }
}
