using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace AlbertAot.Generator.Diagnostics;

/// <summary>
/// Every diagnostic the generator reports, in one place. Ids are stable: README.md lists them, tests pin them.
/// Messages name the checkpoint, the file, the tensor or field, and what was expected against what was found.
/// </summary>
internal static class AlbertDiagnostics
{
    private const string Category = "AlbertAot";

    public static readonly DiagnosticDescriptor CheckpointNotDeclared = Error("ALB0001",
        "No such checkpoint",
        "[AlbertModel(\"{0}\")] names no checkpoint: {1}");

    public static readonly DiagnosticDescriptor FileMissing = Error("ALB0002",
        "Checkpoint file missing",
        "Checkpoint '{0}': {1} not found at '{2}'");

    public static readonly DiagnosticDescriptor FileUnreadable = Error("ALB0003",
        "Checkpoint file unreadable",
        "Checkpoint '{0}': cannot read '{1}': {2}");

    public static readonly DiagnosticDescriptor InvalidJson = Error("ALB0004",
        "Invalid JSON",
        "Checkpoint '{0}': '{1}' is not valid JSON: {2}");

    public static readonly DiagnosticDescriptor InvalidConfigValue = Error("ALB0005",
        "Invalid config value",
        "Checkpoint '{0}': config.json field '{1}' {2}");

    public static readonly DiagnosticDescriptor UnsupportedConfigValue = Error("ALB0006",
        "Unsupported config value",
        "Checkpoint '{0}': config.json field '{1}' = {2} is not supported: {3}");

    public static readonly DiagnosticDescriptor HiddenSizeNotDivisible = Error("ALB0007",
        "hidden_size not divisible by num_attention_heads",
        "Checkpoint '{0}': hidden_size {1} is not a multiple of num_attention_heads {2} (config.json)");

    public static readonly DiagnosticDescriptor InnerGroupTooLarge = Error("ALB0008",
        "inner_group_num larger than the layers per group",
        "Checkpoint '{0}': inner_group_num {1} is larger than the {2} layer(s) per group (int(num_hidden_layers {3} / num_hidden_groups {4})): HF's forward raises IndexError on this config");

    public static readonly DiagnosticDescriptor CorruptHeader = Error("ALB0009",
        "Corrupt safetensors header",
        "Checkpoint '{0}': the safetensors header of '{1}' is invalid: {2}");

    public static readonly DiagnosticDescriptor InvalidTensorLayout = Error("ALB0010",
        "Invalid tensor layout",
        "Checkpoint '{0}': tensor '{1}' in '{2}' {3}");

    public static readonly DiagnosticDescriptor MissingTensor = Error("ALB0011",
        "Missing tensor",
        "Checkpoint '{0}': '{1}' has no tensor '{2}' (expected shape [{3}] from config.json)");

    public static readonly DiagnosticDescriptor TensorShapeMismatch = Error("ALB0012",
        "Tensor shape does not match the config",
        "Checkpoint '{0}': tensor '{1}' in '{2}' has shape [{3}], expected [{4}] from config.json");

    public static readonly DiagnosticDescriptor UnsupportedDType = Error("ALB0013",
        "Unsupported tensor dtype",
        "Checkpoint '{0}': tensor '{1}' in '{2}' is stored as {3}; supported storage types are F32, F16 and BF16");

