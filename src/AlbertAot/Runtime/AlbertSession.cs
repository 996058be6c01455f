using System;
using System.Threading;

namespace AlbertAot.Runtime;

/// <summary>
/// One caller's activation buffers and, for more than one thread, its compute pool. A session serves one call at a
/// time: a second call while one is running (from another thread) throws <see cref="InvalidOperationException"/>
/// rather than sharing the buffers; create one session per thread that runs the model concurrently. A call after
/// <see cref="Dispose"/> throws <see cref="ObjectDisposedException"/>. The model's own Forward is thread-safe without
/// a session (it keeps activation buffers for up to one caller per core).
/// </summary>
public sealed class AlbertSession : IDisposable
{
    private const int Idle = 0, Busy = 1, Disposed = 2;

    private readonly AlbertEngine _engine;
    private readonly AlbertRunState _state;
    private int _status;
    private volatile bool _disposeRequested;

    internal AlbertSession(AlbertEngine engine, int threads)
    {
        if (threads < 1 || threads > Environment.ProcessorCount * 4)
            throw new ArgumentOutOfRangeException(nameof(threads), threads, $"A session runs on 1 to {Environment.ProcessorCount * 4} threads.");
        _engine = engine;
        _state = new AlbertRunState(engine.Config, threads > 1 ? new ComputePool(threads) : null);
    }

    /// <summary>Threads each call uses (the caller's and Threads − 1 workers).</summary>
    public int Threads => _state.Pool?.ThreadCount ?? 1;

    internal AlbertEngine Engine => _engine;

    /// <summary>The session's activation buffers and compute pool (tests probe the pool's threads through it).</summary>
    internal AlbertRunState State => _state;

    /// <inheritdoc cref="IAlbertModel.Forward(AlbertInputs, AlbertOutputKinds)"/>
    public AlbertOutputs Forward(AlbertInputs inputs, AlbertOutputKinds outputs = AlbertOutputKinds.Features)
    {
        Enter();
        try { return _engine.Forward(inputs, outputs, _state); }
        finally { Exit(); }
    }

    /// <summary>
    /// The allocation-free forward pass into the caller's buffers (see <see cref="AlbertOutputBuffers"/>); the session's
    /// compute pool does not allocate either, so a steady stream of calls of one shape allocates nothing.
    /// </summary>
    /// <inheritdoc cref="AlbertEngine.Forward(AlbertInputs, AlbertOutputBuffers)"/>
    public void Forward(AlbertInputs inputs, AlbertOutputBuffers buffers)
    {
        Enter();
        try { _engine.Forward(inputs, buffers, _state); }
        finally { Exit(); }
    }

    /// <inheritdoc cref="IAlbertModel.MlmLogitsAt(AlbertInputs, ReadOnlySpan{ValueTuple{int, int}})"/>
    public FloatTensor MlmLogitsAt(AlbertInputs inputs, ReadOnlySpan<(int Batch, int Position)> positions)
    {
        Enter();
        try { return _engine.MlmLogitsAt(inputs, positions, _state); }
        finally { Exit(); }
    }

    /// <inheritdoc cref="AlbertEngine.MlmLogitsAt(AlbertInputs, ReadOnlySpan{ValueTuple{int, int}}, Span{float})"/>
    public void MlmLogitsAt(AlbertInputs inputs, ReadOnlySpan<(int Batch, int Position)> positions, Span<float> logits)
    {
        Enter();
        try { _engine.MlmLogitsAt(inputs, positions, logits, _state); }
        finally { Exit(); }
    }

    /// <summary>Stops the compute pool's threads. Idempotent; when a call is running, the pool stops as that call returns.</summary>
    public void Dispose()
    {
        _disposeRequested = true;
        if (Interlocked.CompareExchange(ref _status, Disposed, Idle) == Idle) _state.Pool?.Dispose();
        // Busy: Exit sees the request and disposes. Disposed: nothing to do.
    }

    private void Enter()
    {
        int previous = Interlocked.CompareExchange(ref _status, Busy, Idle);
        if (previous == Disposed) throw new ObjectDisposedException(nameof(AlbertSession), "This AlbertSession has been disposed.");
        if (previous == Busy)
            throw new InvalidOperationException("This AlbertSession is already running a call: use one session per concurrent caller.");
        if (_disposeRequested)
        {
            Exit();
            throw new ObjectDisposedException(nameof(AlbertSession), "This AlbertSession has been disposed.");
        }
    }

    private void Exit()
    {
        Interlocked.Exchange(ref _status, Idle); // a full fence: either we see the request or Dispose sees us idle
        // A Dispose that arrived during the call left the pool to us (or to whichever of us wins the exchange).
        if (_disposeRequested && Interlocked.CompareExchange(ref _status, Disposed, Idle) == Idle) _state.Pool?.Dispose();
    }
}
