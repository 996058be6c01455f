using System.Text.RegularExpressions;

namespace AlbertAot.Generator.Model;

/// <summary>
/// AlbertAot.AlbertPrecision, mirrored (the generator cannot reference the runtime): the values, their names as the
/// descriptors write them, the embedded file of each, and which tensors docs/precision.md converts.
/// </summary>
internal static class PrecisionKinds
{
    public const int Float32 = 0, BFloat16 = 1, Int8 = 2;

    private static readonly string[] s_names = { "Float32", "BFloat16", "Int8" };

    public static bool IsDefined(int precision) => precision is >= Float32 and <= Int8;

    /// <summary>The enum member's name ("Float32", "BFloat16", "Int8"), or the number for a value that names none.</summary>
    public static string Name(int precision) => IsDefined(precision) ? s_names[precision] : precision.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A descriptor's precision=/default_precision= value (the build task writes the enum names); -1 for anything else.</summary>
    public static int Parse(string? value) => System.Array.IndexOf(s_names, value ?? "");

    /// <summary>The C# expression of a precision.</summary>
    public static string Expression(int precision) => "global::AlbertAot.AlbertPrecision." + Name(precision);

    /// <summary>The file a checkpoint is embedded as in this precision (resource AlbertAot/&lt;name&gt;/&lt;file&gt;).</summary>
    public static string ResourceFile(int precision) => precision switch
    {
        BFloat16 => "model.bf16.safetensors",
        Int8 => "model.int8.safetensors",
        _ => "model.safetensors",
    };

    /// <summary>How the matrices are stored, for the generated doc comments.</summary>
    public static string Describe(int precision) => precision switch
    {
        BFloat16 => "bfloat16 (converted at build time, round to nearest even; widened in the GEMM kernels)",
        Int8 => "int8 with a float32 scale per row (converted at build time, symmetric per output channel; int32 accumulation)",
        _ => "float32",
    };

    private static readonly Regex s_converted = new(
        @"^(?:(?:albert\.)?(?:embeddings\.word_embeddings|encoder\.embedding_hidden_mapping_in|encoder\.albert_layer_groups\.\d+\.albert_layers\.\d+\.(?:attention\.(?:query|key|value|dense)|ffn|ffn_output)|pooler)|predictions\.(?:dense|decoder))\.weight$",
        RegexOptions.CultureInvariant);

    /// <summary>
    /// Whether the build task converts this tensor (docs/precision.md, "What is converted"): by name; it also requires
    /// rank 2 and a float dtype, which every tensor the model reads under these names has.
    /// </summary>
    public static bool IsConverted(string tensor) => s_converted.IsMatch(tensor);

    /// <summary>The name of an INT8 tensor's per-row scales.</summary>
    public static string ScaleName(string tensor) => tensor + "_scale";
}
