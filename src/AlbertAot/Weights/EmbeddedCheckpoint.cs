using System;
using System.Buffers.Binary;
using System.IO;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AlbertAot.Weights;

/// <summary>
/// A model.safetensors embedded in an assembly as a manifest resource, read in place: the runtime hands out
/// pointers into the resource (in a NativeAOT binary, into its read-only data), never a copy of the checkpoint.
/// The tensor table comes from the generated code (the generator read the header at build time), so nothing is
/// parsed at start-up; the header length and file size are checked against what was compiled.
/// </summary>
public sealed unsafe class EmbeddedCheckpoint
{
    private readonly byte* _base;
    private readonly long _length;

    // Keeps the resource stream (and with it the mapping) alive for the process's lifetime.
    private readonly Stream _stream;

    private EmbeddedCheckpoint(string resourceName, Stream stream, byte* basePointer, long length)
    {
        ResourceName = resourceName;
        _stream = stream;
        _base = basePointer;
        _length = length;
    }

    /// <summary>The manifest resource name, e.g. <c>AlbertAot/albert-base-v1/model.safetensors</c>.</summary>
    public string ResourceName { get; }

    public long Length => _length;

    /// <summary>
    /// Opens the embedded checkpoint and checks it is the one the code was generated from.
    /// </summary>
    /// <exception cref="AlbertCheckpointException">The resource is missing or differs from the compiled checkpoint.</exception>
    public static EmbeddedCheckpoint Open(Assembly assembly, string resourceName, long expectedLength, long expectedHeaderLength)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentNullException.ThrowIfNull(resourceName);
        if (expectedHeaderLength < 0 || expectedLength < 8 + expectedHeaderLength)
            throw new ArgumentOutOfRangeException(nameof(expectedLength), expectedLength,
                $"A safetensors file holds its 8-byte header length and a header of {expectedHeaderLength} bytes: {expectedLength} bytes cannot.");
        Stream? stream = ResourceStream(assembly, resourceName);
        if (stream is null) throw MissingResource(assembly, resourceName, "checkpoint");
        if (stream.Length != expectedLength)
        {
            throw new AlbertCheckpointException(
                $"The embedded checkpoint '{resourceName}' is {stream.Length} bytes but the model was compiled against a file of " +
                $"{expectedLength} bytes: rebuild the project so the generated code matches the checkpoint.");
        }

