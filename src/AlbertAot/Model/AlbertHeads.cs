using System;

namespace AlbertAot;

/// <summary>
/// The heads a compiled checkpoint carries on top of its encoder, after HF's model classes. A generated model class
/// exposes its heads as <c>ModelHeads</c> (and <see cref="IAlbertModel.Heads"/>) and implements one interface per task
/// head (<see cref="ISequenceClassificationModel"/>, ...), so code that needs a head a checkpoint lacks does not
/// compile. Name the heads a class needs on its attribute, <c>[AlbertModel("name", Heads = AlbertHeads.SentenceOrder)]</c>,
/// and a checkpoint without them is build error ALB0020.
/// </summary>
[Flags]
public enum AlbertHeads
{
    /// <summary>The encoder alone (HF <c>AlbertModel</c> without its pooler).</summary>
    None = 0,

    /// <summary><c>albert.pooler</c>: <c>pooler_output</c> = tanh(W·h[CLS] + b).</summary>
    Pooler = 1,

    /// <summary><c>predictions.*</c>: the MLM head (HF <c>AlbertForMaskedLM</c>; fill-mask).</summary>
    MaskedLM = 2,

    /// <summary><c>sop_classifier.classifier.*</c>: sentence-order prediction on the pooled output (HF <c>AlbertForPreTraining</c>).</summary>
    SentenceOrder = 4,

    /// <summary><c>classifier.*</c> on the pooled output: one logit per label (HF <c>AlbertForSequenceClassification</c>).</summary>
    SequenceClassification = 8,

    /// <summary><c>classifier.*</c> on every token: one logit per label and token (HF <c>AlbertForTokenClassification</c>).</summary>
    TokenClassification = 16,

    /// <summary><c>qa_outputs.*</c> on every token: start and end logits (HF <c>AlbertForQuestionAnswering</c>).</summary>
    QuestionAnswering = 32,

    /// <summary><c>classifier.*</c> (one output) on the pooled output of each choice (HF <c>AlbertForMultipleChoice</c>).</summary>
    MultipleChoice = 64,
}

/// <summary>Helpers over <see cref="AlbertHeads"/>.</summary>
public static class AlbertHeadsExtensions
{
    /// <summary>The task heads: a checkpoint carries at most one of them.</summary>
    public const AlbertHeads TaskHeads = AlbertHeads.SequenceClassification | AlbertHeads.TokenClassification
        | AlbertHeads.QuestionAnswering | AlbertHeads.MultipleChoice;

    /// <summary>The one task head among <paramref name="heads"/>, or <see cref="AlbertHeads.None"/>.</summary>
    public static AlbertHeads TaskHead(this AlbertHeads heads) => heads & TaskHeads;

    /// <summary>A head's name as HF's documentation and this library's messages write it, e.g. "sequence-classification".</summary>
    public static string Describe(this AlbertHeads head) => head switch
    {
        AlbertHeads.None => "no head",
        AlbertHeads.Pooler => "pooler",
        AlbertHeads.MaskedLM => "MLM",
        AlbertHeads.SentenceOrder => "sentence-order",
        AlbertHeads.SequenceClassification => "sequence-classification",
        AlbertHeads.TokenClassification => "token-classification",
        AlbertHeads.QuestionAnswering => "question-answering",
        AlbertHeads.MultipleChoice => "multiple-choice",
        _ => head.ToString(),
    };
}
