using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace AlbertAot.Runtime;

/// <summary>One unit of parallel work: <see cref="Execute"/> runs once for every part index of a
/// <see cref="ComputePool.Run{TBody}(in TBody, int)"/> call, on whichever pool thread takes it.</summary>
/// <remarks>Parts run concurrently on a shared copy of the body: they must only read its fields and must write
/// disjoint outputs. Which thread runs which part is not fixed, so a part's result must depend only on its index.</remarks>
public interface IComputeBody
{
    void Execute(int part);
}

/// <summary>
/// A tiny fork/join pool for a forward pass: the calling thread plus <c>ThreadCount − 1</c> long-lived worker threads.
/// <see cref="Run{TBody}(in TBody, int)"/> hands out part indices 0 .. parts − 1 to whichever participating thread asks
/// first (the caller included) and returns when every part is done. No allocation per call.
/// </summary>
/// <remarks>
/// <para>Between calls a worker spins for a bounded time (<see cref="SpinDuration"/>, default 100 µs, the gap between
/// two GEMMs of one forward pass) and then blocks on an event, so an idle pool does not burn a core. A call that
/// finds a worker asleep wakes it and starts on the parts itself: a late worker takes what is left or nothing.</para>
/// <para>Determinism: a part computes the same thing whichever thread runs it, so results equal a single-threaded run
/// as long as the parts write disjoint outputs (the GEMM splits output rows or columns; no reduction is ever shared).</para>
/// <para>Thread-safety: one pool serves one <c>Run</c> at a time. A second concurrent or nested call throws
/// <see cref="InvalidOperationException"/>; hold one pool per concurrent caller (as with the run state), or lock.
/// An exception thrown by a part is rethrown on the calling thread after every part has finished; the pool stays
/// usable. <see cref="Dispose"/> stops the workers; it must not race a <c>Run</c>.</para>
/// </remarks>
public sealed unsafe class ComputePool : IDisposable
{
    /// <summary>The default bounded spin of an idle worker before it blocks.</summary>
    public static readonly TimeSpan DefaultSpinDuration = TimeSpan.FromMicroseconds(100);

    private const int MaxThreads = 256;

    private sealed class Worker
    {
        public readonly ManualResetEventSlim Wake = new(false, 0);
        public int Sleeping;
        public Thread? Thread;
    }

    private readonly Worker[] _workers;
    private readonly long _spinTicks;

    // The published call. _work = generation << 32 | next part index; the other fields are written before _work
    // (release) and read after it (acquire) by a thread that then claims a part with a CAS on _work: a claim only
    // succeeds while that generation is current, so the fields it read belong to it.
    private long _work;
    private delegate*<void*, int, void> _invoke;
    private void* _state;
    private int _parts;
    private int _completed;
    private Exception? _error;

    private uint _generation;
    private int _running;
    private int _callerSleeping;
    private readonly ManualResetEventSlim _done = new(false, 0);
    private volatile bool _disposed;

    /// <summary>A pool of <paramref name="threadCount"/> threads in all: the caller and threadCount − 1 workers.</summary>
    /// <param name="threadCount">1 runs everything inline on the caller. More threads than
    /// <see cref="Environment.ProcessorCount"/> work but never spin (they would only steal the caller's core).</param>
    /// <param name="spinDuration">How long an idle worker (and a caller waiting for the last part) spins before
    /// blocking; null for <see cref="DefaultSpinDuration"/>, zero to always block.</param>
    public ComputePool(int threadCount, TimeSpan? spinDuration = null)
    {
        if (threadCount < 1 || threadCount > MaxThreads)
            throw new ArgumentOutOfRangeException(nameof(threadCount), threadCount, $"Must be 1 to {MaxThreads}.");
        TimeSpan spin = spinDuration ?? DefaultSpinDuration;
        if (spin < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(spinDuration), spin, "Must not be negative.");
        if (threadCount > Environment.ProcessorCount) spin = TimeSpan.Zero;
        SpinDuration = spin;
        _spinTicks = (long)(spin.TotalSeconds * Stopwatch.Frequency);
        ThreadCount = threadCount;
        _workers = new Worker[threadCount - 1];
        for (int i = 0; i < _workers.Length; i++)
        {
            var worker = new Worker();
            worker.Thread = new Thread(WorkerLoop) { IsBackground = true, Name = $"AlbertAot compute {i + 1}" };
            _workers[i] = worker;
        }
        for (int i = 0; i < _workers.Length; i++) _workers[i].Thread!.Start(_workers[i]);
        // ManualResetEventSlim creates its lock object (24 bytes) the first time a Wait blocks; a caller that first
        // had to wait for a late worker in the middle of a steady state then allocated there. One bounded wait here
        // (1 ms, on an event nobody sets) creates it up front, so Run never allocates.
        if (_workers.Length > 0) _done.Wait(1);
    }

    /// <summary>Threads that run parts: the caller plus the workers.</summary>
    public int ThreadCount { get; }

    /// <summary>The bounded spin of an idle thread before it blocks (zero when the pool has more threads than CPUs).</summary>
    public TimeSpan SpinDuration { get; }

