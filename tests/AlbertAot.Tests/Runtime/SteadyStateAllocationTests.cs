using System;
using AlbertAot.Runtime;
using AlbertAot.Tests.Fixtures;
using AlbertAot.Tests.Model;
using Xunit;
using Xunit.Abstractions;

namespace AlbertAot.Tests.Runtime;

/// <summary>Tests that measure the whole process's allocations run alone, not beside other test classes.</summary>
[CollectionDefinition(nameof(AllocationMeasurements), DisableParallelization = true)]
public sealed class AllocationMeasurements;

/// <summary>
/// With caller-owned output buffers, a forward pass in the steady state (after the activation buffers have grown to
/// the batch's size) allocates nothing: not on the calling thread, and, through a session, not on the compute pool's
/// workers either.
/// </summary>
[Collection(nameof(AllocationMeasurements))]
public class SteadyStateAllocationTests(ITestOutputHelper output)
{
    private const int Calls = 20;

    private static AlbertInputs Batch() => AlbertInputs.FromRows(
        [[2L, 10, 11, 12, 13, 3], [2L, 20, 21, 3, 0, 0]],
        tokenTypeIds: [[0L, 0, 0, 1, 1, 1], [0L, 0, 1, 1, 0, 0]],
        attentionMask: [[1L, 1, 1, 1, 1, 1], [1L, 1, 1, 1, 0, 0]]);

    [Theory]
    [MemberData(nameof(OutputBuffersTests.Models), MemberType = typeof(OutputBuffersTests))]
    public void The_model_allocates_nothing_per_call_on_the_calling_thread(string name)
    {
        IAlbertModel model = OutputBuffersTests.Create(name);
        AlbertInputs inputs = Batch();
        AlbertOutputBuffers buffers = AlbertOutputBuffers.Allocate(model, inputs, OutputBuffersTests.AllKinds(model));
        for (int i = 0; i < 5; i++) model.Forward(inputs, buffers); // warm-up: buffers grow, code is jitted

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Calls; i++) model.Forward(inputs, buffers);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        output.WriteLine($"{name}: {allocated} bytes over {Calls} calls ({buffers.Kinds})");
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void MlmLogitsAt_into_a_span_allocates_nothing_per_call()
    {
        var model = new TinyV1Model();
        AlbertInputs inputs = Batch();
        (int, int)[] positions = [(0, 2), (1, 1)];
        var logits = new float[positions.Length * TinyV1Model.VocabSize];
        for (int i = 0; i < 5; i++) model.MlmLogitsAt(inputs, positions, logits);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Calls; i++) model.MlmLogitsAt(inputs, positions, logits);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        output.WriteLine($"MlmLogitsAt: {allocated} bytes over {Calls} calls");
        Assert.Equal(0, allocated);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void A_session_allocates_nothing_per_call_on_any_thread(int threads)
    {
        var model = new TinyGroupsModel();
        AlbertInputs inputs = Batch();
        AlbertOutputBuffers buffers = AlbertOutputBuffers.Allocate(model, inputs, AlbertOutputKinds.Features | AlbertOutputKinds.MlmLogits);
        (int, int)[] positions = [(0, 2), (1, 1)];
        var logits = new float[positions.Length * TinyGroupsModel.VocabSize];
        using AlbertSession session = model.CreateSession(threads);
        void Window()
        {
            for (int i = 0; i < Calls; i++)
            {
                session.Forward(inputs, buffers);
                session.MlmLogitsAt(inputs, positions, logits);
            }
        }
        Window();
        // Let the workers fall asleep once: an event's first blocking wait allocates its lock object (once per event).
        System.Threading.Thread.Sleep(20);
        Window();

        // A window of calls allocates nothing per call if any window allocates nothing: every window holds the same
        // calls. Several windows are allowed because a one-time allocation (the first blocking wait of the caller's
        // or a worker's event, which depends on scheduling) may still fall into one; a per-call allocation would show
        // in all of them.
        long callingThread = long.MaxValue;
        for (int attempt = 0; attempt < 8 && callingThread != 0; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            Window();
            callingThread = GC.GetAllocatedBytesForCurrentThread() - before;
            output.WriteLine($"{threads} thread(s), calling thread, window {attempt}: {callingThread} bytes over {Calls} calls");
        }
        Assert.Equal(0, callingThread);

        // The pool's workers: each records its own GC.GetAllocatedBytesForCurrentThread before and after the window.
        if (session.State.Pool is { } pool)
        {
            long workers = long.MaxValue;
            for (int attempt = 0; attempt < 8 && workers != 0; attempt++)
            {
                ThreadAllocations beforeWindow = ThreadAllocations.Probe(pool);
                Window();
                workers = ThreadAllocations.Probe(pool).Since(beforeWindow, exceptThread: Environment.CurrentManagedThreadId);
                output.WriteLine($"{threads} thread(s), {threads - 1} pool worker(s), window {attempt}: {workers} bytes over {Calls} calls");
            }
            Assert.Equal(0, workers);
        }

        // The whole process, for information: the test host's own threads allocate now and then, so this is not asserted.
        long start = GC.GetTotalAllocatedBytes(precise: true);
        for (int i = 0; i < Calls; i++) session.Forward(inputs, buffers);
        output.WriteLine($"{threads} thread(s), whole process: {GC.GetTotalAllocatedBytes(precise: true) - start} bytes over {Calls} calls");
    }