    public static readonly DiagnosticDescriptor NoTokenizer = new("ALB0014",
        "Model compiled without a tokenizer",
        "Checkpoint '{0}' has no spiece.model (looked for '{1}'): '{2}' is compiled with the ids-only API; name one with Tokenizer=\"...\" on its AlbertCheckpoint item",
        Category, DiagnosticSeverity.Info, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ClassNotPartial = Error("ALB0015",
        "Model class must be partial",
        "'{0}' must be declared partial, as must every type containing it, to receive the generated model");

    public static readonly DiagnosticDescriptor UnsupportedClass = Error("ALB0016",
        "Unsupported model class",
        "'{0}' cannot receive a generated model: {1}");

    public static readonly DiagnosticDescriptor InvalidCheckpointName = Error("ALB0017",
        "Invalid checkpoint name",
        "[AlbertModel] needs the name of a checkpoint declared in the project file, got {0}");

    public static readonly DiagnosticDescriptor TokenizerMissing = Error("ALB0019",
        "Tokenizer file missing",
        "Checkpoint '{0}': the tokenizer '{1}' named on its AlbertCheckpoint item does not exist");

    public static readonly DiagnosticDescriptor HeadMissing = Error("ALB0020",
        "Head missing from the checkpoint",
        "Checkpoint '{0}' has no {1} head: {2}");

    public static readonly DiagnosticDescriptor HeadNotCompiled = new("ALB0021",
        "Head tensors present but not compiled",
        "Checkpoint '{0}' holds {1}, but {2}: '{3}' is compiled without that head; to compile it, name it on the attribute: [AlbertModel(\"{0}\", Heads = {4})]",
        Category, DiagnosticSeverity.Info, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InvalidHeadsRequest = Error("ALB0022",
        "Invalid Heads on [AlbertModel]",
        "[AlbertModel(Heads = {0})] on '{1}' {2}");

    public static readonly DiagnosticDescriptor SafetensorsTruncated = Error("ALB0023",
        "Truncated safetensors file",
        "Checkpoint '{0}': '{1}' is truncated: {2}");

    public static readonly DiagnosticDescriptor HeaderLengthInvalid = Error("ALB0024",
        "Invalid safetensors header length",
        "Checkpoint '{0}': the 8-byte header length field of '{1}' is invalid: {2}");

    public static readonly DiagnosticDescriptor DuplicateTensor = Error("ALB0025",
        "Duplicate tensor name",
        "Checkpoint '{0}': tensor '{1}' is listed more than once in the safetensors header of '{2}' ({3}); a tensor name must be unique");

    public static readonly DiagnosticDescriptor UnknownDType = Error("ALB0026",
        "Unknown tensor dtype",
        "Checkpoint '{0}': tensor '{1}' in '{2}' {3}; safetensors dtypes are {4}");

    public static readonly DiagnosticDescriptor InvalidShape = Error("ALB0027",
        "Invalid tensor shape",
        "Checkpoint '{0}': tensor '{1}' in '{2}' {3}");

    public static readonly DiagnosticDescriptor TensorRankMismatch = Error("ALB0028",
        "Tensor rank does not match the config",
        "Checkpoint '{0}': tensor '{1}' in '{2}' has {3} dimension(s) [{4}], expected {5} ([{6}] from config.json)");

    public static readonly DiagnosticDescriptor NonFiniteWeights = new("ALB0029",
        "NaN or infinite weights",
        "Checkpoint '{0}': tensor '{1}' in '{2}' holds {3} NaN and {4} infinite value(s) among its {5}: outputs computed from it will be NaN or infinite",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ConfigEmpty = Error("ALB0030",
        "Empty config.json",
        "Checkpoint '{0}': '{1}' is empty ({2}); it must hold the checkpoint's config as a JSON object (was the download or save interrupted?)");

    public static readonly DiagnosticDescriptor ConfigNotAnObject = Error("ALB0031",
        "config.json is not a JSON object",
        "Checkpoint '{0}': '{1}' holds {2}; a config.json must hold a JSON object of fields");

    public static readonly DiagnosticDescriptor ConfigSizeNotPositive = Error("ALB0032",
        "Size in config.json not positive",
        "Checkpoint '{0}': config.json field '{1}' is {2}; sizes and counts must be positive integers");

    public static readonly DiagnosticDescriptor PositionEmbeddingUnsupported = Error("ALB0033",
        "Unsupported position_embedding_type",
        "Checkpoint '{0}': config.json field 'position_embedding_type' = {1} is not supported: the forward pass implements \"absolute\" position embeddings only (HF's relative_key and relative_key_query are not implemented)");

    public static readonly DiagnosticDescriptor TokenizerInvalid = Error("ALB0034",
        "Tokenizer file is not a usable SentencePiece model",
        "Checkpoint '{0}': the tokenizer '{1}' is not a usable SentencePiece model: {2}");

    public static readonly DiagnosticDescriptor PrecisionNotEmbedded = Error("ALB0035",
        "Checkpoint not embedded in the precision asked for",
        "Checkpoint '{0}' is not embedded in {1} precision, which '{2}' uses: {3}");

    public static readonly DiagnosticDescriptor InvalidPrecision = Error("ALB0036",
        "Invalid precision",
        "{0} names no precision: {1}");

    public static readonly DiagnosticDescriptor TokenizerVocabularyTooLarge = Error("ALB0037",
        "Tokenizer has more pieces than the checkpoint has embeddings",
        "Checkpoint '{0}': the tokenizer '{1}' has {2} pieces but config.json's vocab_size is {3}: its ids {3} to {4} have no word embedding; give the checkpoint its own spiece.model");

    public static readonly DiagnosticDescriptor InternalError = Error("ALB9999",
        "Internal generator error",
        "AlbertAot.Generator failed on checkpoint '{0}': {1}. This is a bug in AlbertAot: please report it with the checkpoint's config.json and safetensors header.");

    // ALB0018 (a checkpoint name declared twice) is raised by the MSBuild targets, which see the items first.

    private static readonly Dictionary<string, DiagnosticDescriptor> s_byId = new()
    {
        [CheckpointNotDeclared.Id] = CheckpointNotDeclared,
        [FileMissing.Id] = FileMissing,
        [FileUnreadable.Id] = FileUnreadable,
        [InvalidJson.Id] = InvalidJson,
        [InvalidConfigValue.Id] = InvalidConfigValue,
        [UnsupportedConfigValue.Id] = UnsupportedConfigValue,
        [HiddenSizeNotDivisible.Id] = HiddenSizeNotDivisible,
        [InnerGroupTooLarge.Id] = InnerGroupTooLarge,
        [CorruptHeader.Id] = CorruptHeader,
        [InvalidTensorLayout.Id] = InvalidTensorLayout,
        [MissingTensor.Id] = MissingTensor,
        [TensorShapeMismatch.Id] = TensorShapeMismatch,
        [UnsupportedDType.Id] = UnsupportedDType,
        [NoTokenizer.Id] = NoTokenizer,
        [ClassNotPartial.Id] = ClassNotPartial,
        [UnsupportedClass.Id] = UnsupportedClass,
        [InvalidCheckpointName.Id] = InvalidCheckpointName,
        [TokenizerMissing.Id] = TokenizerMissing,
        [HeadMissing.Id] = HeadMissing,
        [HeadNotCompiled.Id] = HeadNotCompiled,
        [InvalidHeadsRequest.Id] = InvalidHeadsRequest,
        [SafetensorsTruncated.Id] = SafetensorsTruncated,
        [HeaderLengthInvalid.Id] = HeaderLengthInvalid,
        [DuplicateTensor.Id] = DuplicateTensor,
        [UnknownDType.Id] = UnknownDType,
        [InvalidShape.Id] = InvalidShape,
        [TensorRankMismatch.Id] = TensorRankMismatch,
        [NonFiniteWeights.Id] = NonFiniteWeights,
        [ConfigEmpty.Id] = ConfigEmpty,
        [ConfigNotAnObject.Id] = ConfigNotAnObject,
        [ConfigSizeNotPositive.Id] = ConfigSizeNotPositive,
        [PositionEmbeddingUnsupported.Id] = PositionEmbeddingUnsupported,
        [TokenizerInvalid.Id] = TokenizerInvalid,
        [PrecisionNotEmbedded.Id] = PrecisionNotEmbedded,
        [InvalidPrecision.Id] = InvalidPrecision,
        [TokenizerVocabularyTooLarge.Id] = TokenizerVocabularyTooLarge,
        [InternalError.Id] = InternalError,
    };

    public static DiagnosticDescriptor ById(string id) => s_byId[id];

    public static IEnumerable<DiagnosticDescriptor> All => s_byId.Values;

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
}
