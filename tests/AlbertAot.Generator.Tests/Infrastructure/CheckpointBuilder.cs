using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace AlbertAot.Generator.Tests.Infrastructure;

/// <summary>One tensor of a synthesized safetensors header. Mutable, so tests can corrupt it after layout.</summary>
public sealed class HeaderTensor
{
    public HeaderTensor(string name, string dtype, long[] shape)
    {
        Name = name;
        DType = dtype;
        Shape = shape;
    }

    public string Name { get; set; }
    public string DType { get; set; }
    public long[] Shape { get; set; }
    public long Begin { get; set; }
    public long End { get; set; }

    /// <summary>Replaces the JSON of the whole entry (after the name), e.g. to write a dimension that is not a number.</summary>
    public string? RawJson { get; set; }

    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>How the MLM decoder bias is stored.</summary>
public enum DecoderBias
{
    /// <summary>predictions.bias only (what save_pretrained writes today: decoder.bias is tied to it).</summary>
    PredictionsBias,
    /// <summary>predictions.bias and predictions.decoder.bias (older torch.save checkpoints).</summary>
    Both,
    /// <summary>predictions.decoder.bias only.</summary>
    DecoderBiasOnly,
}

/// <summary>
/// The HF config values that shape an ALBERT checkpoint's tensors, read from config.json text with AlbertConfig's
/// defaults (independently of the generator's own parser).
/// </summary>
public sealed record AlbertShape(int Vocab, int Embedding, int Hidden, int Layers, int Groups, int Heads, int Intermediate,
    int Inner, int MaxPositions, int TypeVocab, string HiddenAct, double LayerNormEps)
{
    public static AlbertShape FromConfig(string json)
    {
        using JsonDocument doc = JsonDocument.Parse(json);
        JsonElement root = doc.RootElement;
        int Int(string name, int fallback) => root.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : fallback;
        string Str(string name, string fallback) => root.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : fallback;
        double eps = root.TryGetProperty("layer_norm_eps", out JsonElement e) && e.ValueKind == JsonValueKind.Number ? e.GetDouble() : 1e-12;
        return new AlbertShape(Int("vocab_size", 30000), Int("embedding_size", 128), Int("hidden_size", 4096), Int("num_hidden_layers", 12),
            Int("num_hidden_groups", 1), Int("num_attention_heads", 64), Int("intermediate_size", 16384), Int("inner_group_num", 1),
            Int("max_position_embeddings", 512), Int("type_vocab_size", 2), Str("hidden_act", "gelu_new"), eps);
    }
}

/// <summary>What the generator is given for one checkpoint: the descriptor written by build/AlbertAot.targets and config.json.</summary>
public sealed record Checkpoint(
    string Name,
    string DescriptorPath,
    string DescriptorText,
    string ConfigPath,
    string? ConfigText,
    bool ConfigPassed,
    IReadOnlyList<HeaderTensor> Tensors,
    string HeaderJson,
    long HeaderLength,
    long SafetensorsLength,
    string SafetensorsPath,
    string TokenizerPath)
{
    public long DataStart => 8 + HeaderLength;

    public HeaderTensor Tensor(string name) => Tensors.Single(t => t.Name == name);
}

/// <summary>
/// Builds a checkpoint in memory from a config.json: a valid safetensors header with HF's tensor names and the shapes
/// the config implies (F32 unless told otherwise, data laid out contiguously as the safetensors writer does: by
/// dtype size, then name; header keys sorted by name; padded with spaces to 8 bytes), and the descriptor text with a
/// consistent safetensors_length (8 + header bytes + data bytes). No tensor data is needed: only the header.
/// Every knob below corrupts or varies one thing.
/// </summary>
public sealed class CheckpointBuilder
{
    public const string Root = "/src/app/weights/";

    /// <summary>Where the build task writes descriptors (and converted files, under bf16/ and int8/).</summary>
    public const string ObjDirectory = "/src/app/obj/Debug/net10.0/albert/";

