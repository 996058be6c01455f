namespace AlbertAot.Weights;

/// <summary>
/// Where one tensor lies in a model.safetensors file, as the generator read it from the header at build time.
/// </summary>
/// <param name="Name">The tensor's name in the checkpoint.</param>
/// <param name="DType">Its storage type.</param>
/// <param name="FileOffset">Absolute byte offset of its first element in the file (8 + header length + data offset).</param>
/// <param name="ElementCount">Number of elements (product of the shape).</param>
public readonly record struct TensorInfo(string Name, TensorDType DType, long FileOffset, long ElementCount)
{
    public long ByteLength => ElementCount * (DType switch { TensorDType.F32 => 4, TensorDType.I8 => 1, _ => 2 });
}
