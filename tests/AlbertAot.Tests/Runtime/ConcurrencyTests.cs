using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AlbertAot.Pipelines;
using AlbertAot.Runtime;
using AlbertAot.Tests.Fixtures;
using AlbertAot.Tokenization;
using Xunit;

namespace AlbertAot.Tests.Runtime;

/// <summary>
/// The thread-safety contract: a model instance (and its tokenizer, and a pipeline built without a session) may be
/// used from any number of threads at once and gives bit-identical results to sequential calls; a session serves one
/// call at a time and says so when misused.
/// </summary>
public class ConcurrencyTests
{
    private const int Threads = 8, TotalCalls = 1000;

    /// <summary>Inputs of different shapes, so concurrent calls grow and share activation buffers of different sizes.</summary>
    private static readonly AlbertInputs[] Inputs =
    [
        AlbertInputs.Single(2, 10, 11, 12, 3),
        AlbertInputs.FromRows([[2L, 10, 11, 12, 13, 3], [2L, 20, 21, 3, 0, 0]], [[0L, 0, 0, 1, 1, 1], [0L, 0, 1, 1, 0, 0]], [[1L, 1, 1, 1, 1, 1], [1L, 1, 1, 1, 0, 0]]),
        AlbertInputs.FromRows(Enumerable.Range(0, 4).Select(r => Enumerable.Range(0, 40).Select(i => (long)((i * 7 + r * 13) % 900 + 5)).ToArray()).ToList()),
        AlbertInputs.FromRows([[2L, 4, 3]], attentionMask: [[0L, 0, 0]]),
        AlbertInputs.Single(Enumerable.Range(0, 64).Select(i => (long)(i + 100)).ToArray()),
    ];

    /// <summary>One kind of call and how to compare its result.</summary>
    private delegate float[] Job(IAlbertModel model);

    private static List<(string Name, Job Run)> Jobs()
    {
        var jobs = new List<(string, Job)>();
        for (int i = 0; i < Inputs.Length; i++)
        {
            AlbertInputs inputs = Inputs[i];
            jobs.Add(($"features {i}", m => Concat(m.Forward(inputs))));
            jobs.Add(($"MLM logits {i}", m => m.Forward(inputs, AlbertOutputKinds.MlmLogits).MlmLogits!.Data));
            jobs.Add(($"MLM at {i}", m => m.MlmLogitsAt(inputs, [(inputs.BatchSize - 1, inputs.SequenceLength - 1), (0, 0)]).Data));
            jobs.Add(($"buffers {i}", m =>
            {
                AlbertOutputBuffers buffers = AlbertOutputBuffers.Allocate(m, inputs, AlbertOutputKinds.Features);
                m.Forward(inputs, buffers);
                return [.. buffers.LastHiddenState.ToArray(), .. buffers.PoolerOutput.ToArray()];
            }));
        }
        return jobs;
    }

    private static float[] Concat(AlbertOutputs o) => [.. o.LastHiddenState!.Data, .. o.PoolerOutput!.Data];