    private static readonly (string Suffix, Func<AlbertShape, long[]> Shape)[] s_layerTensors =
    {
        ("attention.query.weight", c => new long[] { c.Hidden, c.Hidden }), ("attention.query.bias", c => new long[] { c.Hidden }),
        ("attention.key.weight", c => new long[] { c.Hidden, c.Hidden }), ("attention.key.bias", c => new long[] { c.Hidden }),
        ("attention.value.weight", c => new long[] { c.Hidden, c.Hidden }), ("attention.value.bias", c => new long[] { c.Hidden }),
        ("attention.dense.weight", c => new long[] { c.Hidden, c.Hidden }), ("attention.dense.bias", c => new long[] { c.Hidden }),
        ("attention.LayerNorm.weight", c => new long[] { c.Hidden }), ("attention.LayerNorm.bias", c => new long[] { c.Hidden }),
        ("ffn.weight", c => new long[] { c.Intermediate, c.Hidden }), ("ffn.bias", c => new long[] { c.Intermediate }),
        ("ffn_output.weight", c => new long[] { c.Hidden, c.Intermediate }), ("ffn_output.bias", c => new long[] { c.Hidden }),
        ("full_layer_layer_norm.weight", c => new long[] { c.Hidden }), ("full_layer_layer_norm.bias", c => new long[] { c.Hidden }),
    };

    private readonly Dictionary<string, string> _dtypes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long[]> _shapes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _removed = new(StringComparer.Ordinal);
    private readonly List<HeaderTensor> _extras = new();
    private readonly Dictionary<string, long> _gaps = new(StringComparer.Ordinal);
    private readonly List<Action<List<HeaderTensor>>> _afterLayout = new();
    private readonly List<Func<string, string>> _headerTransforms = new();
    private readonly List<Func<string, string>> _descriptorTransforms = new();

    public CheckpointBuilder(string name, string configJson)
    {
        Name = name;
        ShapeConfigJson = configJson;
        ConfigFileText = configJson;
    }

    public string Name { get; }

    /// <summary>The config the tensor shapes are synthesized from.</summary>
    public string ShapeConfigJson { get; private set; }

    /// <summary>The config.json text the generator sees (null: the compiler could not read it).</summary>
    public string? ConfigFileText { get; private set; }

    public bool ConfigPassed { get; private set; } = true;
    public bool Prefix { get; private set; } = true;
    public bool Pooler { get; private set; } = true;
    public bool Mlm { get; private set; } = true;
    public bool DecoderWeight { get; private set; }
    public DecoderBias DecoderBiasMode { get; private set; } = DecoderBias.PredictionsBias;
    public bool PositionIds { get; private set; }
    public bool Sop { get; private set; }
    public bool Metadata { get; private set; } = true;
    public string DefaultDType { get; private set; } = "F32";

    private bool _configExists = true;
    private long? _safetensorsLength;
    private long? _headerLength;
    private string _headerError = "";
    private string? _headerText;
    private bool _tokenizerDeclared;
    private bool _tokenizerExists = true;
    private string _headerErrorKind = "";
    private string _tokenizerError = "";
    private int _tokenizerPieces = -1;
    private string _nonFiniteScan = "ok";
    private string _precision = "Float32";
    private string _defaultPrecision = "Float32";
    private string _precisionError = "";
    private bool _embedded = true;
    private readonly List<(string Precision, string Reason)> _skipped = new();
    private readonly List<(string Tensor, long NaNs, long Infinities, long Elements)> _nonFinite = new();

    public CheckpointBuilder WithConfigFileText(string? text) { ConfigFileText = text; return this; }
    public CheckpointBuilder WithConfigNotPassed() { ConfigPassed = false; return this; }
    public CheckpointBuilder WithConfigMissing() { _configExists = false; ConfigPassed = false; return this; }
    public CheckpointBuilder WithPrefix(bool prefix) { Prefix = prefix; return this; }
    public CheckpointBuilder WithPooler(bool pooler) { Pooler = pooler; return this; }
    public CheckpointBuilder WithMlm(bool mlm) { Mlm = mlm; return this; }
    public CheckpointBuilder WithDecoderWeight(bool stored = true) { DecoderWeight = stored; return this; }
    public CheckpointBuilder WithDecoderBias(DecoderBias mode) { DecoderBiasMode = mode; return this; }
    public CheckpointBuilder WithPositionIds(bool stored = true) { PositionIds = stored; return this; }
    public CheckpointBuilder WithSop(bool sop = true) { Sop = sop; return this; }
    public CheckpointBuilder WithMetadata(bool metadata) { Metadata = metadata; return this; }
    public CheckpointBuilder WithDType(string dtype) { DefaultDType = dtype; return this; }
    public CheckpointBuilder WithTensorDType(string tensor, string dtype) { _dtypes[tensor] = dtype; return this; }
    public CheckpointBuilder WithTensorShape(string tensor, params long[] shape) { _shapes[tensor] = shape; return this; }
    public CheckpointBuilder WithoutTensor(string tensor) { _removed.Add(tensor); return this; }
    public CheckpointBuilder WithExtraTensor(string tensor, string dtype, params long[] shape) { _extras.Add(new HeaderTensor(tensor, dtype, shape)); return this; }

