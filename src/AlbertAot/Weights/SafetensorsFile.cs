using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace AlbertAot.Weights;

/// <summary>
/// Element types of the safetensors format. Members are spelled exactly as the header's <c>dtype</c> field spells them.
/// </summary>
public enum SafetensorsDType
{
    BOOL,
    U8,
    I8,
    F8_E5M2,
    F8_E4M3,
    I16,
    U16,
    F16,
    BF16,
    I32,
    U32,
    F32,
    F64,
    I64,
    U64,
}

/// <summary>Header names and element sizes of <see cref="SafetensorsDType"/>.</summary>
public static class SafetensorsDTypes
{
    /// <summary>Bytes per element.</summary>
    public static int ElementSize(this SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.BOOL or SafetensorsDType.U8 or SafetensorsDType.I8
            or SafetensorsDType.F8_E5M2 or SafetensorsDType.F8_E4M3 => 1,
        SafetensorsDType.I16 or SafetensorsDType.U16 or SafetensorsDType.F16 or SafetensorsDType.BF16 => 2,
        SafetensorsDType.I32 or SafetensorsDType.U32 or SafetensorsDType.F32 => 4,
        SafetensorsDType.F64 or SafetensorsDType.I64 or SafetensorsDType.U64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Not a safetensors dtype."),
    };

    /// <summary>The spelling in the header's <c>dtype</c> field, e.g. <c>"BF16"</c>.</summary>
    public static string HeaderName(this SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.BOOL => "BOOL",
        SafetensorsDType.U8 => "U8",
        SafetensorsDType.I8 => "I8",
        SafetensorsDType.F8_E5M2 => "F8_E5M2",
        SafetensorsDType.F8_E4M3 => "F8_E4M3",
        SafetensorsDType.I16 => "I16",
        SafetensorsDType.U16 => "U16",
        SafetensorsDType.F16 => "F16",
        SafetensorsDType.BF16 => "BF16",
        SafetensorsDType.I32 => "I32",
        SafetensorsDType.U32 => "U32",
        SafetensorsDType.F32 => "F32",
        SafetensorsDType.F64 => "F64",
        SafetensorsDType.I64 => "I64",
        SafetensorsDType.U64 => "U64",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Not a safetensors dtype."),
    };

    /// <summary>Parses a header <c>dtype</c> spelling (case-sensitive, as safetensors itself).</summary>
    public static bool TryParse(string headerName, out SafetensorsDType dtype)
    {
        foreach (SafetensorsDType candidate in AllDTypes)
        {
            if (candidate.HeaderName() == headerName)
            {
                dtype = candidate;
                return true;
            }
        }
        dtype = default;
        return false;
    }

    private static readonly SafetensorsDType[] AllDTypes =
    [
        SafetensorsDType.BOOL, SafetensorsDType.U8, SafetensorsDType.I8, SafetensorsDType.F8_E5M2, SafetensorsDType.F8_E4M3,
        SafetensorsDType.I16, SafetensorsDType.U16, SafetensorsDType.F16, SafetensorsDType.BF16, SafetensorsDType.I32,
        SafetensorsDType.U32, SafetensorsDType.F32, SafetensorsDType.F64, SafetensorsDType.I64, SafetensorsDType.U64,
    ];
}

