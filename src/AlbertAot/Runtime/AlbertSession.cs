using System;
using System.Threading;

namespace AlbertAot.Runtime;

/// <summary>
/// One caller's activation buffers and, for more than one thread, its compute pool. A session serves one call at a
/// time (a second concurrent call throws); create one per thread that runs the model concurrently. The model's own
/// Forward keeps a small pool of single-threaded sessions, so it is thread-safe without one.
/// </summary>
public sealed class AlbertSession : IDisposable
{
    private readonly AlbertEngine _engine;
    private readonly AlbertRunState _state;
    private int _busy;

    internal AlbertSession(AlbertEngine engine, int threads)
    {
        if (threads < 1 || threads > Environment.ProcessorCount * 4)
            throw new ArgumentOutOfRangeException(nameof(threads), threads, $"A session runs on 1 to {Environment.ProcessorCount * 4} threads.");
        _engine = engine;
        _state = new AlbertRunState(engine.Config, threads > 1 ? new ComputePool(threads) : null);
    }

    /// <summary>Threads each call uses (the caller's and Threads − 1 workers).</summary>
    public int Threads => _state.Pool?.ThreadCount ?? 1;

    /// <inheritdoc cref="IAlbertModel.Forward"/>
    public AlbertOutputs Forward(AlbertInputs inputs, AlbertOutputKinds outputs = AlbertOutputKinds.Features)
    {
        Enter();
        try { return _engine.Forward(inputs, outputs, _state); }
        finally { Volatile.Write(ref _busy, 0); }
    }

    /// <inheritdoc cref="IAlbertModel.MlmLogitsAt"/>
    public FloatTensor MlmLogitsAt(AlbertInputs inputs, ReadOnlySpan<(int Batch, int Position)> positions)
    {
        Enter();
        try { return _engine.MlmLogitsAt(inputs, positions, _state); }
        finally { Volatile.Write(ref _busy, 0); }
    }

    public void Dispose() => _state.Pool?.Dispose();

    private void Enter()
    {
        if (Interlocked.Exchange(ref _busy, 1) != 0)
            throw new InvalidOperationException("This AlbertSession is already running a call: use one session per concurrent caller.");
    }
}