    /// <summary>Leaves <paramref name="bytes"/> unused data bytes before the tensor (a hole the file length counts).</summary>
    public CheckpointBuilder WithGapBefore(string tensor, long bytes) { _gaps[tensor] = bytes; return this; }

    /// <summary>Edits the laid-out tensors (offsets, shapes, dtypes) before the header is written; the file length stays that of the valid layout.</summary>
    public CheckpointBuilder AfterLayout(Action<List<HeaderTensor>> edit) { _afterLayout.Add(edit); return this; }

    /// <summary>Edits the header JSON text after it was written (and padded).</summary>
    public CheckpointBuilder WithHeaderTransform(Func<string, string> transform) { _headerTransforms.Add(transform); return this; }

    /// <summary>Uses this text as the header, whatever the tensors are.</summary>
    public CheckpointBuilder WithHeaderText(string header) { _headerText = header; return this; }

    public CheckpointBuilder WithConfigExists(bool exists) { _configExists = exists; return this; }
    public CheckpointBuilder WithSafetensorsLength(long length) { _safetensorsLength = length; return this; }
    public CheckpointBuilder WithHeaderLength(long length) { _headerLength = length; return this; }
    public CheckpointBuilder WithHeaderError(string error, string kind = "") { _headerError = error; _headerErrorKind = kind; return this; }
    public CheckpointBuilder WithTokenizerError(string error) { _tokenizerError = error; return this; }
    /// <summary>The piece count the build task read from a valid tokenizer (-1: no tokenizer_pieces line, as before).</summary>
    public CheckpointBuilder WithTokenizerPieces(int pieces) { _tokenizerPieces = pieces; return this; }
    public CheckpointBuilder WithNonFiniteScan(string status) { _nonFiniteScan = status; return this; }

    /// <summary>
    /// Describes the file the build task converts this checkpoint to (docs/precision.md): the converted matrices BF16 or I8
    /// (each I8 one followed by its F32 "_scale" [rows]), in the source's data order, each at a multiple of 64 bytes.
    /// </summary>
    public CheckpointBuilder WithConversion(string precision) { _precision = precision; return this; }

    /// <summary>The item's Precision metadata as the task normalized it (default_precision=).</summary>
    public CheckpointBuilder WithDefaultPrecision(string precision) { _defaultPrecision = precision; return this; }

    /// <summary>Precision metadata that names no precision (precision_error=).</summary>
    public CheckpointBuilder WithPrecisionError(string value) { _precisionError = value; return this; }

    /// <summary>Whether the described file is embedded (the task leaves out a float32 file no class uses).</summary>
    public CheckpointBuilder WithEmbedded(bool embedded) { _embedded = embedded; return this; }

    /// <summary>A conversion the task did not make (skipped=PRECISION why).</summary>
    public CheckpointBuilder WithSkipped(string precision, string reason) { _skipped.Add((precision, reason)); return this; }

    /// <summary>The tensors docs/precision.md converts (rank 2 and a float dtype required besides), written out independently of the generator's list.</summary>
    public static bool IsConvertedName(string name) => System.Text.RegularExpressions.Regex.IsMatch(name,
        @"^((albert\.)?(embeddings\.word_embeddings|encoder\.embedding_hidden_mapping_in|pooler|encoder\.albert_layer_groups\.[0-9]+\.albert_layers\.[0-9]+\.(attention\.query|attention\.key|attention\.value|attention\.dense|ffn|ffn_output))|predictions\.dense|predictions\.decoder)\.weight$");

    /// <summary>The build task found NaN or infinite values in this tensor (a nonfinite= line in the descriptor).</summary>
    public CheckpointBuilder WithNonFinite(string tensor, long nans, long infinities, long elements)
    {
        _nonFinite.Add((tensor, nans, infinities, elements));
        return this;
    }
    public CheckpointBuilder WithTokenizer(bool exists, bool declared = false) { _tokenizerExists = exists; _tokenizerDeclared = declared; return this; }

    /// <summary>Edits the descriptor text after it was written.</summary>
    public CheckpointBuilder WithDescriptorTransform(Func<string, string> transform) { _descriptorTransforms.Add(transform); return this; }

    public string LayerPrefix(int group, int inner) => $"{(Prefix ? "albert." : "")}encoder.albert_layer_groups.{group}.albert_layers.{inner}.";

    public string BasePrefix => Prefix ? "albert." : "";

