using System;
using System.Collections.Generic;
using System.Linq;
using AlbertAot.Runtime;
using AlbertAot.Tokenization;

namespace AlbertAot.Pipelines;

/// <summary>HF's <c>function_to_apply</c>: what turns the classifier's logits into scores.</summary>
public enum ClassificationFunction
{
    /// <summary><c>"sigmoid"</c>: 1 / (1 + e^-x) per label (the default for one label or multi-label problems).</summary>
    Sigmoid,
    /// <summary><c>"softmax"</c> over the labels (the default for several labels).</summary>
    Softmax,
    /// <summary><c>"none"</c>: the raw logits (the default for regression).</summary>
    None,
}

/// <summary>One label and its score: HF's <c>{"label", "score"}</c>.</summary>
public sealed record TextClassificationResult(string Label, float Score);

/// <summary>
/// HF's <c>pipeline("text-classification")</c> (transformers 4.46.3) on a compiled sequence-classification model: the
/// labels of a text or a text pair with their scores, best first. Thread-safe when built without a session.
/// </summary>
public sealed class TextClassificationPipeline : TextPipeline<ISequenceClassificationModel>
{
    /// <summary>A text-classification pipeline over <paramref name="model"/>, run through <paramref name="session"/> when
    /// one is given (a session of the same model).</summary>
    /// <exception cref="InvalidOperationException">The model was compiled without a tokenizer.</exception>
    public TextClassificationPipeline(ISequenceClassificationModel model, AlbertSession? session = null) : base(model, session, "Text classification") { }

    /// <summary>
    /// HF's default <c>function_to_apply</c> for this model: none for <c>problem_type</c> regression, sigmoid for
    /// multi-label problems or a single label, softmax otherwise.
    /// </summary>
    public ClassificationFunction DefaultFunction => DefaultFunctionFor(Model.ProblemType, Model.Labels.Count);

    /// <summary>HF's rule for the default function (TextClassificationPipeline.postprocess).</summary>
    public static ClassificationFunction DefaultFunctionFor(string? problemType, int labelCount) => problemType switch
    {
        "regression" => ClassificationFunction.None,
        "multi_label_classification" => ClassificationFunction.Sigmoid,
        _ when labelCount == 1 => ClassificationFunction.Sigmoid,
        _ => ClassificationFunction.Softmax,
    };

    /// <summary>
    /// The labels of a text (or of the pair <c>[CLS] text [SEP] textPair [SEP]</c>), best first: HF's
    /// <c>classifier(text, top_k=topK, function_to_apply=...)</c>.
    /// </summary>
    /// <param name="topK">How many labels (HF's top_k; null: all of them). HF without top_k gives the best one.</param>
    /// <param name="functionToApply">null: <see cref="DefaultFunction"/>.</param>
    /// <param name="maxLength">Truncate to this many tokens (longest_first); null: no truncation, as HF's default.</param>
    public IReadOnlyList<TextClassificationResult> Run(string text, string? textPair = null, int? topK = 1,
        ClassificationFunction? functionToApply = null, int? maxLength = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Run([text], textPair is null ? null : [textPair], topK, functionToApply, maxLength)[0];
    }

    /// <summary>Several texts (and pairs, one per text) in one forward pass; each result equals that text's alone.</summary>
    public IReadOnlyList<IReadOnlyList<TextClassificationResult>> Run(IReadOnlyList<string> texts, IReadOnlyList<string>? textPairs = null,
        int? topK = 1, ClassificationFunction? functionToApply = null, int? maxLength = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count == 0) throw new ArgumentException("The list of texts is empty.", nameof(texts));
        if (topK < 0) throw new ArgumentOutOfRangeException(nameof(topK), topK, "top_k must be 0 or more (or null for every label).");
        IReadOnlyList<AlbertEncoding> encodings = Tokenizer.EncodeBatch(texts, textPairs, maxLength, AlbertPadding.None);
        PipelineBatch batch = PipelineBatch.FromEncodings(encodings, Tokenizer.PadId);
        FloatTensor logits = Runner.Forward(batch.Inputs, AlbertOutputKinds.Logits).Logits!;
        ClassificationFunction function = functionToApply ?? DefaultFunction;
        var results = new IReadOnlyList<TextClassificationResult>[texts.Count];
        for (int b = 0; b < results.Length; b++) results[b] = Postprocess(logits.Row(b), Model.Labels, topK, function);
        return results;
    }

    /// <summary>
    /// HF's postprocess on one row of logits: the scores (<paramref name="function"/>), one result per label, sorted by
    /// score, highest first (equal scores keep label order, as Python's stable sort), the first <paramref name="topK"/>
    /// (all when null).
    /// </summary>
    public static IReadOnlyList<TextClassificationResult> Postprocess(ReadOnlySpan<float> logits, IReadOnlyList<string> labels, int? topK,
        ClassificationFunction function)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count != logits.Length)
            throw new ArgumentException($"{logits.Length} logits for {labels.Count} labels.", nameof(labels));
        double[] scores = function switch
        {
            ClassificationFunction.Softmax => PipelineText.Softmax(logits),
            ClassificationFunction.Sigmoid => logits.ToArray().Select(x => 1.0 / (1.0 + Math.Exp(-x))).ToArray(),
            ClassificationFunction.None => logits.ToArray().Select(x => (double)x).ToArray(),
            _ => throw new ArgumentOutOfRangeException(nameof(function), function, "Not a ClassificationFunction."),
        };
        var results = new List<TextClassificationResult>(labels.Count);
        for (int i = 0; i < labels.Count; i++) results.Add(new TextClassificationResult(labels[i], (float)scores[i]));
        // OrderByDescending is stable: equal scores keep the label order.
        IEnumerable<TextClassificationResult> sorted = results.OrderByDescending(r => r.Score);
        return (topK is { } k ? sorted.Take(k) : sorted).ToArray();
    }
}