        byte* basePointer;
        if (stream is UnmanagedMemoryStream unmanaged)
        {
            // The resource is mapped with the image: a pointer into it is valid for the process's lifetime.
            basePointer = unmanaged.PositionPointer - unmanaged.Position;
        }
        else
        {
            // Hosts that do not map resources: one pinned copy.
            byte[] copy = GC.AllocateUninitializedArray<byte>(checked((int)stream.Length), pinned: true);
            stream.ReadExactly(copy);
            basePointer = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(copy));
            stream = new MemoryStream(copy, writable: false);
        }

        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(basePointer, 8));
        if (headerLength != (ulong)expectedHeaderLength)
        {
            throw new AlbertCheckpointException(
                $"The embedded checkpoint '{resourceName}' has a {headerLength}-byte header but the model was compiled against one of " +
                $"{expectedHeaderLength} bytes: rebuild the project so the generated code matches the checkpoint.");
        }
        return new EmbeddedCheckpoint(resourceName, stream, basePointer, expectedLength);
    }

    /// <summary>Loads the tokenizer embedded beside the checkpoint (its spiece.model).</summary>
    /// <exception cref="AlbertCheckpointException">The resource is missing or is not an ALBERT SentencePiece model.</exception>
    public static Tokenization.AlbertTokenizer LoadTokenizer(Assembly assembly, string resourceName)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentNullException.ThrowIfNull(resourceName);
        using Stream stream = ResourceStream(assembly, resourceName) ?? throw MissingResource(assembly, resourceName, "tokenizer");
        try
        {
            // A mapped resource is parsed where it lies, as the weights are read; other hosts' streams are copied once.
            return stream is UnmanagedMemoryStream unmanaged
                ? Tokenization.AlbertTokenizer.Load(new ReadOnlySpan<byte>(unmanaged.PositionPointer, checked((int)(unmanaged.Length - unmanaged.Position))))
                : Tokenization.AlbertTokenizer.Load(stream);
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException)
        {
            throw new AlbertCheckpointException(
                $"The tokenizer resource '{resourceName}' of assembly '{assembly.GetName().Name}' is not a usable spiece.model ({e.GetType().Name}: {e.Message}): rebuild with the checkpoint's own spiece.model.");
        }
    }

    private static Stream? ResourceStream(Assembly assembly, string resourceName)
    {
        try { return assembly.GetManifestResourceStream(resourceName); }
        catch (NotSupportedException) { return null; } // a dynamic assembly has no manifest resources
    }

    /// <summary>
    /// The error for a resource the generated code names but the binary lacks: which resource, which assembly, what the
    /// assembly does embed, and the likely causes.
    /// </summary>
    internal static AlbertCheckpointException MissingResource(Assembly assembly, string resourceName, string what)
    {
        const string prefix = "AlbertAot/";
        string[] names;
        try { names = assembly.GetManifestResourceNames(); }
        catch (NotSupportedException) { names = []; } // a dynamic assembly
        string CheckpointOf(string resource) =>
            resource.StartsWith(prefix, StringComparison.Ordinal) && resource.IndexOf('/', prefix.Length) is int slash and > 0
                ? resource[prefix.Length..slash]
                : resource;
        string checkpoint = CheckpointOf(resourceName);
        var checkpoints = new System.Collections.Generic.SortedSet<string>(StringComparer.Ordinal);
        var sameCheckpoint = new System.Collections.Generic.List<string>();
        foreach (string name in names)
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal)) continue;
            checkpoints.Add(CheckpointOf(name));
            if (CheckpointOf(name) == checkpoint) sameCheckpoint.Add(name);
        }
        string embedded = checkpoints.Count == 0 ? "it embeds no AlbertAot resources at all"
            : sameCheckpoint.Count > 0 ? $"of checkpoint '{checkpoint}' it embeds only {string.Join(", ", sameCheckpoint)}"
            : $"it embeds the files of checkpoint(s) {string.Join(", ", checkpoints)}";
        return new AlbertCheckpointException(
            $"The {what} resource '{resourceName}' is not embedded in assembly '{assembly.GetName().Name}' ({embedded}). " +
            $"The model class was compiled against checkpoint '{checkpoint}', but this binary was built without its files. " +
            $"The AlbertAot MSBuild targets (build/AlbertAot.targets) embed them for each <AlbertCheckpoint Include=\"...\" Name=\"{checkpoint}\" /> " +
            "item (or weights/<name>/ folder) of the project that declares the model: check that the targets are imported there, that the " +
            "item names this checkpoint, and that no trimming or resource filtering of the publish removed manifest resources named AlbertAot/*.");
    }

    /// <summary>
    /// The tensor as float32: in place for F32 storage, widened once into pinned memory for F16 and BF16.
    /// </summary>
    public WeightTensor Get(in TensorInfo tensor)
    {
        CheckBounds(tensor);
        if (tensor.DType == TensorDType.I8)
            throw new AlbertCheckpointException($"Tensor '{tensor.Name}' of '{ResourceName}' is I8: read it with its scales ({nameof(GetInt8)}).");
        int count = checked((int)tensor.ElementCount);
        byte* source = _base + tensor.FileOffset;
        if (tensor.DType == TensorDType.F32 && BitConverter.IsLittleEndian)
            return new WeightTensor(tensor.Name, (float*)source, count, null);

        float[] widened = GC.AllocateUninitializedArray<float>(count, pinned: true);
        Widen(tensor.DType, new ReadOnlySpan<byte>(source, checked((int)tensor.ByteLength)), widened);
        fixed (float* p = widened) return new WeightTensor(tensor.Name, p, count, widened);
    }

    /// <summary>
    /// A BF16 matrix of a <see cref="AlbertPrecision.BFloat16"/> model, kept narrow and read in place (the GEMM widens it
    /// inside its kernel).
    /// </summary>
    public WeightTensor GetBFloat16(in TensorInfo tensor)
    {
        if (tensor.DType != TensorDType.BF16)
            throw new AlbertCheckpointException($"Tensor '{tensor.Name}' of '{ResourceName}' is {tensor.DType}; a bfloat16 model stores it as BF16.");
        CheckBounds(tensor);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Reduced-precision weights are read in place on little-endian CPUs only.");
        return new WeightTensor(tensor.Name, TensorDType.BF16, _base + tensor.FileOffset, checked((int)tensor.ElementCount), null, null);
    }

    /// <summary>
    /// An I8 matrix of an <see cref="AlbertPrecision.Int8"/> model with its float32 scale per row, both read in place.
    /// </summary>
    public WeightTensor GetInt8(in TensorInfo tensor, in TensorInfo scale)
    {
        if (tensor.DType != TensorDType.I8)
            throw new AlbertCheckpointException($"Tensor '{tensor.Name}' of '{ResourceName}' is {tensor.DType}; an int8 model stores it as I8.");
        if (scale.DType != TensorDType.F32 || scale.ElementCount <= 0 || tensor.ElementCount % scale.ElementCount != 0)
            throw new AlbertCheckpointException(
                $"Scales '{scale.Name}' of '{ResourceName}' ({scale.ElementCount} {scale.DType} values) are not one float32 per row of '{tensor.Name}' ({tensor.ElementCount} values).");
        CheckBounds(tensor);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Reduced-precision weights are read in place on little-endian CPUs only.");
        WeightTensor scales = Get(scale);
        return new WeightTensor(tensor.Name, TensorDType.I8, _base + tensor.FileOffset, checked((int)tensor.ElementCount), null, scales);
    }

    private void CheckBounds(in TensorInfo tensor)
    {
        if (tensor.FileOffset < 0 || tensor.ElementCount < 0 || tensor.FileOffset + tensor.ByteLength > _length)
        {
            throw new AlbertCheckpointException(
                $"Tensor '{tensor.Name}' (bytes {tensor.FileOffset}..{tensor.FileOffset + tensor.ByteLength}) lies outside the " +
                $"embedded checkpoint '{ResourceName}' of {_length} bytes.");
        }
    }

    /// <summary>Converts little-endian F32/F16/BF16 storage to float32.</summary>
    internal static void Widen(TensorDType dtype, ReadOnlySpan<byte> source, Span<float> destination)
    {
        switch (dtype)
        {
            case TensorDType.F32:
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = BinaryPrimitives.ReadSingleLittleEndian(source.Slice(i * 4));
                break;
            case TensorDType.F16:
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(source.Slice(i * 2));
                break;
            case TensorDType.BF16:
                // bfloat16 is the top 16 bits of a float32.
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(source.Slice(i * 2)) << 16);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unsupported storage type.");
        }
    }
}