/// <summary>
/// One named tensor: its element type, shape and raw little-endian bytes (row-major). Tensors read from a file share
/// the file's buffer; the factories copy and convert the values they are given.
/// </summary>
public sealed class SafetensorsTensor
{
    /// <summary>A tensor over bytes already in safetensors layout.</summary>
    /// <exception cref="ArgumentException">A dimension is negative or <paramref name="data"/> does not hold exactly the shape's elements.</exception>
    public SafetensorsTensor(string name, SafetensorsDType dtype, ReadOnlySpan<int> shape, ReadOnlyMemory<byte> data)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        CheckDimensions(name, shape);
        long? byteLength = ByteLength(shape, dtype.ElementSize());
        if (data.Length != byteLength)
        {
            throw new ArgumentException(
                $"Tensor '{name}': {dtype.HeaderName()} {FormatShape(shape)} needs {FormatCount(byteLength)} bytes but {data.Length} were given.",
                nameof(data));
        }
        Name = name;
        DType = dtype;
        Shape = Array.AsReadOnly(shape.ToArray());
        ElementCount = data.Length / dtype.ElementSize();
        Data = data;
    }

    public string Name { get; }

    public SafetensorsDType DType { get; }

    public ReadOnlyCollection<int> Shape { get; }

    /// <summary>Product of the shape (1 for a scalar).</summary>
    public long ElementCount { get; }

    /// <summary>The elements as stored: little-endian, row-major, <see cref="ElementCount"/> × element size bytes.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>
    /// A float tensor stored as F32, F16 or BF16. F16 and BF16 round to nearest, ties to even (as PyTorch's casts do).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="values"/> does not fill <paramref name="shape"/>, or <paramref name="storage"/> is not F32, F16 or BF16.</exception>
    public static SafetensorsTensor FromSingles(string name, ReadOnlySpan<float> values, ReadOnlySpan<int> shape,
        SafetensorsDType storage = SafetensorsDType.F32)
    {
        CheckValueCount(name, values.Length, shape);
        if (storage is not (SafetensorsDType.F32 or SafetensorsDType.F16 or SafetensorsDType.BF16))
        {
            throw new ArgumentException(
                $"Tensor '{name}': float values are stored as F32, F16 or BF16, not {storage}.", nameof(storage));
        }
        byte[] data = new byte[(long)values.Length * storage.ElementSize()];
        switch (storage)
        {
            case SafetensorsDType.F32:
                MemoryMarshal.AsBytes(values).CopyTo(data);
                if (!BitConverter.IsLittleEndian)
                    BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, int>(data.AsSpan()), MemoryMarshal.Cast<byte, int>(data.AsSpan()));
                break;
            case SafetensorsDType.F16:
                TensorPrimitives.ConvertToHalf(values, MemoryMarshal.Cast<byte, Half>(data.AsSpan()));
                if (!BitConverter.IsLittleEndian)
                    BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, short>(data.AsSpan()), MemoryMarshal.Cast<byte, short>(data.AsSpan()));
                break;
            case SafetensorsDType.BF16:
                for (int i = 0; i < values.Length; i++)
                    BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(2 * i), RoundToBFloat16(values[i]));
                break;
        }
        return new SafetensorsTensor(name, storage, shape, data);
    }

    /// <summary>An I64 tensor.</summary>
    /// <exception cref="ArgumentException"><paramref name="values"/> does not fill <paramref name="shape"/>.</exception>
    public static SafetensorsTensor FromInt64s(string name, ReadOnlySpan<long> values, ReadOnlySpan<int> shape)
    {
        CheckValueCount(name, values.Length, shape);
        byte[] data = MemoryMarshal.AsBytes(values).ToArray();
        if (!BitConverter.IsLittleEndian)
            BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, long>(data.AsSpan()), MemoryMarshal.Cast<byte, long>(data.AsSpan()));
        return new SafetensorsTensor(name, SafetensorsDType.I64, shape, data);
    }

    /// <summary>The elements as float32: F32 as is, F16 and BF16 widened exactly, F64 rounded to nearest.</summary>
    /// <exception cref="InvalidDataException">The tensor is not F32, F16, BF16 or F64.</exception>
    public float[] ToSingles() => ToSingles(source: null);

    /// <summary>The elements as int64, from I64, I32, I16, I8, U32, U16, U8 or BOOL (0 or 1).</summary>
    /// <exception cref="InvalidDataException">The tensor has another element type.</exception>
    public long[] ToInt64s() => ToInt64s(source: null);

    internal float[] ToSingles(string? source)
    {
        ReadOnlySpan<byte> bytes = Data.Span;
        float[] result = new float[ElementCount];
        switch (DType)
        {
            case SafetensorsDType.F32:
                bytes.CopyTo(MemoryMarshal.AsBytes(result.AsSpan()));
                if (!BitConverter.IsLittleEndian)
                    BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<float, int>(result.AsSpan()), MemoryMarshal.Cast<float, int>(result.AsSpan()));
                break;
            case SafetensorsDType.F16:
                for (int i = 0; i < result.Length; i++)
                    result[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes.Slice(2 * i));
                break;
            case SafetensorsDType.BF16:
                // bfloat16 is the upper half of a float32.
                for (int i = 0; i < result.Length; i++)
                    result[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes.Slice(2 * i)) << 16);
                break;
            case SafetensorsDType.F64:
                for (int i = 0; i < result.Length; i++)
                    result[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes.Slice(8 * i));
                break;
            default:
                throw new InvalidDataException(
                    $"{Describe(source)} is {DType.HeaderName()}; float values are read from F32, F16, BF16 or F64.");
        }
        return result;
    }

    internal long[] ToInt64s(string? source)
    {
        ReadOnlySpan<byte> bytes = Data.Span;
        long[] result = new long[ElementCount];
        switch (DType)
        {
            case SafetensorsDType.I64:
                bytes.CopyTo(MemoryMarshal.AsBytes(result.AsSpan()));
                if (!BitConverter.IsLittleEndian)
                    BinaryPrimitives.ReverseEndianness(result, result);
                break;
            case SafetensorsDType.I32:
                for (int i = 0; i < result.Length; i++)
                    result[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes.Slice(4 * i));
                break;
            case SafetensorsDType.U32:
                for (int i = 0; i < result.Length; i++)
                    result[i] = BinaryPrimitives.ReadUInt32LittleEndian(bytes.Slice(4 * i));
                break;
            case SafetensorsDType.I16:
                for (int i = 0; i < result.Length; i++)
                    result[i] = BinaryPrimitives.ReadInt16LittleEndian(bytes.Slice(2 * i));
                break;
            case SafetensorsDType.U16:
                for (int i = 0; i < result.Length; i++)
                    result[i] = BinaryPrimitives.ReadUInt16LittleEndian(bytes.Slice(2 * i));
                break;
            case SafetensorsDType.I8:
                for (int i = 0; i < result.Length; i++)
                    result[i] = (sbyte)bytes[i];
                break;
            case SafetensorsDType.U8:
                for (int i = 0; i < result.Length; i++)
                    result[i] = bytes[i];
                break;
            case SafetensorsDType.BOOL:
                for (int i = 0; i < result.Length; i++)
                    result[i] = bytes[i] != 0 ? 1 : 0;
                break;
            default:
                throw new InvalidDataException(
                    $"{Describe(source)} is {DType.HeaderName()}; integer values are read from I64, I32, I16, I8, U32, U16, U8 or BOOL.");
        }
        return result;
    }

    /// <summary>Rounds to the nearest bfloat16, ties to even; NaN stays a (quiet) NaN rather than rounding to infinity.</summary>
    internal static ushort RoundToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
            return (ushort)((bits >> 16) | 0x0040);
        uint roundingBias = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }

    internal static string FormatShape(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    private string Describe(string? source) => source is null ? $"Tensor '{Name}'" : $"Tensor '{Name}' of '{source}'";

    /// <summary>Bytes a tensor of non-negative <paramref name="shape"/> takes, or null when that exceeds a long.</summary>
    internal static long? ByteLength(ReadOnlySpan<int> shape, int elementSize)
    {
        if (shape.Contains(0))
            return 0;
        long length = elementSize;
        foreach (int dimension in shape)
        {
            if (length > long.MaxValue / dimension)
                return null;
            length *= dimension;
        }
        return length;
    }

    internal static string FormatCount(long? count) => count?.ToString() ?? $"more than {long.MaxValue}";

    private static void CheckDimensions(string name, ReadOnlySpan<int> shape)
    {
        foreach (int dimension in shape)
        {
            if (dimension < 0)
                throw new ArgumentException($"Tensor '{name}': shape {FormatShape(shape)} has a negative dimension.", nameof(shape));
        }
    }

    private static void CheckValueCount(string name, int valueCount, ReadOnlySpan<int> shape)
    {
        CheckDimensions(name, shape);
        long? elementCount = ByteLength(shape, elementSize: 1);
        if (valueCount != elementCount)
        {
            throw new ArgumentException(
                $"Tensor '{name}': {valueCount} values given for shape {FormatShape(shape)} of {FormatCount(elementCount)} elements.",
                nameof(shape));
        }
    }
}