    /// <summary>
    /// Runs <c>body.Execute(part)</c> for part = 0 .. <paramref name="parts"/> − 1 across the pool's threads and returns
    /// when all are done. The body is copied once; parts share that copy (see <see cref="IComputeBody"/>).
    /// </summary>
    public void Run<TBody>(in TBody body, int parts) where TBody : struct, IComputeBody
    {
        if (parts < 0) throw new ArgumentOutOfRangeException(nameof(parts), parts, "Must not be negative.");
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (parts == 0) return;
        TBody local = body;
        if (parts == 1 || _workers.Length == 0)
        {
            for (int part = 0; part < parts; part++) local.Execute(part);
            return;
        }
        if (Interlocked.CompareExchange(ref _running, 1, 0) != 0)
            throw new InvalidOperationException("A ComputePool runs one call at a time: this call overlaps another (concurrent or nested).");
        try
        {
            // local lives in this frame until every part is done (the wait below), so its address stays valid and
            // the references it holds stay reported to the GC (it is address-exposed, and KeepAlive reads it after).
            _invoke = &Invoker<TBody>.Invoke;
            _state = Unsafe.AsPointer(ref local);
            _parts = parts;
            _completed = 0;
            _error = null;
            uint generation = ++_generation;
            Interlocked.Exchange(ref _work, (long)generation << 32); // publishes the fields above; a full fence
            int toWake = Math.Min(parts - 1, _workers.Length);
            for (int i = 0; i < _workers.Length && toWake > 0; i++)
            {
                Worker worker = _workers[i];
                if (Volatile.Read(ref worker.Sleeping) != 0) { worker.Wake.Set(); toWake--; }
            }

            while (TryRunPart(generation)) { }
            WaitForCompletion(parts);
            _state = null;
            KeepAlive(ref local);
            Exception? error = _error;
            _error = null;
            if (error is not null) ExceptionDispatchInfo.Throw(error);
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/>(part) for part = 0 .. <paramref name="parts"/> − 1 (convenience; the delegate and
    /// its closure are the caller's allocation — hot paths use <see cref="Run{TBody}(in TBody, int)"/>).
    /// </summary>
    public void Run(int parts, Action<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        Run(new ActionBody(body), parts);
    }

    /// <summary>Stops and joins the worker threads. Idempotent; must not race a <c>Run</c>.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _parts = 0;
        Interlocked.Exchange(ref _work, (long)(++_generation) << 32);
        foreach (Worker worker in _workers) worker.Wake.Set();
        foreach (Worker worker in _workers)
        {
            if (worker.Thread != Thread.CurrentThread) worker.Thread!.Join();
            worker.Wake.Dispose();
        }
        _done.Dispose();
    }

    private readonly struct ActionBody : IComputeBody
    {
        private readonly Action<int> _body;
        public ActionBody(Action<int> body) => _body = body;
        public void Execute(int part) => _body(part);
    }

    private static class Invoker<TBody> where TBody : struct, IComputeBody
    {
        public static void Invoke(void* state, int part) => Unsafe.AsRef<TBody>(state).Execute(part);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void KeepAlive<T>(ref T value) { }

    /// <summary>Claims and runs one part of <paramref name="generation"/>; false when none is left (or the call is over).</summary>
    private bool TryRunPart(uint generation)
    {
        long work = Volatile.Read(ref _work);
        if ((uint)(work >> 32) != generation) return false;
        int part = (int)(uint)work, parts = _parts;
        delegate*<void*, int, void> invoke = _invoke;
        void* state = _state;
        if (part >= parts) return false;
        if (Interlocked.CompareExchange(ref _work, work + 1, work) != work) return true; // another thread took it: retry
        try
        {
            invoke(state, part);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _error, e, null);
        }
        if (Interlocked.Increment(ref _completed) == parts && Volatile.Read(ref _callerSleeping) != 0) _done.Set();
        return true;
    }

    private void WaitForCompletion(int parts)
    {
        long start = Stopwatch.GetTimestamp();
        for (int spins = 0; Volatile.Read(ref _completed) != parts; spins++)
        {
            if ((spins & 63) != 0 || Stopwatch.GetTimestamp() - start < _spinTicks)
            {
                Thread.SpinWait(1);
                continue;
            }
            // Block. The last part's thread increments _completed and then reads _callerSleeping; we set
            // _callerSleeping and then read _completed (both with full fences): one of the two sees the other.
            _done.Reset();
            Interlocked.Exchange(ref _callerSleeping, 1);
            if (Volatile.Read(ref _completed) != parts) _done.Wait();
            Volatile.Write(ref _callerSleeping, 0);
        }
    }

    private void WorkerLoop(object? argument)
    {
        var worker = (Worker)argument!;
        uint seen = 0;
        while (true)
        {
            seen = WaitForGeneration(worker, seen);
            if (_disposed) return;
            while (TryRunPart(seen)) { }
        }
    }

    /// <summary>Spins (bounded), then blocks, until a generation other than <paramref name="seen"/> is published.</summary>
    private uint WaitForGeneration(Worker worker, uint seen)
    {
        long start = Stopwatch.GetTimestamp();
        for (int spins = 0; ; spins++)
        {
            uint generation = (uint)(Volatile.Read(ref _work) >> 32);
            if (generation != seen) return generation;
            if ((spins & 63) != 0 || Stopwatch.GetTimestamp() - start < _spinTicks)
            {
                Thread.SpinWait(1);
                continue;
            }
            // Block. Run publishes _work and then reads Sleeping; we set Sleeping and then read _work (both with full
            // fences): either we see the new generation or Run sees us asleep and sets Wake. A stale Set only causes
            // one spurious pass through this loop.
            worker.Wake.Reset();
            Interlocked.Exchange(ref worker.Sleeping, 1);
            if ((uint)(Volatile.Read(ref _work) >> 32) == seen) worker.Wake.Wait();
            Volatile.Write(ref worker.Sleeping, 0);
            start = Stopwatch.GetTimestamp();
        }
    }
}
