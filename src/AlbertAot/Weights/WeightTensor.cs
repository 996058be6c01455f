using System;
using System.Runtime.InteropServices;

namespace AlbertAot.Weights;

/// <summary>
/// A weight tensor read from the embedded checkpoint. Float32 values (<see cref="Storage"/> F32) are read in place
/// (F32 storage) or widened once into a pinned array (F16/BF16 storage of a <see cref="AlbertPrecision.Float32"/>
/// model). The matrices of a <see cref="AlbertPrecision.BFloat16"/> or <see cref="AlbertPrecision.Int8"/> model stay
/// narrow (<see cref="Storage"/> BF16 or I8, read in place through <see cref="StoredData"/>; I8 with a float32
/// <see cref="Scale"/> per row): the GEMM packs them into its narrow panels and the embedding lookup widens the rows it
/// reads, so no float32 copy of them ever exists. Immutable; safe to share between threads.
/// </summary>
public sealed unsafe class WeightTensor
{
    private readonly void* _data;

    // Keeps a widened (or test-made) copy alive; its address is stable because it is allocated on the pinned object heap.
    private readonly Array? _owner;

    internal WeightTensor(string name, float* data, int length, float[]? owner)
        : this(name, TensorDType.F32, data, length, owner, null)
    {
    }

    internal WeightTensor(string name, TensorDType storage, void* data, int length, Array? owner, WeightTensor? scale)
    {
        if (storage == TensorDType.F16) throw new ArgumentOutOfRangeException(nameof(storage), storage, "F16 is widened to F32, never kept.");
        if ((storage == TensorDType.I8) != (scale is not null))
            throw new ArgumentException(storage == TensorDType.I8 ? $"I8 tensor '{name}' needs its per-row scales." : $"Only I8 tensors have scales ('{name}' is {storage}).", nameof(scale));
        if (scale is not null && (scale.Storage != TensorDType.F32 || scale.Length == 0 || length % scale.Length != 0))
            throw new ArgumentException($"Scales '{scale.Name}' ({scale.Length} {scale.Storage} values) are not one float32 per row of '{name}' ({length} values).", nameof(scale));
        Name = name;
        Storage = storage;
        _data = data;
        Length = length;
        _owner = owner;
        Scale = scale;
    }

    /// <summary>A float32 tensor over managed values (tests, tools). The array is copied into pinned memory.</summary>
    public static WeightTensor FromArray(string name, ReadOnlySpan<float> values)
    {
        float[] pinned = GC.AllocateUninitializedArray<float>(values.Length, pinned: true);
        values.CopyTo(pinned);
        fixed (float* p = pinned) return new WeightTensor(name, p, pinned.Length, pinned);
    }

    /// <summary>A bfloat16 tensor (the upper halves of float32s) over managed values (tests, tools), kept narrow.</summary>
    public static WeightTensor FromBFloat16(string name, ReadOnlySpan<ushort> values)
    {
        ushort[] pinned = GC.AllocateUninitializedArray<ushort>(values.Length, pinned: true);
        values.CopyTo(pinned);
        fixed (ushort* p = pinned) return new WeightTensor(name, TensorDType.BF16, p, pinned.Length, pinned, null);
    }

    /// <summary>
    /// An int8 matrix of <paramref name="scales"/>.Length rows over managed values (tests, tools): row r stands for
    /// <c>values[r, k]·scales[r]</c>.
    /// </summary>
    public static WeightTensor FromInt8(string name, ReadOnlySpan<sbyte> values, ReadOnlySpan<float> scales)
    {
        sbyte[] pinned = GC.AllocateUninitializedArray<sbyte>(values.Length, pinned: true);
        values.CopyTo(pinned);
        WeightTensor scale = FromArray(name + "_scale", scales);
        fixed (sbyte* p = pinned) return new WeightTensor(name, TensorDType.I8, p, pinned.Length, pinned, scale);
    }

    /// <summary>The tensor's name in the checkpoint.</summary>
    public string Name { get; }

    /// <summary>Number of values (elements).</summary>
    public int Length { get; }