/// <summary>
/// A safetensors file: an 8-byte little-endian header length N, N bytes of JSON header
/// (<c>{"__metadata__": {..}, name: {"dtype", "shape", "data_offsets": [begin, end]}, ..}</c>), then the tensor data,
/// offsets relative to its start. Reading checks the whole layout as the reference implementation does (tensors
/// contiguous, no holes, no trailing bytes); writing produces what safetensors' own <c>save_file</c> writes
/// (compact header, padded with spaces to a multiple of 8 bytes).
/// </summary>
public sealed class SafetensorsFile
{
    /// <summary>The reference implementation's limit on the header length, in bytes.</summary>
    public const int MaxHeaderLength = 100_000_000;

    private const string MetadataKey = "__metadata__";

    private readonly Dictionary<string, SafetensorsTensor> _tensorsByName;

    private SafetensorsFile(string source, SafetensorsTensor[] tensors, Dictionary<string, string> metadata)
    {
        Source = source;
        Tensors = Array.AsReadOnly(tensors);
        Metadata = new ReadOnlyDictionary<string, string>(metadata);
        _tensorsByName = new Dictionary<string, SafetensorsTensor>(tensors.Length, StringComparer.Ordinal);
        foreach (SafetensorsTensor tensor in tensors)
            _tensorsByName.Add(tensor.Name, tensor);
    }

