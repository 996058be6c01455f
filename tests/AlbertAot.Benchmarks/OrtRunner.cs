using System;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;

namespace AlbertAot.Benchmarks;

/// <summary>
/// ONNX Runtime configured as ../shared/bench's OrtBench configures it (ORT_ENABLE_ALL, sequential, the given number
/// of intra-op threads), on a graph from make_onnx.py whose weights are the same checkpoint's model.safetensors.
/// </summary>
public sealed class OrtRunner : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string[] _outputs;

    private OrtRunner(InferenceSession session)
    {
        _session = session;
        _outputs = session.OutputMetadata.Keys.ToArray();
    }

    /// <summary>The graph named by ALBERT_BENCH_ONNX, or null when none is given.</summary>
    public static OrtRunner? TryCreate(string checkpointDirectory, int threads)
    {
        string? graph = Environment.GetEnvironmentVariable("ALBERT_BENCH_ONNX");
        if (string.IsNullOrEmpty(graph)) return null;
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
        };
        options.AddSessionConfigEntry("session.model_external_initializers_file_folder_path", Path.GetFullPath(checkpointDirectory));
        return new OrtRunner(new InferenceSession(File.ReadAllBytes(graph), options));
    }

    /// <summary>One batch of [batch, seq] ids, mask ones where ids are not padding, token types 0.</summary>
    public void Run(long[] ids, long[] mask, int batch, int seq)
    {
        long[] shape = [batch, seq];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = OrtValue.CreateTensorValueFromMemory(new long[ids.Length], shape);
        using var outputs = _session.Run(new RunOptions(), ["input_ids", "attention_mask", "token_type_ids"], [idsValue, maskValue, typesValue], _outputs);
    }

    public void Dispose() => _session.Dispose();
}