    /// <summary>The tensors HF saves for the config, before any knob but dtype/shape overrides and removals.</summary>
    public List<HeaderTensor> Tensors()
    {
        AlbertShape c = AlbertShape.FromConfig(ShapeConfigJson);
        string p = BasePrefix;
        var list = new List<HeaderTensor>();
        void Add(string name, params long[] shape) => list.Add(new HeaderTensor(name, DefaultDType, shape));

        Add(p + "embeddings.word_embeddings.weight", c.Vocab, c.Embedding);
        Add(p + "embeddings.position_embeddings.weight", c.MaxPositions, c.Embedding);
        Add(p + "embeddings.token_type_embeddings.weight", c.TypeVocab, c.Embedding);
        Add(p + "embeddings.LayerNorm.weight", c.Embedding);
        Add(p + "embeddings.LayerNorm.bias", c.Embedding);
        if (PositionIds) list.Add(new HeaderTensor(p + "embeddings.position_ids", "I64", new long[] { 1, c.MaxPositions }));
        Add(p + "encoder.embedding_hidden_mapping_in.weight", c.Hidden, c.Embedding);
        Add(p + "encoder.embedding_hidden_mapping_in.bias", c.Hidden);
        for (int g = 0; g < c.Groups; g++)
            for (int i = 0; i < c.Inner; i++)
                foreach (var (suffix, shape) in s_layerTensors) Add(LayerPrefix(g, i) + suffix, shape(c));
        if (Pooler)
        {
            Add(p + "pooler.weight", c.Hidden, c.Hidden);
            Add(p + "pooler.bias", c.Hidden);
        }
        if (Mlm)
        {
            if (DecoderBiasMode != DecoderBias.DecoderBiasOnly) Add("predictions.bias", c.Vocab);
            Add("predictions.dense.weight", c.Embedding, c.Hidden);
            Add("predictions.dense.bias", c.Embedding);
            Add("predictions.LayerNorm.weight", c.Embedding);
            Add("predictions.LayerNorm.bias", c.Embedding);
            if (DecoderWeight) Add("predictions.decoder.weight", c.Vocab, c.Embedding);
            if (DecoderBiasMode != DecoderBias.PredictionsBias) Add("predictions.decoder.bias", c.Vocab);
        }
        if (Sop)
        {
            Add("sop_classifier.classifier.weight", 2, c.Hidden);
            Add("sop_classifier.classifier.bias", 2);
        }
        list.AddRange(_extras.Select(e => new HeaderTensor(e.Name, e.DType, e.Shape)));
        list.RemoveAll(t => _removed.Contains(t.Name));
        foreach (HeaderTensor t in list)
        {
            if (_dtypes.TryGetValue(t.Name, out string? dtype)) t.DType = dtype;
            if (_shapes.TryGetValue(t.Name, out long[]? shape)) t.Shape = shape;
        }
        return list;
    }

    public static int DTypeSize(string dtype) => dtype switch
    {
        "F64" or "I64" or "U64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        _ => 1,
    };