    /// <summary>The path the file was read from, or the source name given to <see cref="Read(ReadOnlyMemory{byte}, string)"/>.</summary>
    public string Source { get; }

    /// <summary>Every tensor, in the order of their data in the file.</summary>
    public ReadOnlyCollection<SafetensorsTensor> Tensors { get; }

    /// <summary>The header's <c>__metadata__</c> (empty when it has none), e.g. <c>{"format": "pt"}</c>.</summary>
    public ReadOnlyDictionary<string, string> Metadata { get; }

    public bool Contains(string name) => _tensorsByName.ContainsKey(name);

    public bool TryGetTensor(string name, [MaybeNullWhen(false)] out SafetensorsTensor tensor) =>
        _tensorsByName.TryGetValue(name, out tensor);

    /// <exception cref="KeyNotFoundException">The file has no tensor of that name.</exception>
    public SafetensorsTensor this[string name] =>
        _tensorsByName.TryGetValue(name, out SafetensorsTensor? tensor)
            ? tensor
            : throw new KeyNotFoundException($"'{Source}' has no tensor '{name}'.");

    /// <summary>A copy of the tensor's shape.</summary>
    public int[] Shape(string name) => [.. this[name].Shape];

    /// <inheritdoc cref="SafetensorsTensor.ToSingles()"/>
    /// <exception cref="KeyNotFoundException">The file has no tensor of that name.</exception>
    public float[] ReadSingles(string name) => this[name].ToSingles(Source);

    /// <inheritdoc cref="SafetensorsTensor.ToInt64s()"/>
    /// <exception cref="KeyNotFoundException">The file has no tensor of that name.</exception>
    public long[] ReadInt64s(string name) => this[name].ToInt64s(Source);

