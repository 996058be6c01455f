using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using AlbertAot.Weights;
using Xunit;

namespace AlbertAot.Tests.Weights;

public sealed class SafetensorsFileTests
{
    [Fact]
    public void RoundTripKeepsNamesShapesTypesAndValues()
    {
        float[] singles = [1.5f, -2.25f, 0f, 3.1415927f, 1e-8f, -65504f];
        long[] ids = [2, 31, 4, long.MaxValue, long.MinValue, 0];
        SafetensorsTensor[] tensors =
        [
            SafetensorsTensor.FromSingles("weights.f32", singles, [2, 3]),
            SafetensorsTensor.FromSingles("weights.f16", singles, [3, 2], SafetensorsDType.F16),
            SafetensorsTensor.FromSingles("weights.bf16", singles, [6], SafetensorsDType.BF16),
            SafetensorsTensor.FromInt64s("input_ids", ids, [1, 2, 3]),
        ];

        SafetensorsFile file = SafetensorsFile.Read(WriteToBytes(tensors));

        Assert.Equal(["weights.f32", "weights.f16", "weights.bf16", "input_ids"], file.Tensors.Select(t => t.Name));
        Assert.Equal([SafetensorsDType.F32, SafetensorsDType.F16, SafetensorsDType.BF16, SafetensorsDType.I64], file.Tensors.Select(t => t.DType));
        Assert.Equal([2, 3], file.Shape("weights.f32"));
        Assert.Equal([3, 2], file.Shape("weights.f16"));
        Assert.Equal([6], file.Shape("weights.bf16"));
        Assert.Equal([1, 2, 3], file.Shape("input_ids"));
        Assert.Equal(singles, file.ReadSingles("weights.f32"));
        Assert.Equal(singles.Select(v => (float)(Half)v), file.ReadSingles("weights.f16"));
        Assert.Equal(singles.Select(RoundToBFloat16Reference), file.ReadSingles("weights.bf16"));
        Assert.Equal(ids, file.ReadInt64s("input_ids"));
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.True(file.Contains("input_ids"));
        Assert.False(file.Contains("missing"));
    }