    public Checkpoint Build()
    {
        List<HeaderTensor> tensors = Tensors();

        // The safetensors writer lays data out by alignment (larger dtypes first), then by name.
        long offset = 0;
        bool converted = _precision != "Float32";
        var layout = new List<HeaderTensor>();
        foreach (HeaderTensor t in tensors.OrderByDescending(t => DTypeSize(t.DType)).ThenBy(t => t.Name, StringComparer.Ordinal).ToList())
        {
            if (_gaps.TryGetValue(t.Name, out long gap)) offset += gap;
            bool convert = converted && IsConvertedName(t.Name) && t.Shape.Length == 2 && t.DType is ("F32" or "F16" or "BF16");
            if (convert) t.DType = _precision == "Int8" ? "I8" : "BF16";
            if (converted) offset = (offset + 63) / 64 * 64;
            t.Begin = offset;
            offset += t.ElementCount * DTypeSize(t.DType);
            t.End = offset;
            layout.Add(t);
            if (convert && _precision == "Int8")
            {
                var scale = new HeaderTensor(t.Name + "_scale", "F32", new[] { t.Shape[0] });
                offset = (offset + 63) / 64 * 64;
                scale.Begin = offset;
                offset += 4 * t.Shape[0];
                scale.End = offset;
                layout.Add(scale);
            }
        }
        if (converted) tensors = layout;
        long dataLength = offset;
        foreach (var edit in _afterLayout) edit(tensors);

        string header = _headerText ?? WriteHeader(tensors, Metadata);
        foreach (var transform in _headerTransforms) header = transform(header);

        long headerLength = _headerLength ?? Encoding.UTF8.GetByteCount(header);
        long length = _safetensorsLength ?? 8 + headerLength + dataLength;
        string dir = Root + Name;
        string configPath = dir + "/config.json";
        string sourcePath = dir + "/model.safetensors";
        string folder = _precision switch { "Int8" => "int8/", "BFloat16" => "bf16/", _ => "" };
        string safetensorsPath = converted ? ObjDirectory + folder + Name + ".safetensors" : sourcePath;
        string tokenizerPath = _tokenizerDeclared ? "/src/app/tokenizers/" + Name + ".model" : dir + "/spiece.model";

        var text = new StringBuilder();
        text.Append("# AlbertAot checkpoint descriptor, written by build/AlbertAot.targets for the source generator.\n");
        text.Append("name=").Append(Name).Append('\n');
        text.Append("directory=").Append(dir).Append('\n');
        text.Append("config=").Append(configPath).Append('\n');
        text.Append("config_exists=").Append(_configExists ? "true" : "false").Append('\n');
        text.Append("precision=").Append(_precision).Append('\n');
        text.Append("default_precision=").Append(_defaultPrecision).Append('\n');
        text.Append("precision_error=").Append(_precisionError).Append('\n');
        text.Append("embedded=").Append(_embedded ? "true" : "false").Append('\n');
        text.Append("source=").Append(converted ? sourcePath : "").Append('\n');
        foreach (var (precision, reason) in _skipped) text.Append("skipped=").Append(precision).Append(' ').Append(reason).Append('\n');
        text.Append("safetensors=").Append(safetensorsPath).Append('\n');
        text.Append("safetensors_length=").Append(length.ToString(CultureInfo.InvariantCulture)).Append('\n');
        text.Append("header_length=").Append((_safetensorsLength < 0 ? -1 : headerLength).ToString(CultureInfo.InvariantCulture)).Append('\n');
        text.Append("header_error=").Append(_headerError).Append('\n');
        text.Append("header_error_kind=").Append(_headerErrorKind).Append('\n');
        text.Append("tokenizer=").Append(tokenizerPath).Append('\n');
        text.Append("tokenizer_declared=").Append(_tokenizerDeclared ? "true" : "false").Append('\n');
        text.Append("tokenizer_exists=").Append(_tokenizerExists ? "true" : "false").Append('\n');
        text.Append("tokenizer_error=").Append(_tokenizerError).Append('\n');
        if (_tokenizerPieces >= 0) text.Append("tokenizer_pieces=").Append(_tokenizerPieces).Append('\n');
        text.Append("nonfinite_scan=").Append(_safetensorsLength < 0 ? "" : _nonFiniteScan).Append('\n');
        foreach (var (tensor, nans, infinities, elements) in _nonFinite)
            text.Append("nonfinite=").Append(nans).Append(' ').Append(infinities).Append(' ').Append(elements).Append(' ')
                .Append(JsonSerializer.Serialize(tensor, s_raw)).Append('\n');
        text.Append("header=").Append(_safetensorsLength < 0 ? "" : header);
        string descriptor = text.ToString();
        foreach (var transform in _descriptorTransforms) descriptor = transform(descriptor);

        return new Checkpoint(Name, ObjDirectory + folder + Name + ".albert", descriptor, configPath,
            ConfigFileText, ConfigPassed && _configExists, tensors, header, headerLength, length, safetensorsPath, tokenizerPath);
    }

    // serde_json (the safetensors writer) writes non-ASCII names as raw UTF-8, not \u escapes.
    private static readonly JsonSerializerOptions s_raw = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes the JSON header as safetensors does: keys sorted, no whitespace, padded with spaces to a multiple of 8 bytes.</summary>
    public static string WriteHeader(IEnumerable<HeaderTensor> tensors, bool metadata = true)
    {
        var sb = new StringBuilder("{");
        bool first = true;
        if (metadata)
        {
            sb.Append("\"__metadata__\":{\"format\":\"pt\"}");
            first = false;
        }
        foreach (HeaderTensor t in tensors.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            if (!first) sb.Append(',');
            first = false;
            sb.Append(JsonSerializer.Serialize(t.Name, s_raw)).Append(':');
            if (t.RawJson is not null)
            {
                sb.Append(t.RawJson);
                continue;
            }
            sb.Append("{\"dtype\":").Append(JsonSerializer.Serialize(t.DType, s_raw))
              .Append(",\"shape\":[").Append(string.Join(",", t.Shape.Select(d => d.ToString(CultureInfo.InvariantCulture))))
              .Append("],\"data_offsets\":[").Append(t.Begin.ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(t.End.ToString(CultureInfo.InvariantCulture)).Append("]}");
        }
        sb.Append('}');
        int bytes = Encoding.UTF8.GetByteCount(sb.ToString());
        sb.Append(' ', (8 - bytes % 8) % 8);
        return sb.ToString();
    }
}