    /// <summary>F32 (float values, <see cref="Span"/>), or BF16 / I8 when kept narrow (<see cref="StoredData"/>).</summary>
    public TensorDType Storage { get; }

    /// <summary>I8 only: one float32 scale per row (value = int8 · scale of its row); null otherwise.</summary>
    public WeightTensor? Scale { get; }

    /// <summary>Rows of an I8 matrix (the number of scales); 0 for other storage.</summary>
    public int ScaleRows => Scale?.Length ?? 0;

    /// <summary>Whether the values are read in place from the embedded checkpoint (no copy).</summary>
    public bool IsInPlace => _owner is null;

    /// <summary>The float32 values. Throws for a narrow (BF16 / I8) tensor: those are read through <see cref="StoredData"/>.</summary>
    public ReadOnlySpan<float> Span => Storage == TensorDType.F32
        ? new((float*)_data, Length)
        : throw new InvalidOperationException($"Tensor '{Name}' is stored as {Storage} for a reduced-precision model; it has no float32 values (read a row with {nameof(WidenRow)}).");

    /// <summary>The first value; stable for the life of this instance (kernels that read in place keep the instance).</summary>
    internal float* Data => Storage == TensorDType.F32 ? (float*)_data : throw new InvalidOperationException($"Tensor '{Name}' is stored as {Storage}.");

    /// <summary>The stored values: float (F32), ushort (BF16) or sbyte (I8), little-endian.</summary>
    internal void* StoredData => _data;

    /// <summary>The BF16 values (the upper halves of float32s).</summary>
    internal ReadOnlySpan<ushort> BFloat16Span => Storage == TensorDType.BF16 ? new((ushort*)_data, Length) : throw new InvalidOperationException($"Tensor '{Name}' is stored as {Storage}, not BF16.");

    /// <summary>The I8 values (row r times <see cref="Scale"/>[r]).</summary>
    internal ReadOnlySpan<sbyte> Int8Span => Storage == TensorDType.I8 ? new((sbyte*)_data, Length) : throw new InvalidOperationException($"Tensor '{Name}' is stored as {Storage}, not I8.");

    /// <summary>Row <paramref name="row"/> of a float32 matrix with <paramref name="width"/> columns.</summary>
    public ReadOnlySpan<float> Row(int row, int width) => Span.Slice(row * width, width);

    /// <summary>
    /// Row <paramref name="row"/> of a matrix with <paramref name="width"/> columns as float32 values, whatever the
    /// storage: copied (F32), widened exactly (BF16) or dequantized as int8·scale (I8).
    /// </summary>
    public void WidenRow(int row, int width, Span<float> destination)
    {
        if ((uint)row >= (uint)(Length / Math.Max(width, 1)) || width <= 0 || (long)(row + 1) * width > Length)
            throw new ArgumentOutOfRangeException(nameof(row), $"Row {row} of width {width} is outside '{Name}' ({Length} values).");
        if (destination.Length < width) throw new ArgumentException($"The destination holds {destination.Length} floats, the row {width}.", nameof(destination));
        switch (Storage)
        {
            case TensorDType.F32:
                new ReadOnlySpan<float>((float*)_data + (long)row * width, width).CopyTo(destination);
                break;
            case TensorDType.BF16:
            {
                ushort* src = (ushort*)_data + (long)row * width;
                for (int i = 0; i < width; i++) destination[i] = BitConverter.Int32BitsToSingle(src[i] << 16);
                break;
            }
            default:
            {
                if (Scale!.Length != Length / width)
                    throw new ArgumentException($"'{Name}' has {Scale.Length} scales, one per row of {Length / width} rows of width {width}.", nameof(width));
                sbyte* src = (sbyte*)_data + (long)row * width;
                float scale = Scale.Span[row];
                for (int i = 0; i < width; i++) destination[i] = src[i] * scale;
                break;
            }
        }
    }

    public override string ToString() => $"{Name} ({Length} {Storage} values{(IsInPlace ? ", in place" : Storage == TensorDType.F32 ? ", widened" : "")})";
}
