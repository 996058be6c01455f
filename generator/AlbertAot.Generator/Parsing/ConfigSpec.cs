using AlbertAot.Generator.Model;

namespace AlbertAot.Generator.Parsing;

/// <summary>
/// The config.json values the forward pass depends on, HF defaults filled in. <see cref="Labels"/> is HF's id2label in
/// index order (LABEL_i for <c>num_labels</c> or the default 2 when there is none); <see cref="LabelProblem"/> says what is
/// wrong with id2label or problem_type ("" when nothing is): it matters, and is reported, only for a classifier head.
/// </summary>
internal sealed record ConfigSpec(
    int VocabSize,
    int EmbeddingSize,
    int HiddenSize,
    int NumHiddenLayers,
    int NumHiddenGroups,
    int InnerGroupNum,
    int NumAttentionHeads,
    int IntermediateSize,
    int MaxPositionEmbeddings,
    int TypeVocabSize,
    double LayerNormEps,
    string HiddenAct,
    string Activation,
    int PadTokenId,
    string Architecture,
    EquatableArray<string> Labels,
    string LabelProblem,
    string? ProblemType)
{
    public int HeadSize => HiddenSize / NumAttentionHeads;

    /// <summary>HF: <c>int(num_hidden_layers / num_hidden_groups)</c>.</summary>
    public int LayersPerGroup => NumHiddenLayers / NumHiddenGroups;

    /// <summary>HF: layer i runs group <c>int(i / (num_hidden_layers / num_hidden_groups))</c>, float division.</summary>
    public int GroupOfLayer(int layer) => (int)(layer / ((double)NumHiddenLayers / NumHiddenGroups));
}
