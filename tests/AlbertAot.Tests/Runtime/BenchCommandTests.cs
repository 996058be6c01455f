using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using AlbertAot.Tests.Fixtures;
using AlbertCli;
using Xunit;

namespace AlbertAot.Tests.Runtime;

/// <summary>AlbertCli's `bench`, in-process on a fixture model: its JSON rows, and bad command lines refused up front.</summary>
public sealed class BenchCommandTests
{
    private static int Bench(params string[] args) => BenchCommand.Run(Options.Parse(args, BenchCommand.OptionNames), new TinyV1Model());

    [Fact]
    public void Bench_writes_one_row_per_length_in_OrtBenchs_shape()
    {
        string folder = Directory.CreateTempSubdirectory("albertaot-bench-").FullName;
        try
        {
            string json = Path.Combine(folder, "bench.json");
            Assert.Equal(0, Bench("--seq", "4,8", "--threads", "2", "--runs", "3", "--warmup", "1", "--json", json));

            using var document = JsonDocument.Parse(File.ReadAllText(json));
            JsonElement root = document.RootElement;
            Assert.Equal("AlbertAot", root.GetProperty("Engine").GetString());
            Assert.Equal(2, root.GetProperty("Threads").GetInt32());
            JsonElement[] rows = root.GetProperty("Rows").EnumerateArray().ToArray();
            Assert.Equal(new[] { 4, 8 }, rows.Select(r => r.GetProperty("SeqLen").GetInt32()));
            foreach (JsonElement row in rows)
            {
                Assert.Equal(3, row.GetProperty("Runs").GetInt32());
                Assert.True(row.GetProperty("MinMs").GetDouble() > 0);
                Assert.True(row.GetProperty("MinMs").GetDouble() <= row.GetProperty("MedianMs").GetDouble());
                Assert.True(row.GetProperty("MedianMs").GetDouble() <= row.GetProperty("P90Ms").GetDouble());
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("--min-seconds", "abc", "--min-seconds takes a number of seconds from 0 to 86400, got 'abc'")]
    [InlineData("--min-seconds", "-1", "--min-seconds takes a number of seconds from 0 to 86400, got '-1'")]
    [InlineData("--min-seconds", "NaN", "--min-seconds takes a number of seconds from 0 to 86400, got 'NaN'")]
    [InlineData("--min-seconds", "1e9999", "--min-seconds takes a number of seconds from 0 to 86400, got '1e9999'")] // infinity: would never stop
    [InlineData("--seq", "8,,16", "--seq takes positive integers, got ''")]
    [InlineData("--seq", "65", "--seq 65 exceeds the model's max_position_embeddings 64")]
    [InlineData("--warmup", "0", "--warmup takes positive integers, got '0'")]
    [InlineData("--outputs", "all", "--outputs is 'logits'")]
    [InlineData("--workload", "throughput", "--workload is 'latency' (the default), 'fill-mask' or 'batched', not 'throughput'")]
    public void Bench_refuses_a_bad_option_with_a_message_that_names_it(string option, string value, string message) =>
        Assert.Contains(message, Assert.Throws<CliException>(() => Bench("--runs", "1", option, value)).Message);

    [Fact]
    public void Bench_refuses_a_json_file_it_could_not_write_before_it_runs()
    {
        // Before: the runs went ahead (minutes at 512 tokens) and the write then failed with the runtime's IOException.
        string missing = Path.Combine(Path.GetTempPath(), $"albertaot-missing-{Guid.NewGuid():N}", "bench.json");
        string message = Assert.Throws<CliException>(() => Bench("--runs", "1", "--seq", "4", "--json", missing)).Message;
        Assert.Contains("the folder", message);
        Assert.Contains("does not exist", message);

        string folder = Directory.CreateTempSubdirectory("albertaot-bench-").FullName;
        try
        {
            Assert.Contains("is a folder", Assert.Throws<CliException>(() => Bench("--runs", "1", "--seq", "4", "--json", folder)).Message);
        }
        finally
        {
            Directory.Delete(folder);
        }
    }
}
