using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using AlbertAot.Runtime;

namespace AlbertAot.Kernels;

/// <summary>What <see cref="Gemm"/> applies to each output after adding the bias, while the tile is still in L1.</summary>
public enum GemmEpilogue
{
    /// <summary>y = x·Wᵀ + b.</summary>
    None,
    /// <summary>Exact (erf) GELU, as <see cref="Activations.Gelu"/>.</summary>
    Gelu,
    /// <summary>gelu_new (tanh form), as <see cref="Activations.GeluTanh"/>.</summary>
    GeluTanh,
    /// <summary>max(x, 0), as <see cref="Activations.Relu"/>.</summary>
    Relu,
    /// <summary>x·σ(x), as <see cref="Activations.Silu"/>.</summary>
    Silu,
    /// <summary>tanh, as TensorPrimitives.Tanh (what <see cref="Activations.Apply"/> uses; the pooler's activation).</summary>
    Tanh,
}

/// <summary>
/// The micro-kernels a GEMM can run on (tests pick one; production code uses <see cref="Auto"/>). For Float32 and
/// BFloat16 panels the kinds name the vector tier of the kernel. For Int8 panels Vector512 / Vector256 / Vector128
/// (and Vector128Tall) name the widening fallback of that width, Scalar the scalar one, and two kinds exist for Int8
/// only: <see cref="Int8Vnni256"/> (x64 AVX-VNNI vpdpbusd on ymm) and <see cref="Int8Dot128"/> (ARM64 sdot).
/// </summary>
internal enum GemmKernelKind
{
    Auto,
    Vector512,
    Vector256,
    Vector128,
    Vector128Tall,
    Scalar,
    Int8Vnni256,
    Int8Dot128,
}

/// <summary>A micro-kernel: <see cref="Tile"/> computes rows × <see cref="Width"/> outputs from one panel.</summary>
internal unsafe interface IGemmKernel
{
    /// <summary>Most rows per tile.</summary>
    static abstract int Height { get; }

    /// <summary>Columns per tile: a divisor of <see cref="PackedLinear.PanelWidth"/>.</summary>
    static abstract int Width { get; }

    /// <summary>
    /// c[i·ldc + j] = Σ_k a[i·lda + kk]·b[kk·PanelWidth + j] + bias[j] for i &lt; rows (1 .. Height), j &lt; Width, the sum
    /// sequential in kk from 0 in FP32.
    /// </summary>
    static abstract void Tile(int rows, float* a, nint lda, float* b, int k, float* bias, float* c, nint ldc);

    /// <summary>
    /// Depth of the k-blocks <see cref="Gemm.Drive{TKernel}"/> splits a whole panel into, so that the block of the panel
    /// the row blocks share stays in L1 (0: no blocking, the whole depth per tile). Only for kernels that implement
    /// <see cref="TilePart"/>.
    /// </summary>
    static virtual int KBlock => 0;

    /// <summary>
    /// <see cref="Tile"/> over one k-block: the sums start from c's values when <paramref name="accumulate"/> (a partial
    /// sum stored as a float and loaded again is the same float, so the result is the unblocked one bit for bit), and
    /// the bias is added only when <paramref name="bias"/> is not null (the last block).
    /// </summary>
    /// <param name="prefetch">Where to prefetch one 64-byte line per k step, consecutive lines, for the first
    /// <paramref name="prefetchLines"/> steps (0: none): the tile's share of the next k-block, which
    /// <see cref="Gemm.Drive{TKernel}"/> spreads over the passes of the current one.</param>
    static virtual void TilePart(int rows, float* a, nint lda, float* b, int k, float* bias, float* c, nint ldc, bool accumulate,
        float* prefetch, int prefetchLines) =>
        throw new NotSupportedException("This kernel does not block k.");

    /// <summary>Floats of scratch <see cref="Gemm.Drive{TKernel}"/> hands <see cref="BlockAt"/> (0: none).</summary>
    static virtual int ScratchFloats => 0;

