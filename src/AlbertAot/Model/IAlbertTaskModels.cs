using System.Collections.Generic;

namespace AlbertAot;

/// <summary>
/// A compiled model whose task head classifies into labels: config.json's <c>id2label</c> (HF's default
/// <c>LABEL_0</c>, <c>LABEL_1</c>, ... when the config has none).
/// </summary>
public interface IAlbertClassifierModel : IAlbertModel
{
    /// <summary>The label of each class index (<c>id2label</c>), as many as the classifier has outputs.</summary>
    IReadOnlyList<string> Labels { get; }
}

/// <summary>
/// HF <c>AlbertForSequenceClassification</c>: <c>classifier.*</c> on the pooled output. <c>Forward(inputs,
/// AlbertOutputKinds.Logits)</c> gives <see cref="AlbertOutputs.Logits"/> [batch, labels].
/// </summary>
public interface ISequenceClassificationModel : IAlbertClassifierModel
{
    /// <summary>config.json's <c>problem_type</c> (<c>regression</c>, <c>single_label_classification</c>,
    /// <c>multi_label_classification</c>), or null; the text-classification pipeline's default function follows it.</summary>
    string? ProblemType { get; }
}

/// <summary>
/// HF <c>AlbertForTokenClassification</c>: <c>classifier.*</c> on every token. <c>Forward(inputs,
/// AlbertOutputKinds.Logits)</c> gives <see cref="AlbertOutputs.Logits"/> [batch, seq, labels].
/// </summary>
public interface ITokenClassificationModel : IAlbertClassifierModel;

/// <summary>
/// HF <c>AlbertForQuestionAnswering</c>: <c>qa_outputs.*</c> on every token, column 0 the start and column 1 the end
/// logit. <c>Forward(inputs, AlbertOutputKinds.Logits)</c> gives <see cref="AlbertOutputs.StartLogits"/> and
/// <see cref="AlbertOutputs.EndLogits"/>, each [batch, seq].
/// </summary>
public interface IQuestionAnsweringModel : IAlbertModel;

/// <summary>
/// HF <c>AlbertForMultipleChoice</c>: <c>classifier.*</c> (one output) on the pooled output of each choice. Give it
/// <see cref="AlbertInputs.FromChoices"/> (HF's [batch, choices, seq]); <c>Forward(inputs, AlbertOutputKinds.Logits)</c>
/// gives <see cref="AlbertOutputs.Logits"/> [batch, choices].
/// </summary>
public interface IMultipleChoiceModel : IAlbertModel;

/// <summary>
/// HF <c>AlbertForPreTraining</c>'s sentence-order head, <c>sop_classifier.classifier.*</c> on the pooled output:
/// <c>Forward(inputs, AlbertOutputKinds.SopLogits)</c> gives <see cref="AlbertOutputs.SopLogits"/> [batch, 2], class 0
/// "the segments are in their original order", class 1 "swapped".
/// </summary>
public interface ISentenceOrderModel : IAlbertModel;
