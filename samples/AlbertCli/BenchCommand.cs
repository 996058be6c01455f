using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using AlbertAot;
using AlbertAot.Runtime;

namespace AlbertCli;

/// <summary>
/// `bench`: latency of the compiled model per sequence length, printed in the shape of ../shared/bench's OrtBench
/// `bench`, so the two can be run interleaved on the same machine: batch 1, [CLS] random ids [SEP], mask ones,
/// token types 0; every run produces what the ORT graph does (all positions' logits, or only the encoder's outputs).
/// </summary>
internal static class BenchCommand
{
    /// <summary>The options `bench` takes.</summary>
    public static readonly string[] OptionNames = ["--seq", "--threads", "--runs", "--warmup", "--min-seconds", "--outputs", "--workload", "--json"];

    public static int Run(Options options, IAlbertModel model)
    {
        int[] lengths = options.Get("--seq", "8,16,128,512").Split(',').Select(s => ParsePositive(s, "--seq")).ToArray();
        int threads = ParsePositive(options.Get("--threads", "1"), "--threads");
        int runs = ParsePositive(options.Get("--runs", "20"), "--runs");
        int warmup = ParsePositive(options.Get("--warmup", "3"), "--warmup");
        double minSeconds = ParseSeconds(options.Get("--min-seconds", "0"));
        // Checked before the runs, which can take minutes, rather than when the rows are written.
        string? jsonPath = options.TryGet("--json", out string? json) ? JsonPath(json) : null;
        string outputs = options.Get("--outputs", model.HasMlmHead ? "logits" : "features");
        AlbertOutputKinds kinds = outputs switch
        {
            "logits" => AlbertOutputKinds.Features | AlbertOutputKinds.MlmLogits,
            "features" => AlbertOutputKinds.Features,
            _ => throw new CliException($"--outputs is 'logits' (all positions, as the ORT graph) or 'features' (encoder only), not '{outputs}'."),
        };

        string label = model.Config.CheckpointName;
        var rows = new List<Dictionary<string, object>>();
        var random = new Random(1234);
        using AlbertSession session = model.CreateSession(threads);
        string workload = options.Get("--workload", "latency");
        if (workload != "latency")
        {
            // Issue 4's other two workloads: one row each, timed like the lengths below.
            (string name, int batch, int seq, Action run) = workload switch
            {
                "fill-mask" => FillMask(model, session),
                "batched" => Batched(model, session, kinds),
                _ => throw new CliException($"--workload is 'latency' (the default), 'fill-mask' or 'batched', not '{workload}'."),
            };
            rows.Add(Time(label, threads, batch, seq, name, run, runs, warmup, minSeconds));
            lengths = [];
        }
        else if (lengths.Max() > model.Config.MaxPositionEmbeddings)
            throw new CliException($"--seq {lengths.Max()} exceeds the model's max_position_embeddings {model.Config.MaxPositionEmbeddings}.");
        foreach (int seq in lengths)
        {
            AlbertInputs inputs = AlbertInputs.Single(BenchInputs.Sequence(random, seq, model.Config.VocabSize));
            // Outputs into buffers made once per length: a run allocates nothing, so the GC neither runs between runs
            // nor grows the heap by the 61 MB of logits each 512-token run would otherwise return.
            AlbertOutputBuffers buffers = AlbertOutputBuffers.Allocate(model, inputs, kinds);

            rows.Add(Time(label, threads, 1, seq, null, () => session.Forward(inputs, buffers), runs, warmup, minSeconds));
        }
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        double peakMb = self.PeakWorkingSet64 / (1024.0 * 1024.0);
        Console.WriteLine($"{label,-22} threads={threads} peak working set {peakMb:F1} MiB");
        if (jsonPath is not null) WriteJson(jsonPath, label, threads, peakMb, rows);
        return 0;
    }