    /// <summary>Reads and validates a whole file into memory.</summary>
    /// <exception cref="InvalidDataException">The file is not valid safetensors; the message names the file, tensor and problem.</exception>
    /// <exception cref="NotSupportedException">The file is larger than an array can hold.</exception>
    public static SafetensorsFile Read(string path)
    {
        long length = new FileInfo(path).Length;
        if (length > Array.MaxLength)
        {
            throw new NotSupportedException(
                $"'{path}' is {length} bytes; SafetensorsFile reads whole files into memory, at most {Array.MaxLength} bytes.");
        }
        return Read(File.ReadAllBytes(path), path);
    }

    /// <summary>Validates and indexes a safetensors image. Tensors share <paramref name="bytes"/>: keep it unchanged.</summary>
    /// <param name="source">Names the data in error messages and in <see cref="Source"/>.</param>
    /// <exception cref="InvalidDataException">The bytes are not valid safetensors; the message names the source, tensor and problem.</exception>
    public static SafetensorsFile Read(ReadOnlyMemory<byte> bytes, string source = "<memory>")
    {
        ReadOnlySpan<byte> span = bytes.Span;
        if (span.Length < 8)
            throw Invalid($"'{source}' is {span.Length} bytes, shorter than the 8-byte header length that starts a safetensors file.");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(span);
        if (headerLength > MaxHeaderLength)
            throw Invalid($"'{source}' declares a header of {headerLength} bytes, more than the {MaxHeaderLength} bytes safetensors allows.");
        if (headerLength > (ulong)(span.Length - 8))
            throw Invalid($"'{source}' declares a header of {headerLength} bytes but only {span.Length - 8} bytes follow the length field.");

        int dataStart = 8 + (int)headerLength;
        ReadOnlyMemory<byte> data = bytes.Slice(dataStart);
        // The JSON parser checks UTF-8 only when a string is decoded, and then throws InvalidOperationException.
        if (!Utf8.IsValid(span.Slice(8, (int)headerLength)))
            throw Invalid($"The header of '{source}' is not valid UTF-8.");
        JsonDocument header;
        try
        {
            header = JsonDocument.Parse(bytes.Slice(8, (int)headerLength));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The header of '{source}' is not valid JSON: {e.Message}", e);
        }

        using (header)
        {
            if (header.RootElement.ValueKind != JsonValueKind.Object)
                throw Invalid($"The header of '{source}' is a JSON {Kind(header.RootElement)}, not an object.");

            var entries = new List<HeaderEntry>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (JsonProperty property in header.RootElement.EnumerateObject())
            {
                if (!names.Add(property.Name))
                    throw Invalid($"The header of '{source}' has two entries named '{property.Name}'.");
                if (property.Name == MetadataKey)
                    ReadMetadata(source, property.Value, metadata);
                else
                    entries.Add(ReadEntry(source, property, entries.Count, data.Length));
            }
            return new SafetensorsFile(source, CheckLayout(source, entries, data), metadata);
        }
    }