    [Fact]
    public void WriterProducesTheCompactPaddedHeaderSafetensorsWrites()
    {
        byte[] bytes = WriteToBytes(
        [
            SafetensorsTensor.FromSingles("a", [1f, 2f], [2]),
            SafetensorsTensor.FromInt64s("b", [7], [1, 1]),
        ]);

        const string json = """{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"I64","shape":[1,1],"data_offsets":[8,16]}}""";
        int paddedLength = (json.Length + 7) / 8 * 8;
        Assert.Equal((ulong)paddedLength, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        Assert.Equal(json + new string(' ', paddedLength - json.Length), Encoding.UTF8.GetString(bytes, 8, paddedLength));
        Assert.Equal(8 + paddedLength + 16, bytes.Length);
        Assert.Equal(1f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(8 + paddedLength)));
        Assert.Equal(7L, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8 + paddedLength + 8)));
    }

    [Fact]
    public void MetadataIsWrittenAsGivenAndOmittedWhenEmpty()
    {
        SafetensorsTensor[] tensors = [SafetensorsTensor.FromSingles("x", [1f], [1])];
        var metadata = new Dictionary<string, string> { ["format"] = "np", ["note"] = "a+b <c> & \"d\" é" };

        SafetensorsFile withMetadata = SafetensorsFile.Read(WriteToBytes(tensors, metadata));
        byte[] withoutMetadata = WriteToBytes(tensors, new Dictionary<string, string>());

        Assert.Equal(metadata, withMetadata.Metadata);
        Assert.DoesNotContain("__metadata__", Encoding.UTF8.GetString(withoutMetadata));
        Assert.Empty(SafetensorsFile.Read(withoutMetadata).Metadata);
    }

    [Fact]
    public void ScalarsAndEmptyTensorsRoundTrip()
    {
        SafetensorsFile file = SafetensorsFile.Read(WriteToBytes(
        [
            SafetensorsTensor.FromSingles("scalar", [42f], []),
            SafetensorsTensor.FromSingles("empty", [], [0, 3]),
            SafetensorsTensor.FromInt64s("empty_ids", [], [2, 0]),
        ]));

        Assert.Equal([42f], file.ReadSingles("scalar"));
        Assert.Empty(file.Shape("scalar"));
        Assert.Empty(file.ReadSingles("empty"));
        Assert.Equal([0, 3], file.Shape("empty"));
        Assert.Empty(file.ReadInt64s("empty_ids"));
    }

    [Fact]
    public void HalfAndBFloat16RoundToNearestEven()
    {
        float[] values =
        [
            1f + MathF.Pow(2, -11),                            // F16 tie between 1 and 1 + 2^-10: even is 1
            1f + 3 * MathF.Pow(2, -11),                        // F16 tie: even is 1 + 2^-9
            1f + MathF.Pow(2, -8),                             // BF16 tie between 1 and 1 + 2^-7: even is 1
            1f + 3 * MathF.Pow(2, -8),                         // BF16 tie: even is 1 + 2^-6
            1f + MathF.Pow(2, -8) + MathF.Pow(2, -20),         // just above a BF16 tie: rounds up
            65520f,                                            // F16 overflow tie: infinity
            float.MaxValue,                                    // BF16: infinity
            float.PositiveInfinity, float.NegativeInfinity, -0f, float.Epsilon,
        ];

        float[] half = RoundTrip(values, SafetensorsDType.F16);
        float[] bfloat = RoundTrip(values, SafetensorsDType.BF16);

        Assert.Equal([1f, 1f + MathF.Pow(2, -9)], half[..2]);
        Assert.Equal([1f, 1f + MathF.Pow(2, -6), 1f + MathF.Pow(2, -7)], bfloat[2..5]);
        Assert.Equal(float.PositiveInfinity, half[5]);
        Assert.Equal(float.PositiveInfinity, bfloat[6]);
        Assert.Equal(values.Select(v => (float)(Half)v), half);
        Assert.Equal(values.Select(RoundToBFloat16Reference), bfloat);
        Assert.True(float.IsNaN(RoundTrip([float.NaN], SafetensorsDType.BF16)[0]));
        Assert.True(float.IsNaN(RoundTrip([float.NaN], SafetensorsDType.F16)[0]));

        // The vectorised F16 conversion agrees with the scalar cast on many values of every magnitude.
        var random = new Random(1);
        float[] many = Enumerable.Range(0, 100_000)
            .Select(_ => BitConverter.Int32BitsToSingle(random.Next(int.MinValue, int.MaxValue)))
            .Where(v => !float.IsNaN(v))
            .ToArray();
        Assert.Equal(many.Select(v => (float)(Half)v), RoundTrip(many, SafetensorsDType.F16));
        Assert.Equal(many.Select(RoundToBFloat16Reference), RoundTrip(many, SafetensorsDType.BF16));
    }

    [Fact]
    public void ReadersWidenOtherTypes()
    {
        byte[] int32 = new byte[12];
        for (int i = 0; i < 3; i++)
            BinaryPrimitives.WriteInt32LittleEndian(int32.AsSpan(4 * i), i - 1);
        byte[] float64 = new byte[16];
        BinaryPrimitives.WriteDoubleLittleEndian(float64, 0.1);
        BinaryPrimitives.WriteDoubleLittleEndian(float64.AsSpan(8), -3.0);

        SafetensorsFile file = SafetensorsFile.Read(WriteToBytes(
        [
            new SafetensorsTensor("mask", SafetensorsDType.I32, [3], int32),
            new SafetensorsTensor("bools", SafetensorsDType.BOOL, [3], new byte[] { 0, 1, 1 }),
            new SafetensorsTensor("bytes", SafetensorsDType.U8, [2], new byte[] { 255, 7 }),
            new SafetensorsTensor("doubles", SafetensorsDType.F64, [2], float64),
        ]));

        Assert.Equal([-1L, 0, 1], file.ReadInt64s("mask"));
        Assert.Equal([0L, 1, 1], file.ReadInt64s("bools"));
        Assert.Equal([255L, 7], file.ReadInt64s("bytes"));
        Assert.Equal([0.1f, -3f], file.ReadSingles("doubles"));
    }

    [Fact]
    public void ReadingTheWrongKindOfValuesNamesTensorAndFile()
    {
        SafetensorsFile file = SafetensorsFile.Read(WriteToBytes(
        [
            SafetensorsTensor.FromSingles("logits", [1f], [1]),
            SafetensorsTensor.FromInt64s("input_ids", [1], [1]),
        ]), "case.safetensors");

        var asIntegers = Assert.Throws<InvalidDataException>(() => file.ReadInt64s("logits"));
        var asFloats = Assert.Throws<InvalidDataException>(() => file.ReadSingles("input_ids"));
        var missing = Assert.Throws<KeyNotFoundException>(() => file["attention_mask"]);

        Assert.Equal("Tensor 'logits' of 'case.safetensors' is F32; integer values are read from I64, I32, I16, I8, U32, U16, U8 or BOOL.", asIntegers.Message);
        Assert.Equal("Tensor 'input_ids' of 'case.safetensors' is I64; float values are read from F32, F16, BF16 or F64.", asFloats.Message);
        Assert.Equal("'case.safetensors' has no tensor 'attention_mask'.", missing.Message);
    }

    [Fact]
    public void WriterRejectsDuplicateAndReservedNames()
    {
        SafetensorsTensor tensor = SafetensorsTensor.FromSingles("x", [1f], [1]);

        var duplicate = Assert.Throws<ArgumentException>(() => WriteToBytes([tensor, tensor]));
        var reserved = Assert.Throws<ArgumentException>(() => WriteToBytes([SafetensorsTensor.FromSingles("__metadata__", [1f], [1])]));

        Assert.StartsWith("Two tensors are named 'x'.", duplicate.Message);
        Assert.StartsWith("A tensor cannot be named '__metadata__'", reserved.Message);
    }

    [Fact]
    public void FactoriesCheckValueCountsAndStorage()
    {
        var tooFew = Assert.Throws<ArgumentException>(() => SafetensorsTensor.FromSingles("w", [1f, 2f], [3]));
        var negative = Assert.Throws<ArgumentException>(() => SafetensorsTensor.FromInt64s("ids", [], [-1]));
        var storage = Assert.Throws<ArgumentException>(() => SafetensorsTensor.FromSingles("w", [1f], [1], SafetensorsDType.I64));
        var bytes = Assert.Throws<ArgumentException>(() => new SafetensorsTensor("raw", SafetensorsDType.F16, [3], new byte[4]));

        Assert.StartsWith("Tensor 'w': 2 values given for shape [3] of 3 elements.", tooFew.Message);
        Assert.StartsWith("Tensor 'ids': shape [-1] has a negative dimension.", negative.Message);
        Assert.StartsWith("Tensor 'w': float values are stored as F32, F16 or BF16, not I64.", storage.Message);
        Assert.StartsWith("Tensor 'raw': F16 [3] needs 6 bytes but 4 were given.", bytes.Message);
    }

    [Fact]
    public void WritesAndReadsFiles()
    {
        string path = Path.Combine(Path.GetTempPath(), $"albertaot-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafetensorsFile.Write(path, [SafetensorsTensor.FromSingles("x", [1f, 2f], [1, 2])]);
            SafetensorsFile file = SafetensorsFile.Read(path);

            Assert.Equal(path, file.Source);
            Assert.Equal([1f, 2f], file.ReadSingles("x"));

            File.WriteAllBytes(path, [1, 2, 3]);
            var error = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Read(path));
            Assert.Equal($"'{path}' is 3 bytes, shorter than the 8-byte header length that starts a safetensors file.", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void RejectsFilesShorterThanTheLengthField()
    {
        var error = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Read(new byte[7], "short.safetensors"));
        Assert.Equal("'short.safetensors' is 7 bytes, shorter than the 8-byte header length that starts a safetensors file.", error.Message);
    }

    [Fact]
    public void RejectsHeaderLengthBeyondTheFile()
    {
        byte[] bytes = Image("{}", dataLength: 0);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1000);

        var error = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Read(bytes, "cut.safetensors"));
        Assert.Equal("'cut.safetensors' declares a header of 1000 bytes but only 2 bytes follow the length field.", error.Message);
    }

    [Fact]
    public void RejectsHeadersOverTheLimit()
    {
        byte[] bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 100_000_001);

        var error = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Read(bytes, "huge.safetensors"));
        Assert.Equal("'huge.safetensors' declares a header of 100000001 bytes, more than the 100000000 bytes safetensors allows.", error.Message);
    }

    [Fact]
    public void RejectsHeadersThatAreNotUtf8()
    {
        byte[] bytes = Image("""{"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}""", dataLength: 4);
        bytes[10] = 0xFF;

        var error = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Read(bytes, "latin1.safetensors"));
        Assert.Equal("The header of 'latin1.safetensors' is not valid UTF-8.", error.Message);
    }

    [Theory]
    [InlineData("{not json", 0, "The header of 'bad.safetensors' is not valid JSON")]
    [InlineData("[1, 2]", 0, "The header of 'bad.safetensors' is a JSON array, not an object.")]
    [InlineData("""{"x": 5}""", 0, "Tensor 'x' in the header of 'bad.safetensors' is a JSON number, not an object with dtype, shape and data_offsets.")]
    [InlineData("""{"x": {"shape": [1], "data_offsets": [0, 4]}}""", 4, "Tensor 'x' in the header of 'bad.safetensors' has no 'dtype'.")]
    [InlineData("""{"x": {"dtype": "F32", "data_offsets": [0, 4]}}""", 4, "Tensor 'x' in the header of 'bad.safetensors' has no 'shape'.")]
    [InlineData("""{"x": {"dtype": "F32", "shape": [1]}}""", 4, "Tensor 'x' in the header of 'bad.safetensors' has no 'data_offsets'.")]
    [InlineData("""{"x": {"dtype": 32, "shape": [1], "data_offsets": [0, 4]}}""", 4, "Tensor 'x' in the header of 'bad.safetensors' has a 'dtype' that is a JSON number, not a string.")]
    [InlineData("""{"x": {"dtype": "F17", "shape": [1], "data_offsets": [0, 4]}}""", 4, "Tensor 'x' in the header of 'bad.safetensors' has the unknown dtype 'F17'.")]
    [InlineData("""{"x": {"dtype": "f32", "shape": [1], "data_offsets": [0, 4]}}""", 4, "Tensor 'x' in the header of 'bad.safetensors' has the unknown dtype 'f32'.")]
    [InlineData("""{"x": {"dtype": "F32", "shape": 1, "data_offsets": [0, 4]}}""", 4, "Tensor 'x' in the header of 'bad.safetensors' has a 'shape' that is a JSON number, not an array.")]
    [InlineData("""{"x": {"dtype": "F32", "shape": [2, -1], "data_offsets": [0, 4]}}""", 4, "Tensor 'x' in the header of 'bad.safetensors' has the negative shape dimension 1 = -1.")]
    [InlineData("""{"x": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}}""", 4, "Tensor 'x' in the header of 'bad.safetensors' has shape dimension 0 = 1.5, not an integer.")]
    [InlineData("""{"x": {"dtype": "F32", "shape": [4294967296], "data_offsets": [0, 4]}}""", 4, "Tensor 'x' in the header of 'bad.safetensors' has shape dimension 0 = 4294967296, larger than 2147483647.")]
    [InlineData("""{"x": {"dtype": "F32", "shape": [1], "data_offsets": [0]}}""", 4, "Tensor 'x' in the header of 'bad.safetensors' has 'data_offsets' [0], not an array [begin, end].")]
    [InlineData("""{"x": {"dtype": "F32", "shape": [1], "data_offsets": [-4, 0]}}""", 4, "Tensor 'x' in the header of 'bad.safetensors' has the data_offsets begin -4, not a non-negative integer.")]
    [InlineData("""{"x": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}}""", 4, "Tensor 'x' in the header of 'bad.safetensors' has data_offsets [4, 0]: end is before begin.")]
    [InlineData("""{"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 8]}}""", 4, "Tensor 'x' in the header of 'bad.safetensors' has data_offsets [0, 8] beyond the 4 bytes of data after the header.")]
    [InlineData("""{"x": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}""", 8, "Tensor 'x' in the header of 'bad.safetensors' spans 8 bytes but F32 [3] takes 12.")]
    [InlineData("""{"x": {"dtype": "F32", "shape": [65536, 65536, 65536, 65536, 65536], "data_offsets": [0, 8]}}""", 8, "Tensor 'x' in the header of 'bad.safetensors' spans 8 bytes but F32 [65536, 65536, 65536, 65536, 65536] takes")]
    [InlineData("""{"x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "y": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}""", 8, "Tensor 'y' in 'bad.safetensors' (bytes 4..8) overlaps tensor 'x' (bytes 0..8).")]
    [InlineData("""{"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "y": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}}""", 12, "Tensor 'y' in 'bad.safetensors' starts at byte 8, leaving a hole of 4 bytes after tensor 'x': tensors must be contiguous.")]
    [InlineData("""{"x": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}""", 8, "Tensor 'x' in 'bad.safetensors' starts at byte 4, leaving a hole of 4 bytes after the start of the data: tensors must be contiguous.")]
    [InlineData("""{"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}""", 6, "'bad.safetensors' has 2 bytes after the end of its last tensor (byte 4 of 6) that no tensor covers.")]
    [InlineData("""{"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "x": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}""", 8, "The header of 'bad.safetensors' has two entries named 'x'.")]
    [InlineData("""{"__metadata__": [], "x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}""", 4, "'__metadata__' in the header of 'bad.safetensors' is a JSON array, not an object of strings.")]
    [InlineData("""{"__metadata__": {"epoch": 3}}""", 0, "'__metadata__.epoch' in the header of 'bad.safetensors' is a JSON number, not a string.")]
    public void RejectsInvalidHeadersWithAPreciseMessage(string header, int dataLength, string expectedMessage)
    {
        var error = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Read(Image(header, dataLength), "bad.safetensors"));
        Assert.StartsWith(expectedMessage, error.Message);
    }

    /// <param name="dataOrder">The tensor names in the order of their data, which <see cref="SafetensorsFile.Tensors"/> follows.</param>
    [Theory]
    [InlineData("""{}""", 0, "")]
    [InlineData("""{"__metadata__": null, "x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}""", 4, "x")]
    [InlineData("""{"b": {"dtype": "U8", "shape": [2], "data_offsets": [2, 4]}, "a": {"dtype": "I16", "shape": [1], "data_offsets": [0, 2]}}""", 4, "a b")]
    [InlineData("""{"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "z": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]}, "extra": {"dtype": "BOOL", "shape": [], "data_offsets": [4, 5], "note": 1}}""", 5, "z x extra")]
    public void AcceptsValidLayoutsTheReferenceAccepts(string header, int dataLength, string dataOrder)
    {
        SafetensorsFile file = SafetensorsFile.Read(Image(header, dataLength));

        Assert.Equal(dataOrder.Split(' ', StringSplitOptions.RemoveEmptyEntries), file.Tensors.Select(t => t.Name));
    }

    [Fact]
    public void ReadsEveryFixtureWithTheShapesItsCaseDescriptionLists()
    {
        string[] files = FixtureRoots()
            .SelectMany(root => Directory.EnumerateFiles(root, "*.safetensors", SearchOption.AllDirectories))
            .ToArray();
        foreach (string path in files)
        {
            SafetensorsFile file = SafetensorsFile.Read(path);
            Assert.NotEmpty(file.Tensors);
            string description = Path.ChangeExtension(path, ".json");
            if (Path.GetFileName(path) == "model.safetensors")
            {
                foreach (SafetensorsTensor tensor in file.Tensors)
                    Assert.Equal(tensor.ElementCount, file.ReadSingles(tensor.Name).Length);
                continue;
            }

            using JsonDocument json = JsonDocument.Parse(File.ReadAllBytes(description));
            var expected = new Dictionary<string, int[]>();
            foreach (string section in new[] { "inputs", "outputs" })
            {
                foreach (JsonProperty tensor in json.RootElement.GetProperty(section).EnumerateObject())
                    expected.Add(tensor.Name, tensor.Value.EnumerateArray().Select(d => d.GetInt32()).ToArray());
            }
            Assert.Equal(expected.Keys.Order(), file.Tensors.Select(t => t.Name).Order());
            foreach ((string name, int[] shape) in expected)
                Assert.True(shape.SequenceEqual(file.Shape(name)), $"{path}: {name} has shape [{string.Join(", ", file.Shape(name))}], expected [{string.Join(", ", shape)}].");
            foreach (string input in json.RootElement.GetProperty("inputs").EnumerateObject().Select(p => p.Name))
                Assert.Equal(file[input].ElementCount, file.ReadInt64s(input).Length);
            Assert.True(Array.TrueForAll(file.ReadInt64s("attention_mask"), mask => mask is 0 or 1), $"{path}: attention_mask is not 0/1.");
            foreach (string output in json.RootElement.GetProperty("outputs").EnumerateObject().Select(p => p.Name))
                Assert.True(Array.TrueForAll(file.ReadSingles(output), float.IsFinite), $"{path}: {output} holds a non-finite value.");
        }
    }

    /// <summary>The test project's copies of the fixtures and ../shared/fixtures, where present.</summary>
    private static IEnumerable<string> FixtureRoots()
    {
        string copies = Path.Combine(AppContext.BaseDirectory, "data", "fixtures");
        if (Directory.Exists(copies))
            yield return copies;
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string shared = Path.Combine(directory.FullName, "shared", "fixtures");
            if (Directory.Exists(shared))
            {
                yield return shared;
                yield break;
            }
        }
    }

    private static byte[] WriteToBytes(IEnumerable<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var stream = new MemoryStream();
        SafetensorsFile.Write(stream, tensors, metadata);
        return stream.ToArray();
    }

    private static float[] RoundTrip(float[] values, SafetensorsDType storage) =>
        SafetensorsFile.Read(WriteToBytes([SafetensorsTensor.FromSingles("x", values, [values.Length], storage)])).ReadSingles("x");

    /// <summary>A safetensors image with the given header text and zero-filled data.</summary>
    private static byte[] Image(string header, int dataLength)
    {
        byte[] headerBytes = Encoding.UTF8.GetBytes(header);
        byte[] bytes = new byte[8 + headerBytes.Length + dataLength];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)headerBytes.Length);
        headerBytes.CopyTo(bytes, 8);
        return bytes;
    }

    /// <summary>Round to nearest even on the upper 16 bits, computed through double arithmetic as an independent check.</summary>
    private static float RoundToBFloat16Reference(float value)
    {
        if (float.IsNaN(value) || float.IsInfinity(value) || value == 0)
            return value;
        int bits = BitConverter.SingleToInt32Bits(value);
        float truncated = BitConverter.Int32BitsToSingle(bits & unchecked((int)0xFFFF0000));
        float next = BitConverter.Int32BitsToSingle((bits & unchecked((int)0xFFFF0000)) + 0x10000);
        // Past the largest bfloat16 the next step is 2^128, which a float cannot hold but a double can.
        double nextValue = float.IsInfinity(next) ? Math.CopySign(Math.Pow(2, 128), value) : next;
        double below = Math.Abs((double)value - truncated), above = Math.Abs(nextValue - value);
        bool truncatedIsEven = ((bits >> 16) & 1) == 0;
        return below < above || (below == above && truncatedIsEven) ? truncated : next;
    }
}
