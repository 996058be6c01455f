using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using AlbertAot.Generator.Diagnostics;
using AlbertAot.Generator.Json;
using AlbertAot.Generator.Model;

namespace AlbertAot.Generator.Parsing;

/// <summary>One tensor of a safetensors header.</summary>
internal sealed record TensorEntry(string Name, string DType, EquatableArray<long> Shape, long Begin, long End)
{
    public string ShapeText => string.Join(", ", Shape);
}

/// <summary>A validated safetensors header: the tensors and where the data starts in the file.</summary>
internal sealed record SafetensorsHeader(long FileLength, long HeaderLength, EquatableArray<TensorEntry> Tensors)
{
    /// <summary>Absolute file offset of the data section: the 8-byte length, then the header.</summary>
    public long DataStart => 8 + HeaderLength;

    /// <summary>Element sizes of the format's dtypes (safetensors' Dtype enum).</summary>
    public static readonly IReadOnlyDictionary<string, int> DTypeSizes = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["BOOL"] = 1, ["U8"] = 1, ["I8"] = 1, ["F8_E5M2"] = 1, ["F8_E4M3"] = 1,
        ["I16"] = 2, ["U16"] = 2, ["F16"] = 2, ["BF16"] = 2,
        ["I32"] = 4, ["U32"] = 4, ["F32"] = 4,
        ["I64"] = 8, ["U64"] = 8, ["F64"] = 8,
    };

    /// <summary>At most this many tensor problems are reported for one header (then one ALB0009 with the count of the rest).</summary>
    public const int MaxTensorProblems = 100;

    /// <summary>The dtypes as a message lists them.</summary>
    public static string DTypeList => string.Join(", ", DTypeSizes.Keys);

    /// <summary>
    /// Checks the header against the format's rules: a JSON object of uniquely named tensors with a known dtype,
    /// non-negative integer dims and data_offsets [begin, end] whose length is dtype size × elements, covering the
    /// data section contiguously with no overlap or hole (holes are allowed in a file the build task converted), inside the file. A file whose tensors are laid out
    /// consistently but end past its last byte is reported as truncated (ALB0023), not as bad offsets (ALB0010).
    /// </summary>
    public static (SafetensorsHeader? Header, List<DiagnosticInfo> Problems) Parse(string checkpoint, CheckpointDescriptor d)
    {
        var problems = new List<DiagnosticInfo>();
        string file = d.SafetensorsPath;
        // A hostile header can hold millions of broken entries: the first MaxTensorProblems are reported, then a count.
        int unreported = 0;
        void Add(DiagnosticInfo problem)
        {
            if (problems.Count < MaxTensorProblems) problems.Add(problem);
            else unreported++;
        }
        void Corrupt(string what) => Add(DiagnosticInfo.Create(AlbertDiagnostics.CorruptHeader, null, checkpoint, file, what));
        void Layout(string tensor, string what) => Add(DiagnosticInfo.Create(AlbertDiagnostics.InvalidTensorLayout, null, checkpoint, tensor, file, what));
        void DType(string tensor, string what) => Add(DiagnosticInfo.Create(AlbertDiagnostics.UnknownDType, null, checkpoint, tensor, file, what, DTypeList));
        void Shape(string tensor, string what) => Add(DiagnosticInfo.Create(AlbertDiagnostics.InvalidShape, null, checkpoint, tensor, file, what));
        List<DiagnosticInfo> Problems()
        {
            if (unreported > 0)
                problems.Add(DiagnosticInfo.Create(AlbertDiagnostics.CorruptHeader, null, checkpoint, file,
                    $"{unreported} further problem(s) with its tensor entries are not listed (only the first {MaxTensorProblems} are)"));
            return problems;
        }

        if (d.SafetensorsLength < 0)
        {
            problems.Add(DiagnosticInfo.Create(AlbertDiagnostics.FileMissing, null, checkpoint, "model.safetensors", file));
            return (null, problems);
        }
        if (d.HeaderError.Length > 0)
        {
            problems.Add(d.HeaderErrorKind switch
            {
                "truncated" => DiagnosticInfo.Create(AlbertDiagnostics.SafetensorsTruncated, null, checkpoint, file, d.HeaderError),
                "length" => DiagnosticInfo.Create(AlbertDiagnostics.HeaderLengthInvalid, null, checkpoint, file, d.HeaderError),
                "io" => DiagnosticInfo.Create(AlbertDiagnostics.FileUnreadable, null, checkpoint, file, d.HeaderError),
                _ => DiagnosticInfo.Create(AlbertDiagnostics.CorruptHeader, null, checkpoint, file, d.HeaderError), // "utf8", or a targets file older than header_error_kind
            });
            return (null, problems);
        }
        if (d.SafetensorsLength < 8)
        {
            problems.Add(DiagnosticInfo.Create(AlbertDiagnostics.SafetensorsTruncated, null, checkpoint, file,
                $"the file is {d.SafetensorsLength} bytes, shorter than the 8-byte header length field"));
            return (null, problems);
        }
        if (d.HeaderLength < 0 || d.HeaderLength > d.SafetensorsLength - 8)
        {
            problems.Add(DiagnosticInfo.Create(AlbertDiagnostics.HeaderLengthInvalid, null, checkpoint, file,
                $"it says {d.HeaderLength} bytes but {d.SafetensorsLength - 8} follow it"));
            return (null, problems);
        }

        JsonValue root;
        try
        {
            root = JsonParser.Parse(d.HeaderJson.TrimEnd(' ')); // the format pads the header with spaces
        }
        catch (JsonParseException e) when (e.DuplicateKey is not null && e.Depth == 1 && e.DuplicateKey != "__metadata__")
        {
            problems.Add(DiagnosticInfo.Create(AlbertDiagnostics.DuplicateTensor, null, checkpoint, e.DuplicateKey, file,
                $"again at line {e.Line}, column {e.Column} of the header"));
            return (null, problems);
        }
        catch (JsonParseException e)
        {
            Corrupt("the header is not JSON: " + e.Message);
            return (null, problems);
        }
        if (root.Kind != JsonKind.Object)
        {
            Corrupt($"the header is {root.Describe()}, expected a JSON object of tensors");
            return (null, problems);
        }

        long dataLength = d.SafetensorsLength - 8 - d.HeaderLength;
        var tensors = new List<(TensorEntry Entry, long ExpectedBytes)>();
        foreach (var member in root.Members!)
        {
            string name = member.Key;
            JsonValue entry = member.Value;
            if (name == "__metadata__")
            {
                if (entry.Kind != JsonKind.Object || entry.Members!.Any(m => m.Value.Kind != JsonKind.String))
                    Corrupt("__metadata__ must be an object of strings");
                continue;
            }
            if (entry.Kind != JsonKind.Object)
            {
                Layout(name, $"is {entry.Describe()}, expected an object with dtype, shape and data_offsets");
                continue;
            }
            JsonValue? dtype = entry.Get("dtype"), shape = entry.Get("shape"), offsets = entry.Get("data_offsets");
            if (dtype is null)
            {
                DType(name, "has no dtype");
                continue;
            }
            if (dtype.Kind != JsonKind.String)
            {
                DType(name, $"has dtype {dtype.Describe()}, not a string");
                continue;
            }
            if (!DTypeSizes.TryGetValue(dtype.Text!, out int size))
            {
                DType(name, $"has unknown dtype \"{dtype.Text}\"");
                continue;
            }
            if (shape?.Kind != JsonKind.Array)
            {
                Shape(name, shape is null ? "has no shape" : $"has shape {shape.Describe()}, expected an array of dimensions");
                continue;
            }
            var dims = new List<long>();
            bool shapeValid = true;
            foreach (JsonValue dim in shape.Items!)
            {
                if (dim.Kind != JsonKind.Number || !long.TryParse(dim.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n) || n < 0)
                {
                    Shape(name, $"has shape dimension {dim.Describe()}; dimensions are non-negative integers");
                    shapeValid = false;
                    break;
                }
                dims.Add(n);
            }
            if (!shapeValid) continue;
            if (offsets?.Kind != JsonKind.Array || offsets.Items!.Count != 2 ||
                !TryParseOffset(offsets.Items[0], out long begin) || !TryParseOffset(offsets.Items[1], out long end))
            {
                Layout(name, "has no data_offsets [begin, end] of two non-negative integers");
                continue;
            }
            if (end < begin)
            {
                Layout(name, $"has data_offsets [{begin}, {end}] with end before begin");
                continue;
            }
            tensors.Add((new TensorEntry(name, dtype.Text!, dims.ToEquatableArray(), begin, end), TryElementBytes(dims, size, out long bytes) ? bytes : -1));
        }
        if (problems.Count > 0) return (null, Problems());

        // Tensors reaching past the end of the file: a truncated file when the layout is otherwise sound (every tensor
        // as long as its dtype and shape say, contiguous from offset 0), else offsets out of range.
        var sorted = tensors.OrderBy(t => t.Entry.Begin).ThenBy(t => t.Entry.End).ToList();
        List<TensorEntry> cut = sorted.Select(t => t.Entry).Where(t => t.End > dataLength).ToList();
        if (cut.Count > 0 && tensors.All(t => t.ExpectedBytes == t.Entry.End - t.Entry.Begin) && IsContiguous(sorted.Select(t => t.Entry)))
        {
            long describedEnd = sorted[sorted.Count - 1].Entry.End;
            long needed = 8 + d.HeaderLength + describedEnd;
            problems.Add(DiagnosticInfo.Create(AlbertDiagnostics.SafetensorsTruncated, null, checkpoint, file,
                $"the file is {d.SafetensorsLength} bytes but its header lays tensor data out to byte {needed} ({needed - d.SafetensorsLength} bytes missing): " +
                (cut.Count == 1 ? $"tensor '{cut[0].Name}' is cut off" : $"{cut.Count} tensors are cut off, the first '{cut[0].Name}'")));
            return (null, problems);
        }
        foreach (var (t, expectedBytes) in tensors)
        {
            if (t.End > dataLength)
                Layout(t.Name, $"has data_offsets [{t.Begin}, {t.End}] beyond the {dataLength} data bytes of the {d.SafetensorsLength}-byte file");
            else if (expectedBytes != t.End - t.Begin)
                Layout(t.Name, $"is {t.DType} [{t.ShapeText}] = {(expectedBytes < 0 ? "overflowing" : expectedBytes.ToString(CultureInfo.InvariantCulture))} bytes but its data_offsets [{t.Begin}, {t.End}] span {t.End - t.Begin}");
        }
        if (problems.Count > 0) return (null, Problems());

        // The data section must be exactly covered: sorted by offset, each tensor starts where the previous ended. A file
        // the build task converted (docs/precision.md) aligns each tensor to 64 bytes: gaps are allowed there, overlaps never.
        long expectedBegin = 0;
        TensorEntry? previous = null;
        foreach (TensorEntry t in sorted.Select(t => t.Entry))
        {
            if (t.Begin != expectedBegin && !(d.IsConverted && t.Begin > expectedBegin))
            {
                Layout(t.Name, t.Begin < expectedBegin
                    ? $"overlaps '{previous!.Name}': it starts at data offset {t.Begin}, before {expectedBegin}"
                    : $"leaves a hole: it starts at data offset {t.Begin} but the previous tensor ends at {expectedBegin}");
                return (null, problems);
            }
            expectedBegin = t.End;
            previous = t;
        }
        if (expectedBegin != dataLength)
        {
            Corrupt($"the tensors cover {expectedBegin} data bytes but the file holds {dataLength} after the header");
            return (null, problems);
        }
        return (new SafetensorsHeader(d.SafetensorsLength, d.HeaderLength, tensors.Select(t => t.Entry).ToEquatableArray()), problems);
    }

    private static bool IsContiguous(IEnumerable<TensorEntry> sortedByOffset)
    {
        long expected = 0;
        foreach (TensorEntry t in sortedByOffset)
        {
            if (t.Begin != expected) return false;
            expected = t.End;
        }
        return true;
    }

    private static bool TryParseOffset(JsonValue v, out long value)
    {
        value = -1;
        return v.Kind == JsonKind.Number && long.TryParse(v.Text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    private static bool TryElementBytes(List<long> dims, int size, out long bytes)
    {
        bytes = size;
        try
        {
            foreach (long dim in dims) bytes = checked(bytes * dim);
            return true;
        }
        catch (OverflowException)
        {
            bytes = -1;
            return false;
        }
    }
}