    [Fact]
    public void One_model_from_8_threads_1000_calls_is_bit_identical_to_sequential_calls()
    {
        IAlbertModel model = new TinyV1Model();
        List<(string Name, Job Run)> jobs = Jobs();
        float[][] expected = jobs.Select(j => j.Run(model)).ToArray();

        var failures = new ConcurrentQueue<string>();
        int calls = 0;
        using var start = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (int i = 0; i < TotalCalls / Threads; i++)
            {
                int j = (t * 7 + i * 3) % jobs.Count;
                try
                {
                    float[] actual = jobs[j].Run(model);
                    if (!actual.AsSpan().SequenceEqual(expected[j])) failures.Enqueue($"thread {t}, call {i}: {jobs[j].Name} differs");
                }
                catch (Exception e) { failures.Enqueue($"thread {t}, call {i}: {jobs[j].Name} threw {e}"); }
                Interlocked.Increment(ref calls);
            }
        })).ToArray();
        foreach (Thread thread in threads) thread.Start();
        foreach (Thread thread in threads) Assert.True(thread.Join(TimeSpan.FromMinutes(5)), "a thread hung");

        Assert.Equal(TotalCalls, calls);
        Assert.Empty(failures);
    }

    [Fact]
    public void A_session_per_thread_with_its_own_pool_is_bit_identical_too()
    {
        IAlbertModel model = new TinyGroupsModel();
        float[][] expected = Inputs.Select(i => Concat(model.Forward(i))).ToArray();
        var failures = new ConcurrentQueue<string>();
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
        {
            using AlbertSession session = model.CreateSession(threads: 2);
            for (int i = 0; i < 40; i++)
            {
                int k = (t + i) % Inputs.Length;
                if (!Concat(session.Forward(Inputs[k])).AsSpan().SequenceEqual(expected[k])) failures.Enqueue($"session {t}, call {i}, input {k}");
            }
        });
        Assert.Empty(failures);
    }

    [Fact]
    public void The_tokenizer_and_pipelines_without_a_session_are_thread_safe()
    {
        AlbertTokenizer tokenizer = TinyHeadsBaseModel.ModelTokenizer;
        var features = new FeatureExtractionPipeline(new TinyHeadsBaseModel());
        var classify = new TextClassificationPipeline(new TinyHeadsSeqClsModel());
        string[] texts = ["and god said", "in the beginning god created the heaven and the earth", "", "[MASK] light, 1,000 times", "\uD800 e\u0301"];
        int[][] ids = texts.Select(t => tokenizer.Encode(t).InputIds).ToArray();
        float[][] hidden = texts.Select(t => features.Run(t).LastHiddenState.Data).ToArray();
        float[] scores = texts.Select(t => classify.Run(t)[0].Score).ToArray();
        var failures = new ConcurrentQueue<string>();
        Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = Threads }, i =>
        {
            int k = i % texts.Length;
            if (!tokenizer.Encode(texts[k]).InputIds.SequenceEqual(ids[k])) failures.Enqueue($"tokenizer, text {k}");
            if (!features.Run(texts[k]).LastHiddenState.Data.SequenceEqual(hidden[k])) failures.Enqueue($"features, text {k}");
            if (classify.Run(texts[k])[0].Score != scores[k]) failures.Enqueue($"classification, text {k}");
        });
        Assert.Empty(failures);
    }

    [Fact]
    public void A_pipeline_refuses_a_session_of_another_model()
    {
        // Otherwise every result would silently be the other model's.
        using AlbertSession other = new TinyHeadsSeqClsModel().CreateSession();
        var e = Assert.Throws<ArgumentException>(() => new FeatureExtractionPipeline(new TinyHeadsBaseModel(), other));
        Assert.Equal("session", e.ParamName);
        Assert.Contains("runs checkpoint 'tiny-heads-seq-cls' of another model class, not this pipeline's model ('tiny-heads-base')", e.Message);
        using AlbertSession own = new TinyHeadsBaseModel().CreateSession(threads: 2);
        Assert.Equal(new FeatureExtractionPipeline(new TinyHeadsBaseModel()).Run("and god said").LastHiddenState.Data,
            new FeatureExtractionPipeline(new TinyHeadsBaseModel(), own).Run("and god said").LastHiddenState.Data);
    }

    /// <summary>Input ids whose span blocks until released: holds a call inside the engine, deterministically.</summary>
    private sealed class BlockingIds(long[] ids) : MemoryManager<long>
    {
        public readonly ManualResetEventSlim Entered = new(), Release = new();
        private bool _armed;

        /// <summary>The ids as AlbertInputs; reading them then blocks (MemoryManager.Memory itself reads the span once).</summary>
        public AlbertInputs Inputs()
        {
            var inputs = new AlbertInputs(1, ids.Length, Memory);
            _armed = true;
            return inputs;
        }

        public override Span<long> GetSpan()
        {
            if (!_armed) return ids;
            Entered.Set();
            Assert.True(Release.Wait(TimeSpan.FromMinutes(1)), "never released");
            return ids;
        }

        public override MemoryHandle Pin(int elementIndex = 0) => throw new NotSupportedException();
        public override void Unpin() { }
        protected override void Dispose(bool disposing) { }
    }

    [Fact]
    public async Task A_second_call_on_a_busy_session_is_refused_and_the_first_is_unharmed()
    {
        var model = new TinyV1Model();
        long[] ids = [2, 10, 11, 12, 3];
        float[] expected = model.Forward(AlbertInputs.Single(ids)).LastHiddenState!.Data;
        using AlbertSession session = model.CreateSession(threads: 2);
        var blocking = new BlockingIds(ids);
        AlbertInputs inputs = blocking.Inputs();
        Task<AlbertOutputs> first = Task.Run(() => session.Forward(inputs));
        Assert.True(blocking.Entered.Wait(TimeSpan.FromMinutes(1)));

        var e = Assert.Throws<InvalidOperationException>(() => session.Forward(AlbertInputs.Single(ids)));
        Assert.Equal("This AlbertSession is already running a call: use one session per concurrent caller.", e.Message);
        Assert.Throws<InvalidOperationException>(() => session.MlmLogitsAt(AlbertInputs.Single(ids), [(0, 1)]));
        Assert.Throws<InvalidOperationException>(() => session.Forward(AlbertInputs.Single(ids), new AlbertOutputBuffers { LastHiddenState = new float[1000] }));
        // The model itself is not busy: it gives other callers their own buffers.
        Assert.Equal(expected, model.Forward(AlbertInputs.Single(ids)).LastHiddenState!.Data);

        blocking.Release.Set();
        Assert.Equal(expected, (await first).LastHiddenState!.Data);
        Assert.Equal(expected, session.Forward(AlbertInputs.Single(ids)).LastHiddenState!.Data); // usable again
    }

    [Fact]
    public async Task Dispose_during_a_call_lets_it_finish_then_the_session_refuses_further_calls()
    {
        var model = new TinyV1Model();
        long[] ids = [2, 10, 11, 12, 3];
        float[] expected = model.Forward(AlbertInputs.Single(ids)).LastHiddenState!.Data;
        AlbertSession session = model.CreateSession(threads: 2);
        var blocking = new BlockingIds(ids);
        AlbertInputs inputs = blocking.Inputs();
        Task<AlbertOutputs> first = Task.Run(() => session.Forward(inputs));
        Assert.True(blocking.Entered.Wait(TimeSpan.FromMinutes(1)));

        session.Dispose(); // returns at once; the running call keeps its pool until it ends
        blocking.Release.Set();
        Assert.Equal(expected, (await first).LastHiddenState!.Data);

        var e = Assert.Throws<ObjectDisposedException>(() => session.Forward(AlbertInputs.Single(ids)));
        Assert.Contains("This AlbertSession has been disposed", e.Message);
        Assert.Throws<ObjectDisposedException>(() => session.MlmLogitsAt(AlbertInputs.Single(ids), [(0, 1)]));
        Assert.Throws<ObjectDisposedException>(() => session.State.Pool!.Run(2, _ => { }));
        session.Dispose(); // idempotent
    }
}
