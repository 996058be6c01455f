using System;
using System.Collections.Generic;
using AlbertAot.Runtime;
using AlbertAot.Tokenization;

namespace AlbertAot.Pipelines;

/// <summary>The features of one text (or pair): HF <c>AlbertModel</c>'s outputs for it, without any padding.</summary>
/// <param name="InputIds">The token ids the model read (with <c>[CLS]</c> and <c>[SEP]</c>).</param>
/// <param name="LastHiddenState"><c>last_hidden_state</c> [tokens, hidden]: one row per id of <paramref name="InputIds"/>.</param>
/// <param name="PoolerOutput"><c>pooler_output</c> [hidden], or null when the checkpoint has no pooler.</param>
public sealed record FeatureExtractionResult(IReadOnlyList<int> InputIds, FloatTensor LastHiddenState, FloatTensor? PoolerOutput);

/// <summary>
/// HF's <c>pipeline("feature-extraction")</c> and <c>AlbertModel</c> outputs on a compiled model: <c>last_hidden_state</c>
/// and <c>pooler_output</c> for a text, a text pair or pre-tokenized ids, one at a time or many in one forward pass.
/// A batch is padded to its longest member and each result cut back to its own tokens, so every text gets what it
/// gets alone. Thread-safe when built without a session (the model is); a session serves one call at a time.
/// </summary>
public sealed class FeatureExtractionPipeline
{
    private readonly PipelineRunner _runner;

    /// <summary>A feature pipeline over <paramref name="model"/>, run through <paramref name="session"/> when one is given
    /// (a session of the same model, e.g. with several threads). A model without a tokenizer takes ids only.</summary>
    public FeatureExtractionPipeline(IAlbertModel model, AlbertSession? session = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        _runner = new PipelineRunner(model, session);
    }

    public IAlbertModel Model { get; }

    /// <summary>
    /// The features of a text, or of the pair <c>[CLS] text [SEP] textPair [SEP]</c> (token types 0 then 1), as
    /// <c>AlbertModel(**tokenizer(text, textPair))</c> gives them; HF's feature-extraction pipeline returns
    /// <c>[LastHiddenState]</c>.
    /// </summary>
    /// <param name="maxLength">Truncate to this many tokens (longest_first, as HF's <c>truncation=True, max_length=N</c>);
    /// null: no truncation.</param>
    /// <exception cref="InvalidOperationException">The model was compiled without a tokenizer.</exception>
    public FeatureExtractionResult Run(string text, string? textPair = null, int? maxLength = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Run([text], textPair is null ? null : [textPair], maxLength)[0];
    }

    /// <summary>Several texts (and pairs, one per text) in one forward pass; each result equals that text's alone.</summary>
    /// <exception cref="InvalidOperationException">The model was compiled without a tokenizer.</exception>
    public IReadOnlyList<FeatureExtractionResult> Run(IReadOnlyList<string> texts, IReadOnlyList<string>? textPairs = null, int? maxLength = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count == 0) throw new ArgumentException("The list of texts is empty.", nameof(texts));
        AlbertTokenizer tokenizer = Model.Tokenizer ?? throw new InvalidOperationException(
            $"Checkpoint '{Model.Config.CheckpointName}' was compiled without a tokenizer: give it a spiece.model, or pass token ids (RunIds).");
        IReadOnlyList<AlbertEncoding> encodings = tokenizer.EncodeBatch(texts, textPairs, maxLength, AlbertPadding.None);
        return Extract(PipelineBatch.FromEncodings(encodings, tokenizer.PadId));
    }

    /// <summary>The features of pre-tokenized ids (with the special tokens); token types 0 unless given.</summary>
    public FeatureExtractionResult RunIds(IReadOnlyList<int> inputIds, IReadOnlyList<int>? tokenTypeIds = null)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        return RunIds([inputIds], tokenTypeIds is null ? null : [tokenTypeIds])[0];
    }

    /// <summary>Several pre-tokenized rows of any lengths in one forward pass; each result equals that row's alone.</summary>
    public IReadOnlyList<FeatureExtractionResult> RunIds(IReadOnlyList<IReadOnlyList<int>> inputIds, IReadOnlyList<IReadOnlyList<int>>? tokenTypeIds = null) =>
        Extract(PipelineBatch.FromIds(inputIds, tokenTypeIds, Model.Tokenizer?.PadId ?? Model.Config.PadTokenId));

    private FeatureExtractionResult[] Extract(PipelineBatch batch)
    {
        AlbertOutputs outputs = _runner.Forward(batch.Inputs, AlbertOutputKinds.Features);
        FloatTensor hidden = outputs.LastHiddenState!;
        int seq = batch.Inputs.SequenceLength, width = Model.Config.HiddenSize;
        var results = new FeatureExtractionResult[batch.Rows.Length];
        for (int b = 0; b < results.Length; b++)
        {
            int length = batch.Length(b);
            float[] rows = hidden.Data.AsSpan(b * seq * width, length * width).ToArray();
            FloatTensor? pooled = outputs.PoolerOutput is { } p ? new FloatTensor(p.Row(b).ToArray(), width) : null;
            results[b] = new FeatureExtractionResult(batch.Rows[b], new FloatTensor(rows, length, width), pooled);
        }
        return results;
    }
}
