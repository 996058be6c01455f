namespace AlbertAot.Weights;

// The weights of an ALBERT model as plain types, named after HF's modules. Matrices are stored as PyTorch's
// nn.Linear keeps them: [out_features, in_features].

/// <summary><c>albert.embeddings.*</c> and <c>albert.encoder.embedding_hidden_mapping_in</c>.</summary>
public sealed record AlbertEmbeddingWeights(
    WeightTensor WordEmbeddings,       // [vocab, E]
    WeightTensor PositionEmbeddings,   // [max_position, E]
    WeightTensor TokenTypeEmbeddings,  // [type_vocab, E]
    WeightTensor LayerNormWeight,      // [E]
    WeightTensor LayerNormBias,        // [E]
    WeightTensor MappingInWeight,      // [H, E]
    WeightTensor MappingInBias);       // [H]

/// <summary>One <c>albert_layer_groups.g.albert_layers.i</c>: attention, its LayerNorm, the FFN and the full-layer LayerNorm.</summary>
public sealed record AlbertLayerWeights(
    WeightTensor QueryWeight, WeightTensor QueryBias,                   // [H, H], [H]
    WeightTensor KeyWeight, WeightTensor KeyBias,                       // [H, H], [H]
    WeightTensor ValueWeight, WeightTensor ValueBias,                   // [H, H], [H]
    WeightTensor AttentionDenseWeight, WeightTensor AttentionDenseBias, // [H, H], [H]
    WeightTensor AttentionLayerNormWeight, WeightTensor AttentionLayerNormBias,
    WeightTensor FfnWeight, WeightTensor FfnBias,                       // [I, H], [I]
    WeightTensor FfnOutputWeight, WeightTensor FfnOutputBias,           // [H, I], [H]
    WeightTensor FullLayerNormWeight, WeightTensor FullLayerNormBias);

/// <summary><c>albert.pooler</c>: dense H → H, then tanh, on the [CLS] row.</summary>
public sealed record AlbertPoolerWeights(WeightTensor Weight, WeightTensor Bias);

/// <summary>
/// <c>predictions.*</c>: dense H → E, activation, LayerNorm(E), then the decoder, which is the word-embedding
/// matrix (tied, as HF ties it even when <c>predictions.decoder.weight</c> is stored) plus the output bias.
/// </summary>
public sealed record AlbertMlmHeadWeights(
    WeightTensor DenseWeight, WeightTensor DenseBias, // [E, H], [E]
    WeightTensor LayerNormWeight, WeightTensor LayerNormBias,
    WeightTensor DecoderWeight,                       // [vocab, E] = the word embeddings
    WeightTensor DecoderBias);                        // [vocab]

/// <summary>
/// A linear classifier on the encoder's output, nn.Linear(H, outputs): <c>classifier.*</c> (sequence, token and
/// multiple-choice classification), <c>qa_outputs.*</c> (start and end) or <c>sop_classifier.classifier.*</c>.
/// </summary>
public sealed record AlbertClassifierWeights(
    WeightTensor Weight,   // [outputs, H]
    WeightTensor Bias)     // [outputs]
{
    /// <summary>The classifier's outputs (labels, or 2 for start/end and sentence order, 1 for multiple choice).</summary>
    public int Outputs => Bias.Length;
}

/// <summary>
/// All weights of a compiled model. <see cref="Groups"/>[g][i] is inner layer i of layer group g. A checkpoint carries
/// at most one task head: <see cref="TaskHead"/> says which (<see cref="AlbertHeads.SequenceClassification"/>,
/// <see cref="AlbertHeads.TokenClassification"/>, <see cref="AlbertHeads.QuestionAnswering"/> or
/// <see cref="AlbertHeads.MultipleChoice"/>) and <see cref="TaskClassifier"/> holds its weights.
/// </summary>
public sealed record AlbertWeights(
    AlbertEmbeddingWeights Embeddings,
    AlbertLayerWeights[][] Groups,
    AlbertPoolerWeights? Pooler,
    AlbertMlmHeadWeights? MlmHead,
    AlbertClassifierWeights? SopClassifier = null,
    AlbertHeads TaskHead = AlbertHeads.None,
    AlbertClassifierWeights? TaskClassifier = null)
{
    /// <summary>Every head these weights carry.</summary>
    public AlbertHeads Heads =>
        (Pooler is not null ? AlbertHeads.Pooler : AlbertHeads.None)
        | (MlmHead is not null ? AlbertHeads.MaskedLM : AlbertHeads.None)
        | (SopClassifier is not null ? AlbertHeads.SentenceOrder : AlbertHeads.None)
        | (TaskClassifier is not null ? TaskHead : AlbertHeads.None);
}
