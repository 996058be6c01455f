using System;
using System.Diagnostics;
using System.Threading;
using AlbertAot.Runtime;
using Xunit;

namespace AlbertAot.Tests.Runtime;

/// <summary>ComputePool: every part exactly once, real concurrency, blocking when idle, errors, reentrancy, Dispose.</summary>
public class ComputePoolTests
{
    /// <summary>Counts how often each part ran (parts write disjoint slots, as the GEMM's column ranges do).</summary>
    private readonly struct CountingBody : IComputeBody
    {
        private readonly int[] _counts;
        public CountingBody(int[] counts) => _counts = counts;
        public void Execute(int part) => Interlocked.Increment(ref _counts[part]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void EveryPartRunsExactlyOnce(int threads)
    {
        using var pool = new ComputePool(threads);
        Assert.Equal(threads, pool.ThreadCount);
        for (int parts = 0; parts <= 11; parts++)
            for (int repeat = 0; repeat < 20; repeat++)
            {
                var counts = new int[Math.Max(parts, 1)];
                pool.Run(new CountingBody(counts), parts);
                for (int i = 0; i < parts; i++) Assert.Equal(1, counts[i]);
            }
    }

    [Fact]
    public void SurvivesManyCallsWithoutAllocating()
    {
        using var pool = new ComputePool(2);
        var counts = new int[2];
        var body = new CountingBody(counts);
        for (int i = 0; i < 1000; i++) pool.Run(body, 2); // warm up (JIT, tiering)
        const int calls = 50_000;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < calls; i++) pool.Run(body, 2);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(calls + 1000, counts[0]);
        Assert.Equal(calls + 1000, counts[1]);
        Assert.True(allocated < 1024, $"{allocated} bytes allocated by {calls} calls.");
    }

    [Fact]
    public void PartsRunConcurrentlyOnDifferentThreads()
    {
        using var pool = new ComputePool(2);
        for (int repeat = 0; repeat < 20; repeat++)
        {
            // Each part waits for the other to have started: only two threads at once can finish this.
            int started = 0;
            var threadIds = new int[2];
            bool timedOut = false;
            pool.Run(2, part =>
            {
                threadIds[part] = Environment.CurrentManagedThreadId;
                Interlocked.Increment(ref started);
                var clock = Stopwatch.StartNew();
                while (Volatile.Read(ref started) < 2)
                {
                    if (clock.Elapsed > TimeSpan.FromSeconds(20)) { timedOut = true; break; }
                    Thread.Yield();
                }
            });
            Assert.False(timedOut, "The two parts did not run at the same time.");
            Assert.NotEqual(threadIds[0], threadIds[1]);
        }
    }

    [Fact]
    public void WakesBlockedWorkersAfterIdlePeriods()
    {
        using var pool = new ComputePool(2, TimeSpan.FromMicroseconds(5));
        for (int repeat = 0; repeat < 30; repeat++)
        {
            Thread.Sleep(repeat % 3); // longer than the spin: the worker has blocked (or is about to)
            int started = 0;
            bool timedOut = false;
            pool.Run(2, _ =>
            {
                Interlocked.Increment(ref started);
                var clock = Stopwatch.StartNew();
                while (Volatile.Read(ref started) < 2)
                {
                    if (clock.Elapsed > TimeSpan.FromSeconds(20)) { timedOut = true; break; }
                    Thread.Yield();
                }
            });
            Assert.False(timedOut, $"Call {repeat}: the blocked worker was not woken.");
        }
    }

    [Fact]
    public void WorksWithoutSpinning()
    {
        using var pool = new ComputePool(3, TimeSpan.Zero);
        Assert.Equal(TimeSpan.Zero, pool.SpinDuration);
        for (int repeat = 0; repeat < 500; repeat++)
        {
            var counts = new int[5];
            pool.Run(new CountingBody(counts), 5);
            Assert.All(counts, c => Assert.Equal(1, c));
        }
    }

    [Fact]
    public void CallerWaitsForASlowPart()
    {
        using var pool = new ComputePool(2, TimeSpan.FromMicroseconds(1));
        int done = 0;
        pool.Run(2, part =>
        {
            if (part == 1) Thread.Sleep(50);
            Interlocked.Increment(ref done);
        });
        Assert.Equal(2, Volatile.Read(ref done));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void AnExceptionInAPartIsRethrownAndThePoolStaysUsable(int failingPart)
    {
        using var pool = new ComputePool(2);
        int ran = 0;
        var error = Assert.Throws<InvalidOperationException>(() => pool.Run(4, part =>
        {
            Interlocked.Increment(ref ran);
            if (part == failingPart) throw new InvalidOperationException($"part {part}");
        }));
        Assert.Equal($"part {failingPart}", error.Message);
        Assert.Equal(4, ran); // the other parts still ran: no part is left running when Run returns

        var counts = new int[2];
        pool.Run(new CountingBody(counts), 2);
        Assert.Equal(new[] { 1, 1 }, counts);
    }

    [Fact]
    public void NestedRunThrows()
    {
        using var pool = new ComputePool(2);
        var error = Assert.Throws<InvalidOperationException>(() => pool.Run(2, _ => pool.Run(2, _ => { })));
        Assert.Contains("one call at a time", error.Message);
        pool.Run(2, _ => { });
    }

    [Fact]
    public void DisposeStopsTheWorkers()
    {
        var pool = new ComputePool(3);
        pool.Run(3, _ => { });
        var clock = Stopwatch.StartNew();
        pool.Dispose();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "Dispose did not join the workers promptly.");
        pool.Dispose(); // idempotent
        Assert.Throws<ObjectDisposedException>(() => pool.Run(2, _ => { }));

        // A pool whose workers have blocked also stops.
        var idle = new ComputePool(2, TimeSpan.FromMicroseconds(1));
        idle.Run(2, _ => { });
        Thread.Sleep(20);
        idle.Dispose();
    }

    [Fact]
    public void RejectsBadArguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ComputePool(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ComputePool(2, TimeSpan.FromTicks(-1)));
        using var pool = new ComputePool(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Run(-1, _ => { }));
        Assert.Throws<ArgumentNullException>(() => pool.Run(2, null!));
        int ran = 0;
        pool.Run(3, _ => ran++); // one thread: inline, in order
        Assert.Equal(3, ran);
    }

    [Fact]
    public void MoreThreadsThanProcessorsNeverSpin()
    {
        using var pool = new ComputePool(Environment.ProcessorCount + 1);
        Assert.Equal(TimeSpan.Zero, pool.SpinDuration);
        var counts = new int[pool.ThreadCount * 2];
        pool.Run(new CountingBody(counts), counts.Length);
        Assert.All(counts, c => Assert.Equal(1, c));
    }
}