    /// <summary>Every pool thread's allocated-bytes counter, read on that thread.</summary>
    private readonly struct ThreadAllocations(int[] threadIds, long[] bytes)
    {
        public static ThreadAllocations Probe(ComputePool pool)
        {
            var probe = new ProbeBody(new int[pool.ThreadCount], new long[pool.ThreadCount], new int[1]);
            // As many parts as threads, each waiting until all have started: every thread runs exactly one.
            pool.Run(probe, pool.ThreadCount);
            return new ThreadAllocations(probe.ThreadIds, probe.Bytes);
        }

        /// <summary>Bytes the threads of <paramref name="earlier"/> allocated since it, except <paramref name="exceptThread"/>.</summary>
        public long Since(ThreadAllocations earlier, int exceptThread)
        {
            long total = 0;
            for (int i = 0; i < threadIds.Length; i++)
            {
                if (threadIds[i] == exceptThread) continue;
                int j = Array.IndexOf(earlier.ThreadIds, threadIds[i]);
                Assert.True(j >= 0, $"pool thread {threadIds[i]} was not seen by the first probe");
                total += bytes[i] - earlier.Bytes[j];
            }
            return total;
        }

        private int[] ThreadIds => threadIds;
        private long[] Bytes => bytes;
    }

    private readonly struct ProbeBody(int[] threadIds, long[] bytes, int[] started) : IComputeBody
    {
        public int[] ThreadIds => threadIds;
        public long[] Bytes => bytes;

        public void Execute(int part)
        {
            System.Threading.Interlocked.Increment(ref started[0]);
            long deadline = Environment.TickCount64 + 10_000;
            while (System.Threading.Volatile.Read(ref started[0]) < threadIds.Length)
            {
                if (Environment.TickCount64 > deadline) throw new TimeoutException("not every pool thread took a part");
                System.Threading.Thread.SpinWait(10);
            }
            threadIds[part] = Environment.CurrentManagedThreadId;
            bytes[part] = GC.GetAllocatedBytesForCurrentThread();
        }
    }

    [Fact]
    public void The_allocating_forward_allocates_only_its_outputs()
    {
        // For contrast, and to keep the wrapper honest: the allocating API's garbage is its result arrays and tensors.
        var model = new TinyV1Model();
        AlbertInputs inputs = Batch();
        for (int i = 0; i < 5; i++) model.Forward(inputs, AlbertOutputKinds.Features);
        long before = GC.GetAllocatedBytesForCurrentThread();
        model.Forward(inputs, AlbertOutputKinds.Features);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long outputs = (2 * 6 * 32 + 2 * 32) * sizeof(float);
        output.WriteLine($"allocating Forward: {allocated} bytes, of which output data {outputs}");
        Assert.InRange(allocated, outputs, outputs + 1024);
    }
}
