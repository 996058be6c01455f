using System;
using System.Runtime.InteropServices;
using System.Threading;
using AlbertAot.Weights;

namespace AlbertAot.Kernels;

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

    private PackedLinear(int outFeatures, int inFeatures, SourcePart[]? sources)
    {
        if (outFeatures <= 0) throw new ArgumentOutOfRangeException(nameof(outFeatures), outFeatures, "Must be positive.");
        if (inFeatures <= 0) throw new ArgumentOutOfRangeException(nameof(inFeatures), inFeatures, "Must be positive.");
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
        PanelCount = (outFeatures + PanelWidth - 1) / PanelWidth;
        PackedBytes = PackedBytesFor(outFeatures, inFeatures); // the panels, then the padded bias
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

    private void Allocate()
    {
        float* block = (float*)NativeMemory.AlignedAlloc((nuint)PackedBytes, Alignment);
        NativeMemory.Clear(block, (nuint)PackedBytes); // zero padding: padded columns compute 0 and are never stored
        GC.AddMemoryPressure(PackedBytes);
        Volatile.Write(ref _block, (nint)block);
    }

    /// <summary>Input features (the reduction length K).</summary>
    public int InFeatures { get; }

    /// <summary>Output features (columns of y).</summary>
    public int OutFeatures { get; }

    /// <summary>Number of <see cref="PanelWidth"/>-column panels, the last one possibly padded.</summary>
    public int PanelCount { get; }

    /// <summary>Bytes of native memory the panels and the bias occupy once packed.</summary>
    public long PackedBytes { get; }

    /// <summary>What <see cref="PackedBytes"/> is for a linear of this shape: whole panels of <see cref="PanelWidth"/> columns over in + 1 rows (the bias).</summary>
    public static long PackedBytesFor(int outFeatures, int inFeatures) =>
        (long)((outFeatures + PanelWidth - 1) / PanelWidth) * PanelWidth * ((long)inFeatures + 1) * sizeof(float);

    /// <summary>Whether the panels exist (always for <see cref="Pack"/>; after the first many-row product for <see cref="FromWeights(WeightTensor, WeightTensor?, int, int)"/>).</summary>
    public bool IsPacked => Volatile.Read(ref _block) != 0;

    /// <summary>Whether the weights can be read in place, unpacked, by <see cref="GemmRowMajor"/>.</summary>
    internal bool HasSource => _sources is not null;

    /// <summary>Where the weights are read in place (null: only the panels exist).</summary>
    internal SourcePart[]? Sources => _sources;

    /// <summary>The first panel: panel p starts at <c>Panels + p·InFeatures·PanelWidth</c>. Packs at first use.</summary>
    internal float* Panels => PanelsPacked();

    /// <summary>The bias, padded with zeros to <c>PanelCount·PanelWidth</c> values. Packs at first use.</summary>
    internal float* Bias => PanelsPacked() + (long)PanelCount * PanelWidth * InFeatures;

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
        for (int i = 0; i < parts.Length; i++)
        {
            var (weight, bias, count) = parts[i];
            ArgumentNullException.ThrowIfNull(weight, nameof(parts));
            if (count <= 0) throw new ArgumentException($"A part has {count} output features.", nameof(parts));
            if (weight.Length != (long)count * inFeatures)
                throw new ArgumentException($"Weight '{weight.Name}' of a [{count}, {inFeatures}] linear has {weight.Length} values, expected {(long)count * inFeatures}.", nameof(parts));
            if (bias is not null && bias.Length != count)
                throw new ArgumentException($"Bias '{bias.Name}' of a linear with {count} outputs has {bias.Length} values.", nameof(parts));
            if (total + count > int.MaxValue) throw new ArgumentException("Too many output features.", nameof(parts));
            sources[i] = new SourcePart((int)total, count, weight, bias);
            total += count;
        }
        return new PackedLinear((int)total, inFeatures, sources);
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
            float* packing = (float*)NativeMemory.AlignedAlloc((nuint)PackedBytes, Alignment);
            // Zero only what the rows do not write: the last panel (its padded columns) and the bias. Clearing all of it
            // first would write every byte twice (28 MB for albert-base).
            long panelFloats = (long)InFeatures * PanelWidth;
            NativeMemory.Clear(packing + (PanelCount - 1) * panelFloats, (nuint)((panelFloats + (long)PanelCount * PanelWidth) * sizeof(float)));
            foreach (SourcePart part in _sources!)
                SetRows(packing, part.Start, part.Weight.Span, part.Bias is null ? default : part.Bias.Span, part.Count);
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

    /// <summary>W[o, k] as packed (tests and diagnostics).</summary>
    internal float WeightAt(int o, int k)
    {
        if ((uint)o >= (uint)OutFeatures || (uint)k >= (uint)InFeatures) throw new ArgumentOutOfRangeException(nameof(o));
        if (_sources is not null && !IsPacked)
        {
            foreach (SourcePart part in _sources)
                if (o < part.Start + part.Count) return part.Weight.Span[(o - part.Start) * InFeatures + k];
        }
        int panel = o / PanelWidth, j = o - panel * PanelWidth;
        return Panels[((long)panel * InFeatures + k) * PanelWidth + j];
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
