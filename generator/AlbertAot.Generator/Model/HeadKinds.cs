using System.Collections.Generic;
using System.Linq;

namespace AlbertAot.Generator.Model;

/// <summary>
/// AlbertAot.AlbertHeads, mirrored (the generator cannot reference the runtime): the flag values, their names, the
/// HF architectures that name them and the tensors they read.
/// </summary>
internal static class HeadKinds
{
    public const int Pooler = 1, MaskedLM = 2, SentenceOrder = 4, SequenceClassification = 8, TokenClassification = 16,
        QuestionAnswering = 32, MultipleChoice = 64;

    public const int TaskHeads = SequenceClassification | TokenClassification | QuestionAnswering | MultipleChoice;

    public const int All = Pooler | MaskedLM | SentenceOrder | TaskHeads;

    private static readonly (int Flag, string Name, string Description)[] s_names =
    {
        (Pooler, "Pooler", "pooler"),
        (MaskedLM, "MaskedLM", "MLM"),
        (SentenceOrder, "SentenceOrder", "sentence-order"),
        (SequenceClassification, "SequenceClassification", "sequence-classification"),
        (TokenClassification, "TokenClassification", "token-classification"),
        (QuestionAnswering, "QuestionAnswering", "question-answering"),
        (MultipleChoice, "MultipleChoice", "multiple-choice"),
    };

    /// <summary>The heads <c>config.architectures[0]</c> names and requires (the MLM head and the pooler are compiled whenever present).</summary>
    public static int OfArchitecture(string architecture) => architecture switch
    {
        "AlbertForSequenceClassification" => SequenceClassification,
        "AlbertForTokenClassification" => TokenClassification,
        "AlbertForQuestionAnswering" => QuestionAnswering,
        "AlbertForMultipleChoice" => MultipleChoice,
        "AlbertForPreTraining" => SentenceOrder,
        _ => 0,
    };

    /// <summary>The flags' C# names joined with " | " (e.g. "Pooler | MaskedLM"), "None" for 0, unknown bits as a number.</summary>
    public static string Names(int heads)
    {
        var parts = s_names.Where(n => (heads & n.Flag) != 0).Select(n => n.Name).ToList();
        int unknown = heads & ~All;
        if (unknown != 0) parts.Add(unknown.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return parts.Count == 0 ? "None" : string.Join(" | ", parts);
    }

    /// <summary>The flags as C# expressions of AlbertAot.AlbertHeads.</summary>
    public static string Expression(int heads)
    {
        var parts = s_names.Where(n => (heads & n.Flag) != 0).Select(n => "global::AlbertAot.AlbertHeads." + n.Name).ToList();
        return parts.Count == 0 ? "global::AlbertAot.AlbertHeads.None" : string.Join(" | ", parts);
    }

    /// <summary>A single head's name in messages, e.g. "sequence-classification".</summary>
    public static string Describe(int head) => s_names.FirstOrDefault(n => n.Flag == head).Description ?? Names(head);

    /// <summary>The interface a generated class implements for each head it has.</summary>
    public static IEnumerable<string> Interfaces(int heads)
    {
        if ((heads & SequenceClassification) != 0) yield return "global::AlbertAot.ISequenceClassificationModel";
        if ((heads & TokenClassification) != 0) yield return "global::AlbertAot.ITokenClassificationModel";
        if ((heads & QuestionAnswering) != 0) yield return "global::AlbertAot.IQuestionAnsweringModel";
        if ((heads & MultipleChoice) != 0) yield return "global::AlbertAot.IMultipleChoiceModel";
        if ((heads & SentenceOrder) != 0) yield return "global::AlbertAot.ISentenceOrderModel";
    }

    public static int BitCount(int value)
    {
        int count = 0;
        for (; value != 0; value &= value - 1) count++;
        return count;
    }
}