    /// <summary>Times <paramref name="run"/>: warm-up, then at least <paramref name="runs"/> runs (and <paramref name="minSeconds"/>); prints and returns the row.</summary>
    private static Dictionary<string, object> Time(string label, int threads, int batch, int seq, string? workload, Action run,
        int runs, int warmup, double minSeconds)
    {
        double RunOnce()
        {
            long start = Stopwatch.GetTimestamp();
            run();
            return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        double first = RunOnce();
        for (int i = 1; i < warmup; i++) RunOnce();
        var times = new List<double>();
        var clock = Stopwatch.StartNew();
        while (times.Count < runs || clock.Elapsed.TotalSeconds < minSeconds) times.Add(RunOnce());
        times.Sort();
        double median = times[times.Count / 2], min = times[0], p90 = times[(int)(0.9 * (times.Count - 1))];
        Console.WriteLine($"{label,-22} threads={threads} batch={batch} seq={seq,4}{(workload is null ? "" : $" {workload}")}  median {median,9:F3} ms  " +
                          $"min {min,9:F3} ms  p90 {p90,9:F3} ms  runs {times.Count,4}  first {first,9:F3} ms");
        var row = new Dictionary<string, object>
        {
            ["Label"] = label, ["Threads"] = threads, ["Batch"] = batch, ["SeqLen"] = seq, ["Runs"] = times.Count,
            ["MedianMs"] = median, ["MinMs"] = min, ["P90Ms"] = p90, ["FirstRunMs"] = first,
        };
        if (workload is not null) row["Workload"] = workload;
        return row;
    }

    /// <summary>
    /// Fill-mask on "Hello I'm a [MASK] model." (ALBERT's ids, 10 tokens): the encoder, then the MLM head at the masked
    /// position only; OrtBench's counterpart is its full-logits forward at 10 tokens (--seq 10).
    /// </summary>
    private static (string, int, int, Action) FillMask(IAlbertModel model, AlbertSession session)
    {
        if (!model.HasMlmHead) throw new CliException("--workload fill-mask needs a checkpoint with the MLM head.");
        long[] ids = [2, 10975, 31, 22, 79, 21, 4, 1061, 9, 3];
        if (ids.Max() >= model.Config.VocabSize) throw new CliException($"--workload fill-mask uses ALBERT's ids (up to 10975); this checkpoint's vocabulary has {model.Config.VocabSize}.");
        AlbertInputs inputs = AlbertInputs.Single(ids);
        float[] logits = new float[model.Config.VocabSize];
        (int, int)[] masked = [(0, 6)];
        return ("fill-mask", 1, ids.Length, () => session.MlmLogitsAt(inputs, masked, logits));
    }

    /// <summary>
    /// 32 sentences of 10-40 random tokens (seed 99, as tests/AlbertAot.Benchmarks) in one batch padded to the longest,
    /// with the padding skipped (AlbertInputs.SkipPadding): the sentences run packed, 824 token rows where the padded
    /// batch has 32 × 40 = 1280, every GEMM over all of them at once. OrtBench's counterpart is the same padded batch
    /// (--batch 32 --seq 40). Same outputs as the latency rows (logits at every position, 0 at the padding, or features).
    /// </summary>
    private static (string, int, int, Action) Batched(IAlbertModel model, AlbertSession session, AlbertOutputKinds kinds)
    {
        (long[] ids, long[] mask, int longest) = BenchInputs.PaddedBatch(model.Config.VocabSize);
        AlbertInputs inputs = new AlbertInputs(BenchInputs.BatchSentences, longest, ids, null, mask).SkippingPadding();
        AlbertOutputBuffers buffers = AlbertOutputBuffers.Allocate(model, inputs, kinds);
        return ($"batched {BenchInputs.BatchSentences} sentences", BenchInputs.BatchSentences, longest, () => session.Forward(inputs, buffers));
    }

    private static void WriteJson(string path, string label, int threads, double peakMb, List<Dictionary<string, object>> rows)
    {
        using var stream = File.Create(path);
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        writer.WriteString("Label", label);
        writer.WriteString("Engine", "AlbertAot");
        writer.WriteNumber("Threads", threads);
        writer.WriteNumber("PeakWorkingSetMb", peakMb);
        writer.WriteStartArray("Rows");
        foreach (var row in rows)
        {
            writer.WriteStartObject();
            foreach (var (key, value) in row)
            {
                if (value is string s) writer.WriteString(key, s);
                else writer.WriteNumber(key, Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture));
            }
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static int ParsePositive(string text, string option) =>
        int.TryParse(text, out int value) && value > 0 ? value : throw new CliException($"{option} takes positive integers, got '{text}'.");

    /// <summary>The most --min-seconds takes: a day (a larger or infinite value would keep the runs going without end).</summary>
    internal const double MaxMinSeconds = 24 * 60 * 60;

    private static double ParseSeconds(string text) =>
        double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double seconds)
        && seconds >= 0 && seconds <= MaxMinSeconds
            ? seconds
            : throw new CliException($"--min-seconds takes a number of seconds from 0 to {MaxMinSeconds}, got '{text}'.");

    /// <summary>The full path of --json's file, whose folder must exist.</summary>
    private static string JsonPath(string path)
    {
        string full;
        try { full = Path.GetFullPath(path); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new CliException($"--json '{path}' is not a file path: {e.Message}");
        }
        string? folder = Path.GetDirectoryName(full);
        if (folder is not null && !Directory.Exists(folder)) throw new CliException($"--json '{path}': the folder '{folder}' does not exist.");
        if (Directory.Exists(full)) throw new CliException($"--json '{path}' is a folder; give a file name.");
        return full;
    }
}
