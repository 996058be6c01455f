namespace AlbertAot.Generator.Parsing;

/// <summary>The config.json values the forward pass depends on, HF defaults filled in.</summary>
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
    string Architecture)
{
    public int HeadSize => HiddenSize / NumAttentionHeads;

    /// <summary>HF: <c>int(num_hidden_layers / num_hidden_groups)</c>.</summary>
    public int LayersPerGroup => NumHiddenLayers / NumHiddenGroups;

    /// <summary>HF: layer i runs group <c>int(i / (num_hidden_layers / num_hidden_groups))</c>, float division.</summary>
    public int GroupOfLayer(int layer) => (int)(layer / ((double)NumHiddenLayers / NumHiddenGroups));
}
