using System;
using System.Runtime.InteropServices;
using System.Threading;
using AlbertAot.Weights;

namespace AlbertAot.Kernels;

/// <summary>How a <see cref="PackedLinear"/> stores its weights in the panels (its <see cref="PackedLinear.Format"/>).</summary>
public enum PanelFormat
{
    /// <summary>One float32 per k and column.</summary>
    Float32,
    /// <summary>Two bfloat16 per 32-bit word (k even in the low half, k + 1 in the high half), float32 accumulation.</summary>
    BFloat16,
    /// <summary>Four int8 per 32-bit lane (k .. k + 3, VNNI's layout) with a float32 scale per column, int32 accumulation.</summary>
    Int8,
}

/// <summary>
/// An nn.Linear's weights (PyTorch's [out, in] layout) for <see cref="Gemm"/>: repacked into the panel layout its
/// micro-kernels read, with the bias, or (<see cref="FromWeights(WeightTensor, WeightTensor?, int, int)"/>) kept where
/// they are and packed only when a product with many rows first needs the panels; products with few rows read the
/// weights in place (<see cref="GemmRowMajor"/>). Immutable once packed; safe to share between threads.
/// </summary>
/// <remarks>
/// Layout: the output columns are cut into panels of <see cref="PanelWidth"/> (48) columns; panel p holds, for
/// k = 0 .. in − 1, the 48 values W[48p + j, k] (j = 0..47) side by side: 192 contiguous bytes per k, the panels one
/// after another, so the micro-kernel streams one panel front to back and the next panel follows it in memory (which
/// is what the software prefetch relies on). The last panel is zero-padded when out is not a multiple of 48. The
/// bias follows the panels, padded the same way. The block is 64-byte aligned native memory
/// (NativeMemory.AlignedAlloc), freed by the finalizer: pack once per weight (at first use) and keep the instance for
/// the life of the process. The layout does not depend on the CPU: every ISA tier reads the same panels.
/// Narrow formats (<see cref="Format"/>, from the storage of the weights given to <see cref="FromWeights(int, ValueTuple{WeightTensor, WeightTensor, int}[])"/>)
/// keep the 48 columns and the 192 bytes per step but pack more k into a step: <see cref="PanelFormat.BFloat16"/> two
/// (word j of step s = bf16(W[48p + j, 2s]) | bf16(W[48p + j, 2s + 1]) &lt;&lt; 16, K padded to even with zero),
/// <see cref="PanelFormat.Int8"/> four (byte t of lane j of step s = q(W[48p + j, 4s + t]), K padded to a multiple of 4
/// with zeros). Int8 blocks hold, after the panels, the per-column float32 scales, the per-column int32 sums of q
/// (VNNI's unsigned-activation correction), then the bias. Narrow weights are always packed (at first use): they never
/// take the <see cref="GemmRowMajor"/> path.
/// </remarks>
public sealed unsafe class PackedLinear
{
    /// <summary>Output columns per panel: 3 Vector512 (the AVX-512 kernel's tile width), 6 Vector256, 12 Vector128.</summary>
    public const int PanelWidth = 48;

    private const int Alignment = 64;

    private nint _block; // float*, 64-byte aligned; 0 until packed (published with a volatile write)
    private readonly SourcePart[]? _sources;
    private readonly object? _packLock;

    /// <summary>Consecutive outputs [Start, Start + Count) read from one [Count, in] weight (and bias) in place.</summary>
    internal readonly record struct SourcePart(int Start, int Count, WeightTensor Weight, WeightTensor? Bias);

