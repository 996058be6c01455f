using System;
using System.Runtime.InteropServices;

namespace AlbertAot.Kernels;

/// <summary>
/// An nn.Linear's weights (PyTorch's [out, in] layout) repacked once into the panel layout <see cref="Gemm"/>'s
/// micro-kernels read, with the bias. Immutable after packing; safe to share between threads.
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

    private readonly float* _block;

    private PackedLinear(int outFeatures, int inFeatures)
    {
        if (outFeatures <= 0) throw new ArgumentOutOfRangeException(nameof(outFeatures), outFeatures, "Must be positive.");
        if (inFeatures <= 0) throw new ArgumentOutOfRangeException(nameof(inFeatures), inFeatures, "Must be positive.");
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
        PanelCount = (outFeatures + PanelWidth - 1) / PanelWidth;
        long floats = (long)PanelCount * PanelWidth * ((long)inFeatures + 1); // the panels, then the padded bias
        PackedBytes = floats * sizeof(float);
        _block = (float*)NativeMemory.AlignedAlloc((nuint)PackedBytes, Alignment);
        NativeMemory.Clear(_block, (nuint)PackedBytes); // zero padding: padded columns compute 0 and are never stored
        GC.AddMemoryPressure(PackedBytes);
    }

    ~PackedLinear()
    {
        // A constructor that threw on its arguments leaves nothing allocated; the finalizer still runs.
        if (_block is null) return;
        NativeMemory.AlignedFree(_block);
        GC.RemoveMemoryPressure(PackedBytes);
    }

    /// <summary>Input features (the reduction length K).</summary>
    public int InFeatures { get; }

    /// <summary>Output features (columns of y).</summary>
    public int OutFeatures { get; }

    /// <summary>Number of <see cref="PanelWidth"/>-column panels, the last one possibly padded.</summary>
    public int PanelCount { get; }

    /// <summary>Bytes of native memory the panels and the bias occupy.</summary>
    public long PackedBytes { get; }

    /// <summary>The first panel: panel p starts at <c>Panels + p·InFeatures·PanelWidth</c>.</summary>
    internal float* Panels => _block;

    /// <summary>The bias, padded with zeros to <c>PanelCount·PanelWidth</c> values.</summary>
    internal float* Bias => _block + (long)PanelCount * PanelWidth * InFeatures;

    /// <summary>Packs one nn.Linear. An empty <paramref name="bias"/> means no bias (zeros).</summary>
    public static PackedLinear Pack(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outFeatures, int inFeatures)
    {
        var packed = new PackedLinear(outFeatures, inFeatures);
        packed.SetRows(0, weight, bias, outFeatures);
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
        var packed = new PackedLinear((int)total, inFeatures);
        int offset = 0;
        foreach (var part in parts)
        {
            packed.SetRows(offset, part.Weight.Span, part.Bias.Span, part.OutFeatures);
            offset += part.OutFeatures;
        }
        return packed;
    }

    /// <summary>
    /// The three-way concatenation (fused Q/K/V) over spans, for weights held as spans (e.g. read in place from an
    /// embedded checkpoint). Outputs: [0, out0) from the first, then the second, then the third.
    /// </summary>
    public static PackedLinear PackConcatenated(int inFeatures,
        ReadOnlySpan<float> weight0, ReadOnlySpan<float> bias0, int outFeatures0,
        ReadOnlySpan<float> weight1, ReadOnlySpan<float> bias1, int outFeatures1,
        ReadOnlySpan<float> weight2, ReadOnlySpan<float> bias2, int outFeatures2)
    {
        if (outFeatures0 <= 0 || outFeatures1 <= 0 || outFeatures2 <= 0)
            throw new ArgumentException($"Output features {outFeatures0}, {outFeatures1}, {outFeatures2}: each must be positive.");
        long total = (long)outFeatures0 + outFeatures1 + outFeatures2;
        if (total > int.MaxValue) throw new ArgumentException("Too many output features.");
        var packed = new PackedLinear((int)total, inFeatures);
        packed.SetRows(0, weight0, bias0, outFeatures0);
        packed.SetRows(outFeatures0, weight1, bias1, outFeatures1);
        packed.SetRows(outFeatures0 + outFeatures1, weight2, bias2, outFeatures2);
        return packed;
    }

    /// <summary>W[o, k] as packed (tests and diagnostics).</summary>
    internal float WeightAt(int o, int k)
    {
        if ((uint)o >= (uint)OutFeatures || (uint)k >= (uint)InFeatures) throw new ArgumentOutOfRangeException(nameof(o));
        int panel = o / PanelWidth, j = o - panel * PanelWidth;
        return Panels[((long)panel * InFeatures + k) * PanelWidth + j];
    }

    /// <summary>b[o] as packed (tests and diagnostics).</summary>
    internal float BiasAt(int o)
    {
        if ((uint)o >= (uint)OutFeatures) throw new ArgumentOutOfRangeException(nameof(o));
        return Bias[o];
    }

    /// <summary>Writes rows [offset, offset + count) of the packed [out, in] matrix and their bias.</summary>
    private void SetRows(int offset, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int count)
    {
        int k = InFeatures;
        if (weight.Length != (long)count * k)
            throw new ArgumentException($"Weight of a [{count}, {k}] linear has {weight.Length} values, expected {(long)count * k}.", nameof(weight));
        if (bias.Length != 0 && bias.Length != count)
            throw new ArgumentException($"Bias of a linear with {count} outputs has {bias.Length} values.", nameof(bias));

        float* panels = Panels;
        // Row by row: each source row is read once, front to back, and written with a stride of one panel row.
        for (int i = 0; i < count; i++)
        {
            int o = offset + i, panel = o / PanelWidth, j = o - panel * PanelWidth;
            float* dst = panels + (long)panel * k * PanelWidth + j;
            ReadOnlySpan<float> src = weight.Slice(i * k, k);
            for (int kk = 0; kk < k; kk++) dst[(long)kk * PanelWidth] = src[kk];
        }
        if (bias.Length != 0) bias.CopyTo(new Span<float>(Bias + offset, count));
    }
}
