using AlbertAot.Weights;

namespace AlbertAot.CheckpointMaker;

/// <summary>How a checkpoint stores the MLM decoder, which HF ties to the word embeddings.</summary>
public enum DecoderStorage
{
    /// <summary>Not saved, as current HF <c>save_pretrained</c> writes tied weights.</summary>
    Omit,
    /// <summary><c>predictions.decoder.weight</c> and <c>.bias</c> saved as copies of the tied tensors, as old checkpoints do.</summary>
    Store,
}

/// <summary>
/// What <see cref="RandomCheckpoint.Write"/> makes. The shape starts from albert-base-v1's config.json, then
/// <see cref="ConfigPath"/>'s fields, then the individual overrides.
/// </summary>
public sealed record RandomCheckpointOptions
{
    /// <summary>A config.json whose fields replace albert-base-v1's; null keeps albert-base-v1.</summary>
    public string? ConfigPath { get; init; }

    /// <summary><c>vocab_size</c>.</summary>
    public int? VocabSize { get; init; }

    /// <summary><c>embedding_size</c>.</summary>
    public int? EmbeddingSize { get; init; }

    /// <summary><c>hidden_size</c>.</summary>
    public int? HiddenSize { get; init; }

    /// <summary><c>num_hidden_layers</c>.</summary>
    public int? NumHiddenLayers { get; init; }

    /// <summary><c>num_hidden_groups</c>.</summary>
    public int? NumHiddenGroups { get; init; }

    /// <summary><c>inner_group_num</c>.</summary>
    public int? InnerGroupNum { get; init; }

    /// <summary><c>num_attention_heads</c>.</summary>
    public int? NumAttentionHeads { get; init; }

    /// <summary><c>intermediate_size</c>.</summary>
    public int? IntermediateSize { get; init; }

    /// <summary><c>max_position_embeddings</c>.</summary>
    public int? MaxPositionEmbeddings { get; init; }

    /// <summary><c>hidden_act</c>, e.g. <c>gelu</c>, <c>gelu_new</c>, <c>relu</c>.</summary>
    public string? HiddenAct { get; init; }

    /// <summary>Storage of the float tensors: F32, F16 or BF16.</summary>
    public SafetensorsDType DType { get; init; } = SafetensorsDType.F32;

    /// <summary>Each tensor's values depend only on this seed and its name (without the <c>albert.</c> prefix).</summary>
    public ulong Seed { get; init; }

    /// <summary>Backbone tensors named <c>albert.embeddings...</c> (a model with heads) rather than <c>embeddings...</c> (a bare AlbertModel).</summary>
    public bool AlbertPrefix { get; init; } = true;

    public DecoderStorage Decoder { get; init; } = DecoderStorage.Omit;

    /// <summary><c>albert.pooler.{weight,bias}</c>.</summary>
    public bool Pooler { get; init; } = true;

    /// <summary>The MLM head, <c>predictions.*</c> (config architecture AlbertForMaskedLM).</summary>
    public bool MaskedLMHead { get; init; } = true;

    /// <summary>The sentence-order head, <c>sop_classifier.classifier</c> (with the MLM head: AlbertForPreTraining).</summary>
    public bool SentenceOrderHead { get; init; }

    /// <summary>The I64 buffer <c>albert.embeddings.position_ids</c> [1, max_position_embeddings] some HF checkpoints carry.</summary>
    public bool PositionIds { get; init; }
}