    /// <summary>
    /// Writes tensors in the given order, contiguous, after a compact header padded with spaces to a multiple of 8 bytes.
    /// </summary>
    /// <param name="metadata">The header's <c>__metadata__</c>; null writes <c>{"format": "pt"}</c> as PyTorch's
    /// save_file does, an empty dictionary writes none.</param>
    /// <exception cref="ArgumentException">Two tensors share a name, or one is named <c>__metadata__</c>.</exception>
    public static void Write(string path, IEnumerable<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        SafetensorsTensor[] tensorArray = [.. tensors];
        byte[] header = BuildHeader(tensorArray, metadata);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 20);
        WriteTo(stream, header, tensorArray);
    }

    /// <inheritdoc cref="Write(string, IEnumerable{SafetensorsTensor}, IReadOnlyDictionary{string, string}?)"/>
    public static void Write(Stream stream, IEnumerable<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        SafetensorsTensor[] tensorArray = [.. tensors];
        WriteTo(stream, BuildHeader(tensorArray, metadata), tensorArray);
    }

    private static void WriteTo(Stream stream, byte[] header, SafetensorsTensor[] tensors)
    {
        Span<byte> headerLength = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(headerLength, (ulong)header.Length);
        stream.Write(headerLength);
        stream.Write(header);
        foreach (SafetensorsTensor tensor in tensors)
            stream.Write(tensor.Data.Span);
    }

    private static byte[] BuildHeader(SafetensorsTensor[] tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (SafetensorsTensor tensor in tensors)
        {
            ArgumentNullException.ThrowIfNull(tensor, nameof(tensors));
            if (tensor.Name == MetadataKey)
                throw new ArgumentException($"A tensor cannot be named '{MetadataKey}': the header keeps that key for metadata.", nameof(tensors));
            if (!names.Add(tensor.Name))
                throw new ArgumentException($"Two tensors are named '{tensor.Name}'.", nameof(tensors));
        }

        var buffer = new ArrayBufferWriter<byte>();
        // Relaxed escaping keeps names and metadata as written (the default encoder would escape '+', '<', '&' ...).
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            metadata ??= new Dictionary<string, string> { ["format"] = "pt" };
            if (metadata.Count > 0)
            {
                json.WriteStartObject(MetadataKey);
                foreach (KeyValuePair<string, string> entry in metadata)
                    json.WriteString(entry.Key, entry.Value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (SafetensorsTensor tensor in tensors)
            {
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", tensor.DType.HeaderName());
                json.WriteStartArray("shape");
                foreach (int dimension in tensor.Shape)
                    json.WriteNumberValue(dimension);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset += tensor.Data.Length;
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }

        // Padding to 8 bytes keeps the data start (and so every F64/I64 tensor) 8-byte aligned in the file.
        int paddedLength = (buffer.WrittenCount + 7) & ~7;
        byte[] header = new byte[paddedLength];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }

    /// <summary>A tensor's header entry, before the layout of all entries is checked.</summary>
    private readonly record struct HeaderEntry(string Name, SafetensorsDType DType, int[] Shape, long Begin, long End, int Index);

    private static void ReadMetadata(string source, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind == JsonValueKind.Null)
            return;
        if (value.ValueKind != JsonValueKind.Object)
            throw Invalid($"'{MetadataKey}' in the header of '{source}' is a JSON {Kind(value)}, not an object of strings.");
        foreach (JsonProperty entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw Invalid($"'{MetadataKey}.{entry.Name}' in the header of '{source}' is a JSON {Kind(entry.Value)}, not a string.");
            if (!metadata.TryAdd(entry.Name, entry.Value.GetString()!))
                throw Invalid($"'{MetadataKey}' in the header of '{source}' has two entries named '{entry.Name}'.");
        }
    }

    private static HeaderEntry ReadEntry(string source, JsonProperty property, int index, long dataLength)
    {
        string name = property.Name;
        string where = $"Tensor '{name}' in the header of '{source}'";
        JsonElement entry = property.Value;
        if (entry.ValueKind != JsonValueKind.Object)
            throw Invalid($"{where} is a JSON {Kind(entry)}, not an object with dtype, shape and data_offsets.");

        if (!entry.TryGetProperty("dtype", out JsonElement dtypeElement))
            throw Invalid($"{where} has no 'dtype'.");
        if (dtypeElement.ValueKind != JsonValueKind.String)
            throw Invalid($"{where} has a 'dtype' that is a JSON {Kind(dtypeElement)}, not a string.");
        string dtypeName = dtypeElement.GetString()!;
        if (!SafetensorsDTypes.TryParse(dtypeName, out SafetensorsDType dtype))
            throw Invalid($"{where} has the unknown dtype '{dtypeName}'.");

        if (!entry.TryGetProperty("shape", out JsonElement shapeElement))
            throw Invalid($"{where} has no 'shape'.");
        if (shapeElement.ValueKind != JsonValueKind.Array)
            throw Invalid($"{where} has a 'shape' that is a JSON {Kind(shapeElement)}, not an array.");
        int[] shape = new int[shapeElement.GetArrayLength()];
        for (int i = 0; i < shape.Length; i++)
        {
            JsonElement dimension = shapeElement[i];
            if (dimension.ValueKind != JsonValueKind.Number || !dimension.TryGetInt64(out long value))
                throw Invalid($"{where} has shape dimension {i} = {dimension.GetRawText()}, not an integer.");
            if (value < 0)
                throw Invalid($"{where} has the negative shape dimension {i} = {value}.");
            if (value > int.MaxValue)
                throw Invalid($"{where} has shape dimension {i} = {value}, larger than {int.MaxValue}.");
            shape[i] = (int)value;
        }

        if (!entry.TryGetProperty("data_offsets", out JsonElement offsetsElement))
            throw Invalid($"{where} has no 'data_offsets'.");
        if (offsetsElement.ValueKind != JsonValueKind.Array || offsetsElement.GetArrayLength() != 2)
            throw Invalid($"{where} has 'data_offsets' {offsetsElement.GetRawText()}, not an array [begin, end].");
        long begin = ReadOffset(where, offsetsElement[0], "begin");
        long end = ReadOffset(where, offsetsElement[1], "end");
        if (end < begin)
            throw Invalid($"{where} has data_offsets [{begin}, {end}]: end is before begin.");
        if (end > dataLength)
            throw Invalid($"{where} has data_offsets [{begin}, {end}] beyond the {dataLength} bytes of data after the header.");

        long? expectedLength = SafetensorsTensor.ByteLength(shape, dtype.ElementSize());
        if (end - begin != expectedLength)
        {
            throw Invalid(
                $"{where} spans {end - begin} bytes but {dtype.HeaderName()} {SafetensorsTensor.FormatShape(shape)} takes " +
                $"{SafetensorsTensor.FormatCount(expectedLength)}.");
        }
        return new HeaderEntry(name, dtype, shape, begin, end, index);
    }

    private static long ReadOffset(string where, JsonElement offset, string which)
    {
        if (offset.ValueKind != JsonValueKind.Number || !offset.TryGetInt64(out long value) || value < 0)
            throw Invalid($"{where} has the data_offsets {which} {offset.GetRawText()}, not a non-negative integer.");
        return value;
    }

    /// <summary>Checks the tensors tile the data exactly, as the reference implementation requires, and slices them out.</summary>
    private static SafetensorsTensor[] CheckLayout(string source, List<HeaderEntry> entries, ReadOnlyMemory<byte> data)
    {
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin)
            : a.End != b.End ? a.End.CompareTo(b.End)
            : a.Index.CompareTo(b.Index));
        var tensors = new SafetensorsTensor[entries.Count];
        long expectedBegin = 0;
        for (int i = 0; i < entries.Count; i++)
        {
            HeaderEntry entry = entries[i];
            if (entry.Begin < expectedBegin)
            {
                throw Invalid(
                    $"Tensor '{entry.Name}' in '{source}' (bytes {entry.Begin}..{entry.End}) overlaps tensor '{entries[i - 1].Name}' " +
                    $"(bytes {entries[i - 1].Begin}..{entries[i - 1].End}).");
            }
            if (entry.Begin > expectedBegin)
            {
                string previous = i == 0 ? "the start of the data" : $"tensor '{entries[i - 1].Name}'";
                throw Invalid(
                    $"Tensor '{entry.Name}' in '{source}' starts at byte {entry.Begin}, leaving a hole of {entry.Begin - expectedBegin} " +
                    $"bytes after {previous}: tensors must be contiguous.");
            }
            tensors[i] = new SafetensorsTensor(entry.Name, entry.DType, entry.Shape,
                data.Slice((int)entry.Begin, (int)(entry.End - entry.Begin)));
            expectedBegin = entry.End;
        }
        if (expectedBegin != data.Length)
        {
            throw Invalid(
                $"'{source}' has {data.Length - expectedBegin} bytes after the end of its last tensor (byte {expectedBegin} of " +
                $"{data.Length}) that no tensor covers.");
        }
        return tensors;
    }

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };

    private static InvalidDataException Invalid(string message) => new(message);
}