    private PackedLinear(int outFeatures, int inFeatures, SourcePart[]? sources, PanelFormat format = PanelFormat.Float32)
    {
        if (outFeatures <= 0) throw new ArgumentOutOfRangeException(nameof(outFeatures), outFeatures, "Must be positive.");
        if (inFeatures <= 0) throw new ArgumentOutOfRangeException(nameof(inFeatures), inFeatures, "Must be positive.");
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
        Format = format;
        PanelSteps = StepsFor(inFeatures, format);
        PanelCount = (outFeatures + PanelWidth - 1) / PanelWidth;
        PackedBytes = PackedBytesFor(outFeatures, inFeatures, format); // the panels, then (Int8) scales and sums, then the padded bias
        _sources = sources;
        if (sources is null) Allocate();
        else _packLock = new object();
    }

    ~PackedLinear()
    {
        // A constructor that threw on its arguments leaves nothing allocated; the finalizer still runs.
        if (_block == 0) return;
        NativeMemory.AlignedFree((void*)_block);
        GC.RemoveMemoryPressure(PackedBytes);
    }

    /// <summary>
    /// Memory for the panels: 64-byte aligned; from 4 MB up on Linux, 2 MB aligned and advised for transparent huge
    /// pages. Where THP is "madvise" (as on the VMs measured) unadvised memory gets 4 KiB pages, and streaming the
    /// 28 MB of albert-base's layer walks 7,000 of them per layer, more than the TLB holds. 12 layers' GEMMs on the
    /// AVX2-only EPYC, three interleaved pairs of processes, p25 of 30: 8 rows 33.1-37.8 → 27.5-34.6 ms, 16 rows
    /// 47.2-55.4 → 44.4-46.3, 128 rows within noise. The advice is only that: without libc.so.6 (musl) it is skipped.
    /// </summary>
    private static float* AllocatePanels(long bytes)
    {
        if (bytes < HugePageThreshold || !OperatingSystem.IsLinux())
            return (float*)NativeMemory.AlignedAlloc((nuint)bytes, Alignment);
        nuint rounded = (nuint)((bytes + HugePage - 1) / HugePage * HugePage);
        void* block = NativeMemory.AlignedAlloc(rounded, HugePage);
        try { _ = MAdvise(block, rounded, MAdvHugePage); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { } // advice only
        return (float*)block;
    }

    private const int HugePage = 2 * 1024 * 1024, HugePageThreshold = 4 * 1024 * 1024, MAdvHugePage = 14;

    [DllImport("libc.so.6", EntryPoint = "madvise")]
    private static extern int MAdvise(void* address, nuint length, int advice);

    private void Allocate()
    {
        float* block = AllocatePanels(PackedBytes);
        NativeMemory.Clear(block, (nuint)PackedBytes); // zero padding: padded columns compute 0 and are never stored
        GC.AddMemoryPressure(PackedBytes);
        Volatile.Write(ref _block, (nint)block);
    }

    /// <summary>Input features (the reduction length K).</summary>
    public int InFeatures { get; }

    /// <summary>Output features (columns of y).</summary>
    public int OutFeatures { get; }

    /// <summary>How the panels store the weights: follows the storage of the weights (F32, BF16 or I8).</summary>
    public PanelFormat Format { get; }

    /// <summary>
    /// Steps of 48 32-bit values per panel: InFeatures (Float32), ⌈InFeatures / 2⌉ (BFloat16) or ⌈InFeatures / 4⌉ (Int8).
    /// Panel p starts <c>p·PanelSteps·PanelWidth</c> 32-bit values after <see cref="Panels"/>.
    /// </summary>
    internal int PanelSteps { get; }

    /// <summary>Most input features an Int8 linear takes: its int32 sums (u8 ≤ 255 times |q| ≤ 127, plus 128·Σq) stay exact.</summary>
    public const int MaxInt8InFeatures = 65536;

    private static int StepsFor(int inFeatures, PanelFormat format) => format switch
    {
        PanelFormat.Float32 => inFeatures,
        PanelFormat.BFloat16 => (inFeatures + 1) / 2,
        PanelFormat.Int8 => (inFeatures + 3) / 4,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown panel format."),
    };

    /// <summary>Number of <see cref="PanelWidth"/>-column panels, the last one possibly padded.</summary>
    public int PanelCount { get; }

    /// <summary>Bytes of native memory the panels and the bias occupy once packed.</summary>
    public long PackedBytes { get; }

    /// <summary>What <see cref="PackedBytes"/> is for a linear of this shape: whole panels of <see cref="PanelWidth"/> columns over in + 1 rows (the bias).</summary>
    public static long PackedBytesFor(int outFeatures, int inFeatures) => PackedBytesFor(outFeatures, inFeatures, PanelFormat.Float32);

    /// <summary>
    /// <see cref="PackedBytes"/> of a linear of this shape in <paramref name="format"/>: whole panels of
    /// <see cref="PanelWidth"/> 32-bit columns over the steps (in, ⌈in / 2⌉ or ⌈in / 4⌉), then the bias (and for Int8 the
    /// column scales and sums) padded to whole panels.
    /// </summary>
    public static long PackedBytesFor(int outFeatures, int inFeatures, PanelFormat format) =>
        (long)((outFeatures + PanelWidth - 1) / PanelWidth) * PanelWidth
        * ((long)StepsFor(inFeatures, format) + (format == PanelFormat.Int8 ? 3 : 1)) * sizeof(float);

    /// <summary>Whether the panels exist (always for <see cref="Pack"/>; after the first many-row product for <see cref="FromWeights(WeightTensor, WeightTensor?, int, int)"/>).</summary>
    public bool IsPacked => Volatile.Read(ref _block) != 0;

    /// <summary>Whether the weights can be read in place, unpacked, by <see cref="GemmRowMajor"/>.</summary>
    internal bool HasSource => _sources is not null;

    /// <summary>Where the weights are read in place (null: only the panels exist).</summary>
    internal SourcePart[]? Sources => _sources;

    /// <summary>
    /// The first panel: panel p starts at <c>Panels + p·PanelSteps·PanelWidth</c> (32-bit values: floats, BF16 pairs or
    /// int8 quadruples, per <see cref="Format"/>). Packs at first use.
    /// </summary>
    internal float* Panels => PanelsPacked();

    /// <summary>The bias, padded with zeros to <c>PanelCount·PanelWidth</c> values. Packs at first use.</summary>
    internal float* Bias => PanelsPacked() + (long)PanelCount * PanelWidth * (PanelSteps + (Format == PanelFormat.Int8 ? 2 : 0));

    /// <summary>Int8: the weight scale of each column (0 in padded columns). Packs at first use.</summary>
    internal float* ColumnScales => Format == PanelFormat.Int8
        ? PanelsPacked() + (long)PanelCount * PanelWidth * PanelSteps
        : throw new InvalidOperationException("Only Int8 panels have column scales.");

    /// <summary>Int8: Σ_k q[col, k] per column (0 in padded columns). Packs at first use.</summary>
    internal int* ColumnSums => (int*)(ColumnScales + (long)PanelCount * PanelWidth);

    /// <summary>
    /// Weights read in place (e.g. from the embedded checkpoint; they must outlive this instance, as the
    /// <see cref="WeightTensor"/>s do) and packed into panels only when a product with more rows than
    /// <see cref="GemmRowMajor"/> serves first needs them: a short-sequence model never pays for the copy.
    /// </summary>
    public static PackedLinear FromWeights(WeightTensor weight, WeightTensor? bias, int outFeatures, int inFeatures) =>
        FromWeights(inFeatures, (weight, bias, outFeatures));

    /// <summary>
    /// Several linears that read the same input as one (fused Q/K/V), outputs side by side in the order given, read in
    /// place like <see cref="FromWeights(WeightTensor, WeightTensor?, int, int)"/>.
    /// </summary>
    public static PackedLinear FromWeights(int inFeatures, params (WeightTensor Weight, WeightTensor? Bias, int OutFeatures)[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Length == 0) throw new ArgumentException("At least one linear is needed.", nameof(parts));
        var sources = new SourcePart[parts.Length];
        long total = 0;
        ArgumentNullException.ThrowIfNull(parts[0].Weight, nameof(parts));
        TensorDType storage = parts[0].Weight.Storage;
        PanelFormat format = storage switch
        {
            TensorDType.F32 => PanelFormat.Float32,
            TensorDType.BF16 => PanelFormat.BFloat16,
            TensorDType.I8 => PanelFormat.Int8,
            _ => throw new ArgumentException($"Weight '{parts[0].Weight.Name}' is stored as {storage}: no panel format.", nameof(parts)),
        };
        if (format == PanelFormat.Int8 && inFeatures > MaxInt8InFeatures)
            throw new ArgumentOutOfRangeException(nameof(inFeatures), inFeatures, $"An Int8 linear takes at most {MaxInt8InFeatures} input features (exact int32 sums).");
        for (int i = 0; i < parts.Length; i++)
        {
            var (weight, bias, count) = parts[i];
            ArgumentNullException.ThrowIfNull(weight, nameof(parts));
            if (weight.Storage != storage)
                throw new ArgumentException($"Weight '{weight.Name}' is stored as {weight.Storage}, '{parts[0].Weight.Name}' as {storage}: the parts of a linear share one format.", nameof(parts));
            if (weight.Storage == TensorDType.I8 && weight.ScaleRows != count)
                throw new ArgumentException($"Int8 weight '{weight.Name}' has {weight.ScaleRows} row scales for {count} rows.", nameof(parts));
            if (bias is not null && bias.Storage != TensorDType.F32)
                throw new ArgumentException($"Bias '{bias.Name}' is stored as {bias.Storage}; biases stay float32.", nameof(parts));
            if (count <= 0) throw new ArgumentException($"A part has {count} output features.", nameof(parts));
            if (weight.Length != (long)count * inFeatures)
                throw new ArgumentException($"Weight '{weight.Name}' of a [{count}, {inFeatures}] linear has {weight.Length} values, expected {(long)count * inFeatures}.", nameof(parts));
            if (bias is not null && bias.Length != count)
                throw new ArgumentException($"Bias '{bias.Name}' of a linear with {count} outputs has {bias.Length} values.", nameof(parts));
            if (total + count > int.MaxValue) throw new ArgumentException("Too many output features.", nameof(parts));
            sources[i] = new SourcePart((int)total, count, weight, bias);
            total += count;
        }
        return new PackedLinear((int)total, inFeatures, sources, format);
    }

    /// <summary>Packs the panels now if they are not yet (one thread packs; the others wait).</summary>
    public void EnsurePacked() => PanelsPacked();

    /// <summary>The panels, packing them from the sources the first time (one thread packs; the others wait).</summary>
    private float* PanelsPacked()
    {
        nint block = Volatile.Read(ref _block);
        if (block != 0) return (float*)block;
        lock (_packLock!)
        {
            if (_block != 0) return (float*)_block;
            // Pack into a private block, then publish it: a reader never sees half-written panels.
            float* packing = AllocatePanels(PackedBytes);
            // Zero only what the rows do not write: the last panel (its padded columns and steps) and what follows the
            // panels. Clearing all of it first would write every byte twice (28 MB for albert-base).
            long panelFloats = (long)PanelSteps * PanelWidth;
            NativeMemory.Clear(packing + (PanelCount - 1) * panelFloats, (nuint)(PackedBytes - (PanelCount - 1) * panelFloats * sizeof(float)));
            foreach (SourcePart part in _sources!)
            {
                ReadOnlySpan<float> bias = part.Bias is null ? default : part.Bias.Span;
                switch (Format)
                {
                    case PanelFormat.Float32: SetRows(packing, part.Start, part.Weight.Span, bias, part.Count); break;
                    case PanelFormat.BFloat16: SetRowsBFloat16(packing, part.Start, part.Weight.BFloat16Span, bias, part.Count); break;
                    default: SetRowsInt8(packing, part.Start, part.Weight.Int8Span, part.Weight.Scale!.Span, bias, part.Count); break;
                }
            }
            GC.AddMemoryPressure(PackedBytes);
            Volatile.Write(ref _block, (nint)packing);
            return packing;
        }
    }

    /// <summary>Packs one nn.Linear. An empty <paramref name="bias"/> means no bias (zeros).</summary>
    public static PackedLinear Pack(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outFeatures, int inFeatures)
    {
        var packed = new PackedLinear(outFeatures, inFeatures, null);
        packed.SetRows((float*)packed._block, 0, weight, bias, outFeatures);
        return packed;
    }

    /// <summary>
    /// Packs several linears that read the same input as one, their outputs side by side in the order given (fused
    /// Q/K/V: y[r, 0..H) = Q, [H, 2H) = K, [2H, 3H) = V). An empty bias means zeros for that part.
    /// </summary>
    public static PackedLinear PackConcatenated(int inFeatures,
        params (ReadOnlyMemory<float> Weight, ReadOnlyMemory<float> Bias, int OutFeatures)[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Length == 0) throw new ArgumentException("At least one linear is needed.", nameof(parts));
        long total = 0;
        foreach (var part in parts)
        {
            if (part.OutFeatures <= 0) throw new ArgumentException($"A part has {part.OutFeatures} output features.", nameof(parts));
            total += part.OutFeatures;
        }
        if (total > int.MaxValue) throw new ArgumentException("Too many output features.", nameof(parts));
        var packed = new PackedLinear((int)total, inFeatures, null);
        int offset = 0;
        foreach (var part in parts)
        {
            packed.SetRows((float*)packed._block, offset, part.Weight.Span, part.Bias.Span, part.OutFeatures);
            offset += part.OutFeatures;
        }
        return packed;
    }

    /// <summary>W[o, k] as packed (tests and diagnostics): widened (BFloat16) or q·scale (Int8).</summary>
    internal float WeightAt(int o, int k)
    {
        if ((uint)o >= (uint)OutFeatures || (uint)k >= (uint)InFeatures) throw new ArgumentOutOfRangeException(nameof(o));
        if (_sources is not null && !IsPacked)
        {
            foreach (SourcePart part in _sources)
                if (o < part.Start + part.Count)
                {
                    long at = (long)(o - part.Start) * InFeatures + k;
                    return Format switch
                    {
                        PanelFormat.Float32 => part.Weight.Span[(int)at],
                        PanelFormat.BFloat16 => BitConverter.Int32BitsToSingle(part.Weight.BFloat16Span[(int)at] << 16),
                        _ => part.Weight.Int8Span[(int)at] * part.Weight.Scale!.Span[o - part.Start],
                    };
                }
        }
        int panel = o / PanelWidth, j = o - panel * PanelWidth;
        switch (Format)
        {
            case PanelFormat.Float32: return Panels[((long)panel * PanelSteps + k) * PanelWidth + j];
            case PanelFormat.BFloat16:
            {
                uint word = ((uint*)Panels)[((long)panel * PanelSteps + k / 2) * PanelWidth + j];
                return BitConverter.UInt32BitsToSingle((k & 1) == 0 ? word << 16 : word & 0xFFFF0000u);
            }
            default:
            {
                sbyte q = ((sbyte*)Panels)[(((long)panel * PanelSteps + k / 4) * PanelWidth + j) * 4 + (k & 3)];
                return q * ColumnScales[o];
            }
        }
    }

    /// <summary>b[o] as packed (tests and diagnostics).</summary>
    internal float BiasAt(int o)
    {
        if ((uint)o >= (uint)OutFeatures) throw new ArgumentOutOfRangeException(nameof(o));
        if (_sources is not null && !IsPacked)
        {
            foreach (SourcePart part in _sources)
                if (o < part.Start + part.Count) return part.Bias is null ? 0f : part.Bias.Span[o - part.Start];
        }
        return Bias[o];
    }

    /// <summary>BFloat16: rows [offset, offset + count) as pairs of k per word (the high half 0 past an odd K), and their bias.</summary>
    private void SetRowsBFloat16(float* block, int offset, ReadOnlySpan<ushort> weight, ReadOnlySpan<float> bias, int count)
    {
        int k = InFeatures, steps = PanelSteps;
        uint* panels = (uint*)block;
        for (int i = 0; i < count; i++)
        {
            int o = offset + i, panel = o / PanelWidth, j = o - panel * PanelWidth;
            uint* dst = panels + (long)panel * steps * PanelWidth + j;
            ReadOnlySpan<ushort> src = weight.Slice(i * k, k);
            int s = 0;
            for (; s < k / 2; s++) dst[(long)s * PanelWidth] = src[2 * s] | (uint)src[2 * s + 1] << 16;
            if ((k & 1) != 0) dst[(long)s * PanelWidth] = src[k - 1];
        }
        if (bias.Length != 0) bias.CopyTo(new Span<float>(block + (long)PanelCount * PanelWidth * steps + offset, count));
    }

    /// <summary>Int8: rows [offset, offset + count) as quadruples of k per lane (zeros past K), their scales and Σq, and their bias.</summary>
    private void SetRowsInt8(float* block, int offset, ReadOnlySpan<sbyte> weight, ReadOnlySpan<float> scales, ReadOnlySpan<float> bias, int count)
    {
        int k = InFeatures, steps = PanelSteps;
        long columns = (long)PanelCount * PanelWidth;
        float* columnScales = block + columns * steps;
        int* columnSums = (int*)(columnScales + columns);
        for (int i = 0; i < count; i++)
        {
            int o = offset + i, panel = o / PanelWidth, j = o - panel * PanelWidth;
            sbyte* dst = (sbyte*)(block + (long)panel * steps * PanelWidth + j);
            ReadOnlySpan<sbyte> src = weight.Slice(i * k, k);
            int sum = 0;
            for (int s = 0; s < steps; s++)
            {
                sbyte* lane = dst + (long)s * PanelWidth * sizeof(int);
                for (int t = 0; t < 4; t++)
                {
                    int kk = 4 * s + t;
                    sbyte q = kk < k ? src[kk] : (sbyte)0;
                    lane[t] = q;
                    sum += q;
                }
            }
            columnScales[o] = scales[i];
            columnSums[o] = sum;
        }
        if (bias.Length != 0) bias.CopyTo(new Span<float>(columnSums + columns + offset, count));
    }

    /// <summary>Writes rows [offset, offset + count) of the packed [out, in] matrix and their bias.</summary>
    private void SetRows(float* block, int offset, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int count)
    {
        int k = InFeatures;
        if (weight.Length != (long)count * k)
            throw new ArgumentException($"Weight of a [{count}, {k}] linear has {weight.Length} values, expected {(long)count * k}.", nameof(weight));
        if (bias.Length != 0 && bias.Length != count)
            throw new ArgumentException($"Bias of a linear with {count} outputs has {bias.Length} values.", nameof(bias));

        float* panels = block;
        // Row by row: each source row is read once, front to back, and written with a stride of one panel row.
        for (int i = 0; i < count; i++)
        {
            int o = offset + i, panel = o / PanelWidth, j = o - panel * PanelWidth;
            float* dst = panels + (long)panel * k * PanelWidth + j;
            ReadOnlySpan<float> src = weight.Slice(i * k, k);
            for (int kk = 0; kk < k; kk++) dst[(long)kk * PanelWidth] = src[kk];
        }
        if (bias.Length != 0) bias.CopyTo(new Span<float>(block + (long)PanelCount * PanelWidth * k + offset, count));
    }
}