    /// <summary>
    /// Where <see cref="TilePart"/> reads k-block [k0, k0 + depth) of a panel: in the panel itself (FP32 panels, where it
    /// is <see cref="StoredAt"/>), or converted once into <paramref name="scratch"/> for every row block to share
    /// (<see cref="GemmBf16Widened256"/>, from <see cref="StoredAt"/>).
    /// </summary>
    static virtual float* BlockAt(float* panel, int k0, int depth, float* scratch) => panel + (nint)k0 * PackedLinear.PanelWidth;

    /// <summary>Where step <paramref name="k0"/> of a panel is stored (the memory to prefetch; k0 = K: the next panel).</summary>
    static virtual float* StoredAt(float* panel, int k0) => panel + (nint)k0 * PackedLinear.PanelWidth;

    /// <summary>Bytes of a panel per k step, as stored.</summary>
    static virtual int StoredBytesPerStep => PackedLinear.PanelWidth * sizeof(float);
}

/// <summary>A compile-time row count: the kernels are instantiated per count so unused accumulators vanish.</summary>
internal interface IGemmRows
{
    static abstract int Value { get; }
}

/// <summary>A compile-time switch of a kernel (whether it prefetches, ...): the JIT keeps one loop per value.</summary>
internal interface IGemmFlag
{
    static abstract bool Value { get; }
}

internal readonly struct GemmRows1 : IGemmRows { public static int Value => 1; }
internal readonly struct GemmRows2 : IGemmRows { public static int Value => 2; }
internal readonly struct GemmRows3 : IGemmRows { public static int Value => 3; }
internal readonly struct GemmRows4 : IGemmRows { public static int Value => 4; }
internal readonly struct GemmRows5 : IGemmRows { public static int Value => 5; }
internal readonly struct GemmRows6 : IGemmRows { public static int Value => 6; }
internal readonly struct GemmRows7 : IGemmRows { public static int Value => 7; }
internal readonly struct GemmRows8 : IGemmRows { public static int Value => 8; }

/// <summary>
/// The fast nn.Linear over a <see cref="PackedLinear"/>: y[r, o] = epilogue(Σ_k x[r, k]·W[o, k] + b[o]), with
/// register-blocked micro-kernels per ISA tier (Vector512 8×48, Vector256 4×24, Vector128 4×12 or 8×12 on ARM64,
/// scalar 1×8), bias and activation fused into the epilogue, and an optional <see cref="ComputePool"/> that splits the
/// output columns across threads.
/// </summary>
/// <remarks>
/// Numerics: every output is accumulated sequentially over k in FP32 from zero (fused multiply-adds where the CPU has
/// them, a multiply and an add where not), then the bias is added, then the activation: the order of
/// <see cref="Linear.ForwardScalar"/>. The result of an output does not depend on the number of rows, the column range
/// or the thread count (bit-identical), only on the ISA tier.
/// Loop order: panel by panel (one panel = 48 output columns, K·192 bytes), and within a panel every block of rows,
/// so a panel is read from memory once and reused from L2 for the other row blocks; with the k-blocking kernels, rows
/// beyond <see cref="RowChunk"/> are first cut into chunks, so that their slice of x stays in L2 too.
/// </remarks>
public static unsafe partial class Gemm
{
    /// <summary>
    /// How far ahead of the panel read the kernels prefetch, one line per k: 16 KiB (measured best on Zen 5,
    /// TOOLCHAIN.md; on Emerald Rapids it took the 8-token 12-layer GEMMs from 16-18 ms to 14 ms, and 1-4 KiB distances,
    /// three lines per k or prefetcht1/t2 were no better).
    /// </summary>
    internal const int PrefetchFloats = 16 * 1024 / sizeof(float);

    /// <summary>
    /// Below this many floating-point operations (2·rows·K·columns, about 2 µs on one core) a pool call runs
    /// single-threaded. Measured: a fork/join costs about 0.4 µs with the worker spinning and 3-4 µs when it has to be
    /// woken (the caller starts on the parts meanwhile), and splitting already paid at 1.2 MFLOP ([8, 768] → 96:
    /// 9.0 → 5.2 µs).
    /// </summary>
    internal const long MinParallelFlops = 1L << 18;

