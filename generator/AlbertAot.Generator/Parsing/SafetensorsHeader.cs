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

    /// <summary>
    /// Checks the header against the format's rules: a JSON object of tensors with a known dtype, non-negative
    /// dims and data_offsets [begin, end] whose length is dtype size × elements, covering the data section
    /// contiguously with no overlap or hole, inside the file.
    /// </summary>
    public static (SafetensorsHeader? Header, List<DiagnosticInfo> Problems) Parse(string checkpoint, CheckpointDescriptor d)
    {
        var problems = new List<DiagnosticInfo>();
        string file = d.SafetensorsPath;
        void Corrupt(string what) => problems.Add(DiagnosticInfo.Create(AlbertDiagnostics.CorruptHeader, null, checkpoint, file, what));
        void Layout(string tensor, string what) => problems.Add(DiagnosticInfo.Create(AlbertDiagnostics.InvalidTensorLayout, null, checkpoint, tensor, file, what));

        if (d.SafetensorsLength < 0)
        {
            problems.Add(DiagnosticInfo.Create(AlbertDiagnostics.FileMissing, null, checkpoint, "model.safetensors", file));
            return (null, problems);
        }
        if (d.HeaderError.Length > 0)
        {
            Corrupt(d.HeaderError);
            return (null, problems);
        }

        JsonValue root;
        try
        {
            root = JsonParser.Parse(d.HeaderJson.TrimEnd(' ')); // the format pads the header with spaces
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
        var tensors = new List<TensorEntry>();
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
            if (dtype?.Kind != JsonKind.String)
            {
                Layout(name, "has no dtype string");
                continue;
            }
            if (!DTypeSizes.TryGetValue(dtype.Text!, out int size))
            {
                Layout(name, $"has unknown dtype \"{dtype.Text}\"");
                continue;
            }
            if (shape?.Kind != JsonKind.Array)
            {
                Layout(name, "has no shape array");
                continue;
            }
            var dims = new List<long>();
            bool shapeValid = true;
            foreach (JsonValue dim in shape.Items!)
            {
                if (dim.Kind != JsonKind.Number || !long.TryParse(dim.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n) || n < 0)
                {
                    Layout(name, $"has shape dimension {dim.Describe()}; dimensions are non-negative integers");
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
            if (end > dataLength)
            {
                Layout(name, $"has data_offsets [{begin}, {end}] beyond the {dataLength} data bytes of the {d.SafetensorsLength}-byte file");
                continue;
            }
            if (!TryElementBytes(dims, size, out long expectedBytes) || expectedBytes != end - begin)
            {
                Layout(name, $"is {dtype.Text} [{string.Join(", ", dims)}] = {(expectedBytes < 0 ? "overflowing" : expectedBytes.ToString(CultureInfo.InvariantCulture))} bytes but its data_offsets [{begin}, {end}] span {end - begin}");
                continue;
            }
            tensors.Add(new TensorEntry(name, dtype.Text!, dims.ToEquatableArray(), begin, end));
        }
        if (problems.Count > 0) return (null, problems);

        // The data section must be exactly covered: sorted by offset, each tensor starts where the previous ended.
        long expectedBegin = 0;
        TensorEntry? previous = null;
        foreach (TensorEntry t in tensors.OrderBy(t => t.Begin).ThenBy(t => t.End))
        {
            if (t.Begin != expectedBegin)
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
        return (new SafetensorsHeader(d.SafetensorsLength, d.HeaderLength, tensors.ToEquatableArray()), problems);
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
