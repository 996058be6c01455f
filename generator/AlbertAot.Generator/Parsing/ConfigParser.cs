using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using AlbertAot.Generator.Diagnostics;
using AlbertAot.Generator.Json;
using AlbertAot.Generator.Model;

namespace AlbertAot.Generator.Parsing;

/// <summary>
/// Reads config.json the way HF's AlbertConfig does: missing fields take AlbertConfig's defaults, fields the
/// model ignores (gap_size, net_structure_type, num_memory_blocks, down_scale_factor, dropout probabilities, ...)
/// are accepted and ignored. Values the forward pass cannot honour are diagnostics.
/// </summary>
internal static class ConfigParser
{
    /// <summary>hidden_act values (HF's ACT2FN keys without learned parameters) → AlbertAot.AlbertActivation.</summary>
    public static readonly IReadOnlyDictionary<string, string> Activations = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["gelu"] = "Gelu",
        ["gelu_python"] = "Gelu",
        ["gelu_new"] = "GeluTanh",
        ["gelu_pytorch_tanh"] = "GeluTanh",
        ["gelu_fast"] = "GeluTanh",
        ["gelu_accurate"] = "GeluTanh",
        ["gelu_10"] = "GeluClipped10",
        ["quick_gelu"] = "QuickGelu",
        ["relu"] = "Relu",
        ["relu6"] = "Relu6",
        ["relu2"] = "ReluSquared",
        ["leaky_relu"] = "LeakyRelu",
        ["silu"] = "Silu",
        ["swish"] = "Silu",
        ["mish"] = "Mish",
        ["tanh"] = "Tanh",
        ["sigmoid"] = "Sigmoid",
        ["laplace"] = "Laplace",
        ["linear"] = "Identity",
    };

    /// <summary>Upper bound on num_hidden_layers × inner_group_num (ALBERT xxlarge: 12; the deepest released: 24).</summary>
    public const int MaxLayerApplications = 1024;

    public static (ConfigSpec? Config, List<DiagnosticInfo> Problems) Parse(string checkpoint, string path, string? text)
    {
        var problems = new List<DiagnosticInfo>();
        if (text is null)
        {
            problems.Add(DiagnosticInfo.Create(AlbertDiagnostics.FileUnreadable, null, checkpoint, path, "the compiler could not read it"));
            return (null, problems);
        }
        if (text.Trim().Length == 0)
        {
            problems.Add(DiagnosticInfo.Create(AlbertDiagnostics.ConfigEmpty, null, checkpoint, path,
                text.Length == 0 ? "no characters" : $"only {text.Length} whitespace character(s)"));
            return (null, problems);
        }

        JsonValue root;
        try
        {
            root = JsonParser.Parse(text);
        }
        catch (JsonParseException e)
        {
            problems.Add(DiagnosticInfo.Create(AlbertDiagnostics.InvalidJson, null, checkpoint, path, e.Message));
            return (null, problems);
        }
        if (root.Kind != JsonKind.Object)
        {
            problems.Add(DiagnosticInfo.Create(AlbertDiagnostics.ConfigNotAnObject, null, checkpoint, path, root.Describe()));
            return (null, problems);
        }

        var reader = new FieldReader(root, checkpoint, problems);
        // Defaults are HF AlbertConfig's (transformers/models/albert/configuration_albert.py).
        int vocab = reader.PositiveInt("vocab_size", 30000);
        int embedding = reader.PositiveInt("embedding_size", 128);
        int hidden = reader.PositiveInt("hidden_size", 4096);
        int layers = reader.PositiveInt("num_hidden_layers", 12);
        int groups = reader.PositiveInt("num_hidden_groups", 1);
        int heads = reader.PositiveInt("num_attention_heads", 64);
        int intermediate = reader.PositiveInt("intermediate_size", 16384);
        int inner = reader.PositiveInt("inner_group_num", 1);
        int maxPositions = reader.PositiveInt("max_position_embeddings", 512);
        int typeVocab = reader.PositiveInt("type_vocab_size", 2);
        double eps = reader.PositiveNumber("layer_norm_eps", 1e-12);
        int padId = reader.NonNegativeInt("pad_token_id", 0);
        string hiddenAct = reader.String("hidden_act", "gelu_new");
        string positionType = reader.String("position_embedding_type", "absolute");
        string modelType = reader.String("model_type", "albert");
        string architecture = reader.FirstArchitecture();
        var (labels, labelProblem, problemType) = ReadLabels(root);

        if (!Activations.TryGetValue(hiddenAct, out string? activation) && reader.Has("hidden_act"))
            problems.Add(DiagnosticInfo.Create(AlbertDiagnostics.UnsupportedConfigValue, null, checkpoint, "hidden_act", $"\"{hiddenAct}\"",
                "supported activations are " + string.Join(", ", Activations.Keys.OrderBy(k => k, StringComparer.Ordinal))));
        if (positionType != "absolute")
            problems.Add(DiagnosticInfo.Create(AlbertDiagnostics.PositionEmbeddingUnsupported, null, checkpoint, $"\"{positionType}\""));
        if (modelType != "albert")
            problems.Add(DiagnosticInfo.Create(AlbertDiagnostics.UnsupportedConfigValue, null, checkpoint, "model_type", $"\"{modelType}\"",
                "this is not an ALBERT checkpoint (model_type must be \"albert\")"));
        if (eps > float.MaxValue)
            problems.Add(DiagnosticInfo.Create(AlbertDiagnostics.InvalidConfigValue, null, checkpoint, "layer_norm_eps",
                $"is {eps.ToString("R", CultureInfo.InvariantCulture)}, beyond the float32 range the model computes in"));
        // The schedule is unrolled into one call per layer application; real configs have at most a few dozen.
        // Checks that combine fields run only when those fields were read (a bad field falls back to HF's default,
        // which must not produce a second, misleading diagnostic).
        if (reader.Ok("num_hidden_layers", "inner_group_num") && (long)layers * inner > MaxLayerApplications)
            problems.Add(DiagnosticInfo.Create(AlbertDiagnostics.UnsupportedConfigValue, null, checkpoint, "num_hidden_layers",
                $"{layers} (x inner_group_num {inner})", $"more than {MaxLayerApplications} layer applications"));
        if (reader.Ok("hidden_size", "num_attention_heads") && hidden % heads != 0)
            problems.Add(DiagnosticInfo.Create(AlbertDiagnostics.HiddenSizeNotDivisible, null, checkpoint, hidden, heads));
        if (reader.Ok("num_hidden_layers", "num_hidden_groups", "inner_group_num") && inner > layers / groups)
            problems.Add(DiagnosticInfo.Create(AlbertDiagnostics.InnerGroupTooLarge, null, checkpoint, inner, layers / groups, layers, groups));
        if (reader.Has("pad_token_id") && reader.Ok("pad_token_id", "vocab_size") && padId >= vocab)
            problems.Add(DiagnosticInfo.Create(AlbertDiagnostics.InvalidConfigValue, null, checkpoint, "pad_token_id",
                $"is {padId}, outside the vocabulary of {vocab}"));
        // Every weight matrix must be addressable with 32-bit element counts.
        var tooLarge = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (field, other, count) in new[] {
                     ("vocab_size", "embedding_size", (long)vocab * embedding), ("max_position_embeddings", "embedding_size", (long)maxPositions * embedding),
                     ("type_vocab_size", "embedding_size", (long)typeVocab * embedding), ("hidden_size", "embedding_size", (long)hidden * embedding),
                     ("intermediate_size", "hidden_size", (long)intermediate * hidden), ("hidden_size", "hidden_size", (long)hidden * hidden) })
        {
            if (count > int.MaxValue && reader.Ok(field, other) && tooLarge.Add(field))
                problems.Add(DiagnosticInfo.Create(AlbertDiagnostics.UnsupportedConfigValue, null, checkpoint, field, count.ToString(CultureInfo.InvariantCulture),
                    "a weight matrix of this config would exceed 2^31 - 1 elements"));
        }

        if (problems.Count > 0) return (null, problems);
        return (new ConfigSpec(vocab, embedding, hidden, layers, groups, inner, heads, intermediate, maxPositions, typeVocab, eps,
            hiddenAct, activation ?? "GeluTanh", padId, architecture, labels.ToEquatableArray(), labelProblem, problemType), problems);
    }

    /// <summary>The values of HF's <c>problem_type</c>.</summary>
    public static readonly string[] ProblemTypes = { "regression", "single_label_classification", "multi_label_classification" };

    /// <summary>
    /// HF PretrainedConfig's labels: id2label (keys are integers written as strings, values the label names; here they
    /// must be 0..N-1, so that every class index has a name, and strings), else LABEL_0..LABEL_{num_labels-1} with
    /// num_labels from the config or 2. Problems are returned, not reported: they matter only for a classifier head.
    /// </summary>
    private static (List<string> Labels, string Problem, string? ProblemType) ReadLabels(JsonValue root)
    {
        string problem = "";
        string? problemType = null;
        JsonValue? type = root.Get("problem_type");
        if (type is not null && type.Kind != JsonKind.Null)
        {
            if (type.Kind == JsonKind.String && ProblemTypes.Contains(type.Text!)) problemType = type.Text;
            else problem = $"field 'problem_type' is {type.Describe()}, expected null or one of {string.Join(", ", ProblemTypes.Select(t => "\"" + t + "\""))}";
        }

        JsonValue? id2label = root.Get("id2label");
        if (id2label is not null && id2label.Kind != JsonKind.Null)
        {
            if (id2label.Kind != JsonKind.Object)
                return (DefaultLabels(2), Join(problem, $"field 'id2label' is {id2label.Describe()}, expected an object of class index → label"), problemType);
            var byIndex = new SortedDictionary<int, string>();
            foreach (var member in id2label.Members!)
            {
                if (!int.TryParse(member.Key.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int index) || index < 0 || index >= id2label.Members.Count)
                    return (DefaultLabels(id2label.Members.Count), Join(problem,
                        $"field 'id2label' has the key \"{member.Key}\"; its keys must be the class indices 0 to {id2label.Members.Count - 1}"), problemType);
                if (member.Value.Kind != JsonKind.String)
                    return (DefaultLabels(id2label.Members.Count), Join(problem,
                        $"field 'id2label' maps \"{member.Key}\" to {member.Value.Describe()}, expected a label name (a string)"), problemType);
                if (byIndex.ContainsKey(index))
                    return (DefaultLabels(id2label.Members.Count), Join(problem, $"field 'id2label' names class {index} twice"), problemType);
                byIndex[index] = member.Value.Text!;
            }
            if (byIndex.Count == 0) return (DefaultLabels(0), Join(problem, "field 'id2label' is empty: a classifier has at least one class"), problemType);
            return (byIndex.Values.ToList(), problem, problemType);
        }

        JsonValue? numLabels = root.Get("num_labels");
        if (numLabels is not null && numLabels.Kind != JsonKind.Null)
        {
            if (numLabels.Kind == JsonKind.Number && int.TryParse(numLabels.Text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1 && n <= 1_000_000)
                return (DefaultLabels(n), problem, problemType);
            return (DefaultLabels(2), Join(problem, $"field 'num_labels' is {numLabels.Describe()}, expected a positive integer"), problemType);
        }
        return (DefaultLabels(2), problem, problemType);
    }

    private static List<string> DefaultLabels(int count) =>
        Enumerable.Range(0, count).Select(i => "LABEL_" + i.ToString(CultureInfo.InvariantCulture)).ToList();

    private static string Join(string first, string second) => first.Length == 0 ? second : first + "; " + second;

    /// <summary>Reads typed fields, recording one problem per bad field.</summary>
    private sealed class FieldReader(JsonValue root, string checkpoint, List<DiagnosticInfo> problems)
    {
        private readonly HashSet<string> _bad = new(StringComparer.Ordinal);

        public bool Has(string name) => root.Get(name) is not null;

        /// <summary>None of these fields was reported: their values are the config's (or HF's defaults for absent ones).</summary>
        public bool Ok(params string[] names) => !names.Any(_bad.Contains);

        public int PositiveInt(string name, int fallback) => Int(name, fallback, minimum: 1);

        public int NonNegativeInt(string name, int fallback)
        {
            // HF configs may carry pad_token_id: null; the model then has no padding row to honour.
            return root.Get(name) is { Kind: JsonKind.Null } ? fallback : Int(name, fallback, minimum: 0);
        }

        private int Int(string name, int fallback, int minimum)
        {
            JsonValue? v = root.Get(name);
            if (v is null) return fallback;
            if (v.Kind != JsonKind.Number || !long.TryParse(v.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
            {
                Report(name, $"is {v.Describe()}, expected an integer");
                return fallback;
            }
            if (value < minimum)
            {
                _bad.Add(name);
                if (minimum == 1)
                    problems.Add(DiagnosticInfo.Create(AlbertDiagnostics.ConfigSizeNotPositive, null, checkpoint, name, v.Text));
                else
                    Report(name, $"is {value}, expected a non-negative integer");
                return fallback;
            }
            if (value > int.MaxValue)
            {
                Report(name, $"is {value}, larger than any supported size");
                return fallback;
            }
            return (int)value;
        }

        public double PositiveNumber(string name, double fallback)
        {
            JsonValue? v = root.Get(name);
            if (v is null) return fallback;
            if (v.Kind != JsonKind.Number || !double.TryParse(v.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) ||
                double.IsInfinity(value))
            {
                Report(name, $"is {v.Describe()}, expected a number");
                return fallback;
            }
            if (!(value > 0))
            {
                Report(name, $"is {v.Text}, expected a positive number");
                return fallback;
            }
            return value;
        }

        public string String(string name, string fallback)
        {
            JsonValue? v = root.Get(name);
            if (v is null) return fallback;
            if (v.Kind != JsonKind.String)
            {
                Report(name, $"is {v.Describe()}, expected a string");
                return fallback;
            }
            return v.Text!;
        }

        public string FirstArchitecture()
        {
            JsonValue? v = root.Get("architectures");
            if (v is null || v.Kind == JsonKind.Null) return "";
            if (v.Kind != JsonKind.Array || v.Items!.Any(i => i.Kind != JsonKind.String))
            {
                Report("architectures", $"is {v.Describe()}, expected an array of class names");
                return "";
            }
            return v.Items!.Count > 0 ? v.Items[0].Text! : "";
        }

        private void Report(string name, string what)
        {
            _bad.Add(name);
            problems.Add(DiagnosticInfo.Create(AlbertDiagnostics.InvalidConfigValue, null, checkpoint, name, what));
        }
    }
}
