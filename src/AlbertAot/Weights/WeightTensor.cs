using System;

namespace AlbertAot.Weights;

/// <summary>
/// A float32 weight tensor, read in place from the embedded checkpoint (F32 storage) or widened once into a
/// pinned array (F16/BF16 storage). Immutable; safe to share between threads.
/// </summary>
public sealed unsafe class WeightTensor
{
    private readonly float* _data;

    // Keeps a widened copy alive; its address is stable because it is allocated on the pinned object heap.
    private readonly float[]? _owner;

    internal WeightTensor(string name, float* data, int length, float[]? owner)
    {
        Name = name;
        _data = data;
        Length = length;
        _owner = owner;
    }

    /// <summary>A tensor over managed values (tests, tools). The array is copied into pinned memory.</summary>
    public static WeightTensor FromArray(string name, ReadOnlySpan<float> values)
    {
        float[] pinned = GC.AllocateUninitializedArray<float>(values.Length, pinned: true);
        values.CopyTo(pinned);
        fixed (float* p = pinned) return new WeightTensor(name, p, pinned.Length, pinned);
    }

    /// <summary>The tensor's name in the checkpoint.</summary>
    public string Name { get; }

    /// <summary>Number of float32 values.</summary>
    public int Length { get; }

    /// <summary>Whether the values are read in place from the embedded checkpoint (no copy).</summary>
    public bool IsInPlace => _owner is null;

    public ReadOnlySpan<float> Span => new(_data, Length);

    /// <summary>The first value; stable for the life of this instance (kernels that read in place keep the instance).</summary>
    internal float* Data => _data;

    /// <summary>Row <paramref name="row"/> of a matrix with <paramref name="width"/> columns.</summary>
    public ReadOnlySpan<float> Row(int row, int width) => Span.Slice(row * width, width);

    public override string ToString() => $"{Name} ({Length} values{(IsInPlace ? ", in place" : ", widened")})";
}
