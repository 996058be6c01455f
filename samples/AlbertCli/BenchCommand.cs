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
    public static int Run(Options options, IAlbertModel model)
    {
        int[] lengths = options.Get("--seq", "8,16,128,512").Split(',').Select(s => ParsePositive(s, "--seq")).ToArray();
        int threads = ParsePositive(options.Get("--threads", "1"), "--threads");
        int runs = ParsePositive(options.Get("--runs", "20"), "--runs");
        int warmup = ParsePositive(options.Get("--warmup", "3"), "--warmup");
        double minSeconds = double.Parse(options.Get("--min-seconds", "0"), System.Globalization.CultureInfo.InvariantCulture);
        string outputs = options.Get("--outputs", model.HasMlmHead ? "logits" : "features");
        AlbertOutputKinds kinds = outputs switch
        {
            "logits" => AlbertOutputKinds.Features | AlbertOutputKinds.MlmLogits,
            "features" => AlbertOutputKinds.Features,
            _ => throw new CliException($"--outputs is 'logits' (all positions, as the ORT graph) or 'features' (encoder only), not '{outputs}'."),
        };
        if (lengths.Max() > model.Config.MaxPositionEmbeddings)
            throw new CliException($"--seq {lengths.Max()} exceeds the model's max_position_embeddings {model.Config.MaxPositionEmbeddings}.");

        string label = model.Config.CheckpointName;
        var rows = new List<Dictionary<string, object>>();
        var random = new Random(1234);
        using AlbertSession session = model.CreateSession(threads);
        foreach (int seq in lengths)
        {
            var ids = new long[seq];
            for (int s = 0; s < seq; s++) ids[s] = s == 0 ? 2 : s == seq - 1 ? 3 : random.Next(5, model.Config.VocabSize);
            AlbertInputs inputs = AlbertInputs.Single(ids);
            // Outputs into buffers made once per length: a run allocates nothing, so the GC neither runs between runs
            // nor grows the heap by the 61 MB of logits each 512-token run would otherwise return.
            AlbertOutputBuffers buffers = AlbertOutputBuffers.Allocate(model, inputs, kinds);

            double RunOnce()
            {
                long start = Stopwatch.GetTimestamp();
                session.Forward(inputs, buffers);
                return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }

            double first = RunOnce();
            for (int i = 1; i < warmup; i++) RunOnce();
            var times = new List<double>();
            var clock = Stopwatch.StartNew();
            while (times.Count < runs || clock.Elapsed.TotalSeconds < minSeconds) times.Add(RunOnce());
            times.Sort();
            double median = times[times.Count / 2], min = times[0], p90 = times[(int)(0.9 * (times.Count - 1))];
            Console.WriteLine($"{label,-22} threads={threads} batch=1 seq={seq,4}  median {median,9:F3} ms  min {min,9:F3} ms  " +
                              $"p90 {p90,9:F3} ms  runs {times.Count,4}  first {first,9:F3} ms");
            rows.Add(new Dictionary<string, object>
            {
                ["Label"] = label, ["Threads"] = threads, ["Batch"] = 1, ["SeqLen"] = seq, ["Runs"] = times.Count,
                ["MedianMs"] = median, ["MinMs"] = min, ["P90Ms"] = p90, ["FirstRunMs"] = first,
            });
        }
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        double peakMb = self.PeakWorkingSet64 / (1024.0 * 1024.0);
        Console.WriteLine($"{label,-22} threads={threads} peak working set {peakMb:F1} MiB");
        if (options.TryGet("--json", out string? json)) WriteJson(json, label, threads, peakMb, rows);
        return 0;
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
}
