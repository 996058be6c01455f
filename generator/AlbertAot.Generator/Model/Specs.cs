using AlbertAot.Generator.Diagnostics;
using AlbertAot.Generator.Parsing;

namespace AlbertAot.Generator.Model;

// The equatable data the pipeline passes between steps. Only values: no symbols, no syntax, so the incremental
// cache can compare them and nothing keeps a compilation alive.

/// <summary>A type that contains the model class, outermost first (it must be redeclared as partial around the generated class).</summary>
internal sealed record ContainingType(string Keyword, string Name);

/// <summary>The class carrying [AlbertModel] and the checkpoint name it asks for.</summary>
internal sealed record ModelClassInfo(
    string Namespace,
    string ClassName,
    string Keyword,
    string DisplayName,
    EquatableArray<ContainingType> ContainingTypes,
    string? CheckpointName,
    EquatableArray<DiagnosticInfo> Problems,
    EquatableLocation? Location,
    int RequestedHeads = 0,
    int? RequestedPrecision = null);

/// <summary>A declared checkpoint's descriptor and validated safetensors header.</summary>
internal sealed record ParsedCheckpoint(CheckpointDescriptor Descriptor, SafetensorsHeader? Header, EquatableArray<DiagnosticInfo> Problems);

/// <summary>A checkpoint's parsed config.json.</summary>
internal sealed record ParsedConfig(string CheckpointName, string Path, ConfigSpec? Config, EquatableArray<DiagnosticInfo> Problems);

/// <summary>
/// A tensor as the runtime reads it: storage type, absolute offset in the embedded safetensors file, element count.
/// <paramref name="Narrow"/>: a matrix the build task converted, read in its reduced precision (BF16, or I8 with its
/// per-row <paramref name="Scale"/>) instead of widened to float32.
/// </summary>
internal sealed record TensorRef(string Name, string DType, long FileOffset, long ElementCount, bool Narrow = false, TensorRef? Scale = null);

/// <summary>Inner layer <see cref="Inner"/> of layer group <see cref="Group"/>: 16 tensors in AlbertLayerWeights' order.</summary>
internal sealed record LayerSpec(int Group, int Inner, EquatableArray<TensorRef> Tensors);

/// <summary>Everything the emitter needs for one model class.</summary>
internal sealed record ModelSpec(
    ModelClassInfo Class,
    string CheckpointName,
    ConfigSpec Config,
    long FileLength,
    long HeaderLength,
    string StorageTypes,
    EquatableArray<TensorRef> Embeddings,
    EquatableArray<LayerSpec> Layers,
    EquatableArray<TensorRef> Pooler,
    EquatableArray<TensorRef> MlmHead,
    bool HasTokenizer,
    EquatableArray<TensorRef> SopClassifier,
    int TaskHead,
    EquatableArray<TensorRef> TaskClassifier,
    EquatableArray<string> Labels)
{
    /// <summary>How the large matrices are stored (PrecisionKinds); the embedded file is that precision's.</summary>
    public int Precision { get; init; } = PrecisionKinds.Float32;

    public bool HasPooler => Pooler.Count > 0;
    public bool HasMlmHead => MlmHead.Count > 0;
    public bool HasSop => SopClassifier.Count > 0;

    /// <summary>Every compiled head, as AlbertAot.AlbertHeads flags.</summary>
    public int Heads => (HasPooler ? HeadKinds.Pooler : 0) | (HasMlmHead ? HeadKinds.MaskedLM : 0) | (HasSop ? HeadKinds.SentenceOrder : 0) | TaskHead;

    /// <summary>Outputs of the task head's classifier (labels, 2 for QA, 1 for multiple choice).</summary>
    public int TaskOutputs => TaskClassifier.Count > 0 ? (int)TaskClassifier[1].ElementCount : 0;
}

/// <summary>The outcome for one model class: a spec to emit (when valid) and the diagnostics to report.</summary>
internal sealed record ModelResult(ModelSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
