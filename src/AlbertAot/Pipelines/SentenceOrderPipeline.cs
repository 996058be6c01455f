using System;
using System.Collections.Generic;
using AlbertAot.Runtime;
using AlbertAot.Tokenization;

namespace AlbertAot.Pipelines;

/// <summary>
/// Whether two segments are in their original order, by ALBERT's pre-training head (<c>sop_classifier</c>): class 0
/// "in order" (the first segment came first), class 1 "swapped".
/// </summary>
/// <param name="InOrderScore">softmax(sop_logits)[0].</param>
/// <param name="SwappedScore">softmax(sop_logits)[1].</param>
/// <param name="Logits">The raw <c>sop_logits</c> [2].</param>
public sealed record SentenceOrderResult(float InOrderScore, float SwappedScore, IReadOnlyList<float> Logits)
{
    /// <summary>The label of class 0.</summary>
    public const string InOrderLabel = "in_order";

    /// <summary>The label of class 1.</summary>
    public const string SwappedLabel = "swapped";

    /// <summary>Whether the head prefers "in order" (ties count as in order, as argmax takes the first).</summary>
    public bool InOrder => InOrderScore >= SwappedScore;

    /// <summary>Both labels with their scores, highest first (the shape of HF's text classification with top_k=None).</summary>
    public IReadOnlyList<TextClassificationResult> Ranked => InOrder
        ? [new(InOrderLabel, InOrderScore), new(SwappedLabel, SwappedScore)]
        : [new(SwappedLabel, SwappedScore), new(InOrderLabel, InOrderScore)];
}

/// <summary>
/// Sentence-order prediction, ALBERT's pre-training task: <c>[CLS] first [SEP] second [SEP]</c> through the encoder, the
/// pooler and <c>sop_classifier</c>. HF has no pipeline for it; this one follows the text-classification pipeline's
/// conventions. Needs a checkpoint saved as <c>AlbertForPreTraining</c> (the hub's albert-*-v1/v2 are
/// <c>AlbertForMaskedLM</c> and have no SOP weights). Thread-safe when built without a session.
/// </summary>
public sealed class SentenceOrderPipeline : TextPipeline<ISentenceOrderModel>
{
    /// <exception cref="InvalidOperationException">The model was compiled without a tokenizer.</exception>
    public SentenceOrderPipeline(ISentenceOrderModel model, AlbertSession? session = null) : base(model, session, "Sentence-order prediction") { }

    /// <summary>Whether <paramref name="second"/> follows <paramref name="first"/> in the original order.</summary>
    /// <param name="maxLength">Truncate the pair to this many tokens (longest_first); null: no truncation.</param>
    public SentenceOrderResult Run(string first, string second, int? maxLength = null)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        return Run([(first, second)], maxLength)[0];
    }

    /// <summary>Several pairs in one forward pass; each result equals that pair's alone.</summary>
    public IReadOnlyList<SentenceOrderResult> Run(IReadOnlyList<(string First, string Second)> pairs, int? maxLength = null)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        if (pairs.Count == 0) throw new ArgumentException("The list of pairs is empty.", nameof(pairs));
        var firsts = new string[pairs.Count];
        var seconds = new string[pairs.Count];
        for (int i = 0; i < pairs.Count; i++) (firsts[i], seconds[i]) = pairs[i];
        IReadOnlyList<AlbertEncoding> encodings = Tokenizer.EncodeBatch(firsts, seconds, maxLength, AlbertPadding.None);
        PipelineBatch batch = PipelineBatch.FromEncodings(encodings, Tokenizer.PadId);
        FloatTensor logits = Runner.Forward(batch.Inputs, AlbertOutputKinds.SopLogits).SopLogits!;
        var results = new SentenceOrderResult[pairs.Count];
        for (int b = 0; b < results.Length; b++)
        {
            float[] row = logits.Row(b).ToArray();
            double[] p = PipelineText.Softmax(row);
            results[b] = new SentenceOrderResult((float)p[0], (float)p[1], row);
        }
        return results;
    }
}