    /// <summary>
    /// y[r, o] = epilogue(Σ_k x[r, k]·W[o, k] + b[o]) for r &lt; <paramref name="rows"/> and o in
    /// [<paramref name="columnStart"/>, <paramref name="columnEnd"/>) (−1: to OutFeatures); other columns of y are left
    /// untouched. x is [rows, InFeatures] and y [rows, OutFeatures], both row-major and dense. Ranges that start and end
    /// on multiples of <see cref="PackedLinear.PanelWidth"/> (or at OutFeatures) are the efficient ones; any range is
    /// computed correctly and gives the same values as the full product.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> x, PackedLinear w, Span<float> y, int rows,
        GemmEpilogue epilogue = GemmEpilogue.None, int columnStart = 0, int columnEnd = -1)
    {
        ArgumentNullException.ThrowIfNull(w);
        Check(x, w, y, rows, epilogue, columnStart, ref columnEnd);
        if (rows == 0 || columnStart == columnEnd) return;
        fixed (float* px = x, py = y)
            RunParallel(GemmKernelKind.Auto, null, px, w.InFeatures, w, py, w.OutFeatures, rows, epilogue, columnStart, columnEnd);
        GC.KeepAlive(w);
    }

    /// <summary>
    /// <see cref="Forward(ReadOnlySpan{float}, PackedLinear, Span{float}, int, GemmEpilogue, int, int)"/> with the
    /// work split across <paramref name="pool"/>'s threads: by rows from 64 rows a thread (<see cref="RowSplit"/>),
    /// otherwise by panel-aligned column ranges (null, a one-thread pool or a product under about 0.26 MFLOP:
    /// single-threaded). Bit-identical to the single-threaded result.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> x, PackedLinear w, Span<float> y, int rows, ComputePool? pool,
        GemmEpilogue epilogue = GemmEpilogue.None, int columnStart = 0, int columnEnd = -1)
    {
        ArgumentNullException.ThrowIfNull(w);
        Check(x, w, y, rows, epilogue, columnStart, ref columnEnd);
        if (rows == 0 || columnStart == columnEnd) return;
        fixed (float* px = x, py = y)
            RunParallel(GemmKernelKind.Auto, pool, px, w.InFeatures, w, py, w.OutFeatures, rows, epilogue, columnStart, columnEnd);
        GC.KeepAlive(w);
    }

    /// <summary>Forward on a chosen micro-kernel (tests: every kernel the process can run, whatever Auto picks).</summary>
    internal static void Forward(GemmKernelKind kind, ReadOnlySpan<float> x, PackedLinear w, Span<float> y, int rows,
        ComputePool? pool = null, GemmEpilogue epilogue = GemmEpilogue.None, int columnStart = 0, int columnEnd = -1)
    {
        Check(x, w, y, rows, epilogue, columnStart, ref columnEnd);
        if (rows == 0 || columnStart == columnEnd) return;
        fixed (float* px = x, py = y)
            RunParallel(kind, pool, px, w.InFeatures, w, py, w.OutFeatures, rows, epilogue, columnStart, columnEnd);
        GC.KeepAlive(w);
    }

    /// <summary>The micro-kernel <see cref="GemmKernelKind.Auto"/> runs on in this process for Int8 panels.</summary>
    internal static GemmKernelKind AutoInt8Kernel =>
        AvxVnni.IsSupported ? GemmKernelKind.Int8Vnni256
        : Dp.IsSupported ? GemmKernelKind.Int8Dot128
        : AutoKernel;

    /// <summary>The micro-kernel <see cref="GemmKernelKind.Auto"/> runs on in this process (Float32 and BFloat16 panels).</summary>
    internal static GemmKernelKind AutoKernel =>
        Vector512.IsHardwareAccelerated ? GemmKernelKind.Vector512
        : Vector256.IsHardwareAccelerated ? GemmKernelKind.Vector256
        : Vector128.IsHardwareAccelerated ? (AdvSimd.Arm64.IsSupported ? GemmKernelKind.Vector128Tall : GemmKernelKind.Vector128)
        : GemmKernelKind.Scalar;

    private static void Check(ReadOnlySpan<float> x, PackedLinear w, Span<float> y, int rows, GemmEpilogue epilogue,
        int columnStart, ref int columnEnd)
    {
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "Must not be negative.");
        if ((uint)epilogue > (uint)GemmEpilogue.Tanh) throw new ArgumentOutOfRangeException(nameof(epilogue), epilogue, "Unknown epilogue.");
        if (columnEnd == -1) columnEnd = w.OutFeatures;
        if (columnStart < 0 || columnEnd < columnStart || columnEnd > w.OutFeatures)
            throw new ArgumentOutOfRangeException(nameof(columnStart),
                $"Column range [{columnStart}, {columnEnd}) is not within [0, {w.OutFeatures}].");
        if (x.Length < (long)rows * w.InFeatures || y.Length < (long)rows * w.OutFeatures)
            throw new ArgumentException(
                $"Gemm [{rows}, {w.InFeatures}] x [{w.OutFeatures}, {w.InFeatures}]ᵀ got x {x.Length}, y {y.Length} values.");
    }

    private static void RunParallel(GemmKernelKind kind, ComputePool? pool, float* x, nint ldx, PackedLinear w, float* y, nint ldy,
        int rows, GemmEpilogue epilogue, int columnStart, int columnEnd)
    {
        if (w.Format == PanelFormat.Int8)
        {
            // Quantize the rows once, on this thread, before the split: every part reads the same bytes.
            if (kind == GemmKernelKind.Auto) kind = AutoInt8Kernel;
            Int8Rows quantized = QuantizeRows(kind, x, ldx, rows, w.InFeatures, w.PanelSteps);
            RunParallel(kind, pool, quantized, x, ldx, w, y, ldy, rows, epilogue, columnStart, columnEnd);
        }
        else
        {
            RunParallel(kind, pool, default, x, ldx, w, y, ldy, rows, epilogue, columnStart, columnEnd);
        }
    }

    private static void RunParallel(GemmKernelKind kind, ComputePool? pool, Int8Rows quantized, float* x, nint ldx, PackedLinear w,
        float* y, nint ldy, int rows, GemmEpilogue epilogue, int columnStart, int columnEnd)
    {
        int firstPanel = columnStart / PackedLinear.PanelWidth;
        int panels = (columnEnd + PackedLinear.PanelWidth - 1) / PackedLinear.PanelWidth - firstPanel;
        int rowParts = RowSplit.Parts(rows, pool);
        bool byRows = rowParts > 1;
        int parts = byRows ? rowParts : Math.Min(pool?.ThreadCount ?? 1, panels);
        if (parts <= 1 || 2L * rows * w.InFeatures * (columnEnd - columnStart) < MinParallelFlops)
        {
            Run(kind, quantized, x, ldx, w, y, ldy, rows, epilogue, columnStart, columnEnd);
            return;
        }
        var body = new ParallelBody
        {
            Kind = kind, Quantized = quantized, X = x, Ldx = ldx, W = w, Y = y, Ldy = ldy, Rows = rows, Epilogue = epilogue,
            ColumnStart = columnStart, ColumnEnd = columnEnd, FirstPanel = firstPanel, Panels = panels, Parts = parts, ByRows = byRows,
        };
        pool!.Run(body, parts);
    }

    /// <summary>One thread's share of a GEMM: a contiguous, panel-aligned range of output columns, or of rows.</summary>
    private struct ParallelBody : IComputeBody
    {
        public GemmKernelKind Kind;
        public Int8Rows Quantized;
        public float* X, Y;
        public nint Ldx, Ldy;
        public PackedLinear W;
        public int Rows, ColumnStart, ColumnEnd, FirstPanel, Panels, Parts;
        public bool ByRows;
        public GemmEpilogue Epilogue;

        public readonly void Execute(int part)
        {
            if (ByRows)
            {
                // The forward's row ranges (RowSplit): each thread's rows stay on its core from one step to the next.
                int r0 = RowSplit.Start(Rows, part, Parts), r1 = RowSplit.Start(Rows, part + 1, Parts);
                if (r0 >= r1) return;
                Int8Rows quantized = Quantized.Q is null ? Quantized
                    : new Int8Rows(Quantized.Q + r0 * Quantized.Stride, Quantized.Stride, Quantized.Scales + r0);
                Run(Kind, quantized, X + r0 * Ldx, Ldx, W, Y + r0 * Ldy, Ldy, r1 - r0, Epilogue, ColumnStart, ColumnEnd);
                return;
            }
            int p0 = FirstPanel + (int)((long)Panels * part / Parts), p1 = FirstPanel + (int)((long)Panels * (part + 1) / Parts);
            int start = Math.Max(ColumnStart, p0 * PackedLinear.PanelWidth), end = Math.Min(ColumnEnd, p1 * PackedLinear.PanelWidth);
            if (start < end) Run(Kind, Quantized, X, Ldx, W, Y, Ldy, Rows, Epilogue, start, end);
        }
    }

    private static void Run(GemmKernelKind kind, Int8Rows quantized, float* x, nint ldx, PackedLinear w, float* y, nint ldy, int rows,
        GemmEpilogue epilogue, int columnStart, int columnEnd)
    {
        if (w.Format == PanelFormat.Int8)
        {
            RunInt8(kind, quantized, w, y, ldy, rows, epilogue, columnStart, columnEnd);
            return;
        }
        if (kind == GemmKernelKind.Auto) kind = AutoKernel;
        if (w.Format == PanelFormat.BFloat16)
        {
            RunBFloat16(kind, x, ldx, w, y, ldy, rows, epilogue, columnStart, columnEnd);
            return;
        }
        // Few rows and weights still where they are: read them in place (bit-identical to the panels).
        if (rows <= GemmRowMajor.MaxRows && w.HasSource && !w.IsPacked)
        {
            switch (kind)
            {
                case GemmKernelKind.Vector512: GemmRowMajor.Drive<Simd512>(x, ldx, w, y, ldy, rows, epilogue, columnStart, columnEnd); return;
                case GemmKernelKind.Vector256: GemmRowMajor.Drive<Simd256>(x, ldx, w, y, ldy, rows, epilogue, columnStart, columnEnd); return;
                case GemmKernelKind.Vector128:
                case GemmKernelKind.Vector128Tall: GemmRowMajor.Drive<Simd128>(x, ldx, w, y, ldy, rows, epilogue, columnStart, columnEnd); return;
                case GemmKernelKind.Scalar: GemmRowMajor.Drive<Simd1>(x, ldx, w, y, ldy, rows, epilogue, columnStart, columnEnd); return;
            }
        }
        switch (kind)
        {
            case GemmKernelKind.Vector512: Drive<GemmKernel512>(x, ldx, w, y, ldy, rows, epilogue, columnStart, columnEnd); break;
            case GemmKernelKind.Vector256: Drive<GemmKernel256>(x, ldx, w, y, ldy, rows, epilogue, columnStart, columnEnd); break;
            case GemmKernelKind.Vector128: Drive<GemmKernel128>(x, ldx, w, y, ldy, rows, epilogue, columnStart, columnEnd); break;
            case GemmKernelKind.Vector128Tall: Drive<GemmKernel128Tall>(x, ldx, w, y, ldy, rows, epilogue, columnStart, columnEnd); break;
            case GemmKernelKind.Scalar: Drive<GemmKernelScalar>(x, ldx, w, y, ldy, rows, epilogue, columnStart, columnEnd); break;
            default: throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown kernel.");
        }
    }

    /// <summary>
    /// Most rows <see cref="Drive{TKernel}"/> runs over the panels at once with a k-blocking kernel; more are cut into
    /// chunks of at most this many, each a pass over every panel. Within a pass each panel's k-block meets every row
    /// block, so the rows' slice of x for that block (rows × KBlock floats) is read once per panel: 64 KiB for 128 rows
    /// stays in L2 with the partial sums, where 512 rows' 256 KiB and 824 rows' 412 KiB are read from L3 for every
    /// panel. The panels are read once per chunk instead (from L3 or memory, prefetched). Measured on an AVX2-only
    /// EPYC (Zen 3), twelve layers' four GEMMs, chunk sizes interleaved 10 times, p25: 512 rows 1299 → 1122 ms, 824 rows
    /// 2379 → 2011 (64 rows: 1131 and 2093; 256: 1186 and 2007); two threads (rows split first) 597 → 581 and
    /// 974 → 935; BF16 at 512 rows 1198 → 1154.
    /// </summary>
    internal const int RowChunk = 128;

    /// <summary>
    /// Columns [columnStart, columnEnd) of y: panel by panel, and within a panel row block by row block (the panel is
    /// reused from L2 by every row block). A panel wholly inside the range is stored straight into y; a partial one
    /// (the padded last panel, or a range that cuts a panel) goes through a tile on the stack.
    /// </summary>
    internal static void Drive<TKernel>(float* x, nint ldx, PackedLinear w, float* y, nint ldy, int rows,
        GemmEpilogue epilogue, int columnStart, int columnEnd) where TKernel : struct, IGemmKernel
    {
        if (TKernel.KBlock > 0 && rows > RowChunk)
        {
            // Chunks of equal size (whole tiles of rows), each a GEMM of its own over every panel.
            int chunks = (rows + RowChunk - 1) / RowChunk;
            int chunk = ((rows + chunks - 1) / chunks + TKernel.Height - 1) / TKernel.Height * TKernel.Height;
            for (int r0 = 0; r0 < rows; r0 += chunk)
                Drive<TKernel>(x + r0 * ldx, ldx, w, y + r0 * ldy, ldy, Math.Min(chunk, rows - r0), epilogue, columnStart, columnEnd);
            return;
        }
        const int P = PackedLinear.PanelWidth;
        int k = w.InFeatures, height = TKernel.Height, width = TKernel.Width;
        float* panels = w.Panels, bias = w.Bias;
        float* tile = stackalloc float[8 * P];
        float* scratch = stackalloc float[TKernel.ScratchFloats];
        int firstPanel = columnStart / P, endPanel = (columnEnd + P - 1) / P;
        for (int panel = firstPanel; panel < endPanel; panel++)
        {
            int c0 = panel * P, lo = Math.Max(columnStart, c0), hi = Math.Min(columnEnd, c0 + P);
            bool whole = lo == c0 && hi == c0 + P;
            float* b = panels + (nint)panel * w.PanelSteps * P, panelBias = bias + c0; // 32-bit values: floats or BF16 pairs
            if (whole && TKernel.KBlock > 0 && k > TKernel.KBlock)
            {
                DriveBlocked<TKernel>(x, ldx, b, k, panelBias, y + c0, ldy, rows, epilogue, scratch);
                continue;
            }
            // Tiles (of the kernel's width) that overlap [lo, hi).
            int s0 = (lo - c0) / width * width, s1 = (hi - c0 + width - 1) / width * width;
            for (int r0 = 0; r0 < rows; r0 += height)
            {
                int h = Math.Min(height, rows - r0);
                float* a = x + r0 * ldx;
                if (whole)
                {
                    float* c = y + r0 * ldy + c0;
                    for (int s = 0; s < P; s += width) TKernel.Tile(h, a, ldx, b + s, k, panelBias + s, c + s, ldy);
                    if (epilogue != GemmEpilogue.None) ApplyEpilogue(epilogue, c, ldy, h);
                }
                else
                {
                    // Tile columns outside [s0, s1) hold stale values: activated but never copied out.
                    for (int s = s0; s < s1; s += width) TKernel.Tile(h, a, ldx, b + s, k, panelBias + s, tile + s, P);
                    if (epilogue != GemmEpilogue.None) ApplyEpilogue(epilogue, tile, P, h);
                    for (int i = 0; i < h; i++)
                        new ReadOnlySpan<float>(tile + i * P + (lo - c0), hi - lo).CopyTo(new Span<float>(y + (r0 + i) * ldy + lo, hi - lo));
                }
            }
        }
    }

    /// <summary>
    /// One whole panel, k-block by k-block, and within a block every row block: the block of the panel (KBlock × 48
    /// floats) is read from L2 once and reused from L1 by the other row blocks, where a full-depth tile of a narrow kernel
    /// streams its columns from L2 for every row block (measured on an AVX2-only Zen 3: [128, 768] × [2304] at 53 % of
    /// peak unblocked). The partial sums wait in y; the bias comes with the last block, the epilogue after it.
    /// </summary>
    /// <remarks>
    /// Prefetch: the passes of tiles over a block prefetch the block that follows it in memory (the panel's next block, or
    /// the next panel's first), each an equal share of its lines, one line per k step, in order: the reads from memory go
    /// on at an even rate while the block in L1 is computed on. Prefetching only from the first pass (16 KiB ahead of the
    /// tile) left the memory idle during the others (at 8 rows the weights streamed at 6.6 GB/s where a plain read of
    /// 28 MB reaches 15), and a whole block requested by the first passes stalled them at 128 rows. 12 layers' GEMMs,
    /// in-process interleaved, p25 of 30: 8 rows 48-55 → 41-45 ms, 16 rows 62-67 → 58-65, 128 and 512 unchanged.
    /// </remarks>
    private static void DriveBlocked<TKernel>(float* x, nint ldx, float* b, int k, float* bias, float* c, nint ldc, int rows,
        GemmEpilogue epilogue, float* scratch) where TKernel : struct, IGemmKernel
    {
        const int P = PackedLinear.PanelWidth, Line = 64 / sizeof(float);
        int height = TKernel.Height, width = TKernel.Width;
        // Up to four row blocks: half-depth blocks, so the next block arriving and the current one fit L1 together (the
        // current one is reused by few passes). 12 layers' GEMMs, p25 of 30, two runs: 8 rows 47.5-53.9 → 44.2-49.5 ms,
        // 16 rows 66.5-75.1 → 53.6-61.8, 32 rows even, 64 rows 152.5 → 163.5 (so not there); BF16 even.
        int kBlock = rows <= 4 * height ? TKernel.KBlock / 2 : TKernel.KBlock;
        int passes = (rows + height - 1) / height * (P / width);
        for (int k0 = 0; k0 < k; k0 += kBlock)
        {
            int depth = Math.Min(kBlock, k - k0);
            bool accumulate = k0 > 0, last = k0 + depth == k;
            float* block = TKernel.BlockAt(b, k0, depth, scratch);
            // The next block in memory (after the panel's last: the next panel's first), in lines; the last panel's
            // prefetches run past the weights, which is harmless (a prefetch never faults).
            float* next = TKernel.StoredAt(b, k0 + depth);
            int nextDepth = Math.Min(kBlock, last ? k : k - k0 - depth);
            int nextLines = nextDepth * TKernel.StoredBytesPerStep / 64, requested = 0;
            int perPass = Math.Min(depth, (nextLines + passes - 1) / passes);
            for (int r0 = 0; r0 < rows; r0 += height)
            {
                int h = Math.Min(height, rows - r0);
                float* a = x + r0 * ldx + k0, cr = c + r0 * ldc;
                for (int s = 0; s < P; s += width)
                {
                    int count = Math.Max(0, Math.Min(perPass, nextLines - requested));
                    TKernel.TilePart(h, a, ldx, block + s, depth, last ? bias + s : null, cr + s, ldc, accumulate,
                        next + requested * Line, count);
                    requested += count;
                }
            }
        }
        if (epilogue == GemmEpilogue.None) return;
        for (int r0 = 0; r0 < rows; r0 += height)
            ApplyEpilogue(epilogue, c + r0 * ldc, ldc, Math.Min(height, rows - r0));
    }

    /// <summary>
    /// The activation over a finished rows × 48 tile (still in L1), by the same kernels as <see cref="Activations.Apply"/>.
    /// Always over the whole panel width, so every value goes through the same (widest) vector form whatever the column
    /// range or thread split; applied to a whole row instead, the last out mod 4 values of a row may take the scalar form,
    /// which agrees to about 1e-7 relative.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void ApplyEpilogue(GemmEpilogue epilogue, float* c, nint ldc, int rows)
    {
        for (int i = 0; i < rows; i++, c += ldc)
        {
            var row = new Span<float>(c, PackedLinear.PanelWidth);
            switch (epilogue)
            {
                case GemmEpilogue.Gelu: ActivationOperators.InPlace<ActivationOperators.GeluOperator>(row); break;
                case GemmEpilogue.GeluTanh: ActivationOperators.InPlace<ActivationOperators.GeluTanhOperator>(row); break;
                case GemmEpilogue.Silu: ActivationOperators.InPlace<ActivationOperators.SiluOperator>(row); break;
                case GemmEpilogue.Relu: TensorPrimitives.Max(row, 0f, row); break;
                case GemmEpilogue.Tanh: TensorPrimitives.Tanh(row, row); break;
            }
        }
    }
}
