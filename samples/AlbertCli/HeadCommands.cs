using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using AlbertAot;
using AlbertAot.Pipelines;

namespace AlbertCli;

/// <summary>
/// The task-head verbs, each printing JSON shaped as HF's pipeline returns it (offsets in characters, as Python counts
/// them):
/// <list type="bullet">
/// <item><c>classify "TEXT" [--pair "TEXT2"] [--top-k N|all] [--function-to-apply sigmoid|softmax|none]</c>: HF's
/// text classification (without --top-k: <c>[{"label", "score"}]</c> for a text, the bare dict for a pair).</item>
/// <item><c>ner "TEXT" [--aggregation-strategy none|simple|first|average|max] [--ignore-labels O,B-LOC]</c>: HF's token
/// classification.</item>
/// <item><c>qa --question "Q" --context "C" [--top-k N] [--doc-stride N] [--max-answer-len N] [--max-seq-len N]
/// [--max-question-len N] [--handle-impossible-answer]</c>: HF's question answering (a dict for one answer).</item>
/// <item><c>sop "FIRST" "SECOND"</c>: sentence order, <c>[{"label": "in_order"|"swapped", "score"}]</c>, best first.</item>
/// <item><c>choose "PROMPT" "CHOICE" "CHOICE" ...</c>: multiple choice, <c>[{"index", "choice", "score", "logit"}]</c>, best first.</item>
/// </list>
/// </summary>
internal static class HeadCommands
{
    public const string ClassifyUsage = "classify \"TEXT\" [--pair \"TEXT2\"] [--top-k N|all] [--function-to-apply sigmoid|softmax|none]";
    public const string NerUsage = "ner \"TEXT\" [--aggregation-strategy none|simple|first|average|max] [--ignore-labels O,B-LOC]";
    public const string QaUsage = "qa --question \"Q\" --context \"C\" [--top-k N] [--doc-stride N] [--max-answer-len N] [--max-seq-len N] [--max-question-len N] [--handle-impossible-answer]";
    public const string SopUsage = "sop \"FIRST\" \"SECOND\"";
    public const string ChooseUsage = "choose \"PROMPT\" \"CHOICE\" \"CHOICE\" ...";

    /// <exception cref="ArgumentException">Bad arguments, or a model without the head (the message names it).</exception>
    public static int Classify(string[] args, IAlbertModel model, TextWriter output)
    {
        HeadArguments a = HeadArguments.Parse(args, "classify", ClassifyUsage, ["--pair", "--top-k", "--function-to-apply"], []);
        string text = a.Positional(1)[0];
        var pipeline = new TextClassificationPipeline(Require<ISequenceClassificationModel>(model, AlbertHeads.SequenceClassification));
        string? pair = a.Get("--pair");
        bool legacy = a.Get("--top-k") is null;
        int? topK = a.Get("--top-k") is { } k ? k == "all" ? null : HeadArguments.Count(k, "--top-k") : 1;
        ClassificationFunction? function = a.Get("--function-to-apply") is { } f ? ParseFunction(f) : null;
        IReadOnlyList<TextClassificationResult> results = pipeline.Run(text, pair, topK, function);
        return Print(output, writer => WriteClassification(writer, results, legacy, pair is not null));
    }

    public static int Ner(string[] args, IAlbertModel model, TextWriter output)
    {
        HeadArguments a = HeadArguments.Parse(args, "ner", NerUsage, ["--aggregation-strategy", "--ignore-labels"], []);
        string text = a.Positional(1)[0];
        var pipeline = new TokenClassificationPipeline(Require<ITokenClassificationModel>(model, AlbertHeads.TokenClassification));
        AggregationStrategy strategy = a.Get("--aggregation-strategy") is { } s ? ParseAggregation(s) : AggregationStrategy.None;
        string[]? ignore = a.Get("--ignore-labels") is { } i ? i.Length == 0 ? [] : i.Split(',') : null;
        IReadOnlyList<TokenClassificationEntity> entities = pipeline.Run(text, strategy, ignore);
        return Print(output, writer => WriteEntities(writer, text, entities));
    }

    public static int Qa(string[] args, IAlbertModel model, TextWriter output)
    {
        HeadArguments a = HeadArguments.Parse(args, "qa", QaUsage,
            ["--question", "--context", "--top-k", "--doc-stride", "--max-answer-len", "--max-seq-len", "--max-question-len"], ["--handle-impossible-answer"]);
        a.Positional(0);
        string question = a.Get("--question") ?? throw new ArgumentException($"qa needs --question; usage: AlbertCli {QaUsage}");
        string context = a.Get("--context") ?? throw new ArgumentException($"qa needs --context; usage: AlbertCli {QaUsage}");
        var pipeline = new QuestionAnsweringPipeline(Require<IQuestionAnsweringModel>(model, AlbertHeads.QuestionAnswering));
        IReadOnlyList<QuestionAnsweringAnswer> answers = pipeline.Run(question, context,
            topK: a.Get("--top-k") is { } k ? HeadArguments.Count(k, "--top-k") : 1,
            docStride: a.Get("--doc-stride") is { } d ? HeadArguments.Count(d, "--doc-stride") : null,
            maxAnswerLength: a.Get("--max-answer-len") is { } m ? HeadArguments.Count(m, "--max-answer-len") : QuestionAnsweringPipeline.DefaultMaxAnswerLength,
            maxSeqLength: a.Get("--max-seq-len") is { } l ? HeadArguments.Count(l, "--max-seq-len") : null,
            maxQuestionLength: a.Get("--max-question-len") is { } q ? HeadArguments.Count(q, "--max-question-len") : 64,
            handleImpossibleAnswer: a.Has("--handle-impossible-answer"));
        return Print(output, writer => WriteAnswers(writer, context, answers));
    }

    public static int Sop(string[] args, IAlbertModel model, TextWriter output)
    {
        HeadArguments a = HeadArguments.Parse(args, "sop", SopUsage, [], []);
        IReadOnlyList<string> texts = a.Positional(2);
        var pipeline = new SentenceOrderPipeline(Require<ISentenceOrderModel>(model, AlbertHeads.SentenceOrder));
        SentenceOrderResult result = pipeline.Run(texts[0], texts[1]);
        return Print(output, writer => WriteClassification(writer, result.Ranked, legacy: false, pair: true));
    }

    public static int Choose(string[] args, IAlbertModel model, TextWriter output)
    {
        HeadArguments a = HeadArguments.Parse(args, "choose", ChooseUsage, [], []);
        IReadOnlyList<string> texts = a.Positionals;
        if (texts.Count < 2) throw new ArgumentException($"choose takes a prompt and at least one choice; usage: AlbertCli {ChooseUsage}");
        var pipeline = new MultipleChoicePipeline(Require<IMultipleChoiceModel>(model, AlbertHeads.MultipleChoice));
        IReadOnlyList<MultipleChoiceResult> results = pipeline.Run(texts[0], [.. texts.Skip(1)]);
        return Print(output, writer =>
        {
            writer.WriteStartArray();
            foreach (MultipleChoiceResult r in results)
            {
                writer.WriteStartObject();
                writer.WriteNumber("index", r.Index);
                writer.WriteString("choice", r.Choice);
                writer.WritePropertyName("score");
                CliJson.WriteFloat(writer, r.Score);
                writer.WritePropertyName("logit");
                CliJson.WriteFloat(writer, r.Logit);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        });
    }

    /// <summary>The model as the head's interface, or an error naming the head it lacks.</summary>
    public static T Require<T>(IAlbertModel model, AlbertHeads head) where T : class, IAlbertModel =>
        model as T ?? throw new InvalidOperationException(
            $"checkpoint '{model.Config.CheckpointName}' has no {head.Describe()} head (its heads: {model.Heads}).");

    /// <summary>
    /// HF's text-classification output: without top_k ("legacy"), the best label as a dict, inside a list for a text and
    /// bare for a pair (<paramref name="pair"/>: any input HF does not wrap); with top_k, the list of labels.
    /// </summary>
    public static void WriteClassification(Utf8JsonWriter writer, IReadOnlyList<TextClassificationResult> results, bool legacy, bool pair)
    {
        if (legacy)
        {
            if (!pair) writer.WriteStartArray();
            WriteLabel(writer, results[0]);
            if (!pair) writer.WriteEndArray();
            return;
        }
        writer.WriteStartArray();
        foreach (TextClassificationResult r in results) WriteLabel(writer, r);
        writer.WriteEndArray();
    }

    private static void WriteLabel(Utf8JsonWriter writer, TextClassificationResult r)
    {
        writer.WriteStartObject();
        writer.WriteString("label", r.Label);
        writer.WritePropertyName("score");
        CliJson.WriteFloat(writer, r.Score);
        writer.WriteEndObject();
    }

    /// <summary>HF's token-classification output: a list of entities, offsets in code points.</summary>
    public static void WriteEntities(Utf8JsonWriter writer, string text, IReadOnlyList<TokenClassificationEntity> entities)
    {
        writer.WriteStartArray();
        foreach (TokenClassificationEntity e in entities)
        {
            writer.WriteStartObject();
            writer.WriteString(e.IsGroup ? "entity_group" : "entity", e.Entity);
            writer.WritePropertyName("score");
            CliJson.WriteFloat(writer, e.Score);
            if (e.Index is int index) writer.WriteNumber("index", index);
            writer.WriteString("word", e.Word);
            writer.WriteNumber("start", PipelineText.ToCodePointIndex(text, e.Start));
            writer.WriteNumber("end", PipelineText.ToCodePointIndex(text, e.End));
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    /// <summary>HF's question-answering output: the answer's dict when there is one, else the list.</summary>
    public static void WriteAnswers(Utf8JsonWriter writer, string context, IReadOnlyList<QuestionAnsweringAnswer> answers)
    {
        if (answers.Count != 1) writer.WriteStartArray();
        foreach (QuestionAnsweringAnswer a in answers)
        {
            writer.WriteStartObject();
            writer.WritePropertyName("score");
            CliJson.WriteFloat(writer, a.Score);
            writer.WriteNumber("start", PipelineText.ToCodePointIndex(context, a.Start));
            writer.WriteNumber("end", PipelineText.ToCodePointIndex(context, a.End));
            writer.WriteString("answer", a.Answer);
            writer.WriteEndObject();
        }
        if (answers.Count != 1) writer.WriteEndArray();
    }

    public static ClassificationFunction ParseFunction(string value) => value switch
    {
        "sigmoid" => ClassificationFunction.Sigmoid,
        "softmax" => ClassificationFunction.Softmax,
        "none" => ClassificationFunction.None,
        _ => throw new ArgumentException($"function_to_apply is sigmoid, softmax or none, not '{value}'."),
    };

    public static AggregationStrategy ParseAggregation(string value) => value switch
    {
        "none" => AggregationStrategy.None,
        "simple" => AggregationStrategy.Simple,
        "first" => AggregationStrategy.First,
        "average" => AggregationStrategy.Average,
        "max" => AggregationStrategy.Max,
        _ => throw new ArgumentException($"aggregation_strategy is none, simple, first, average or max, not '{value}'."),
    };

    private static int Print(TextWriter output, Action<Utf8JsonWriter> write)
    {
        output.Write(CliJson.Write(write, indented: true));
        output.Write('\n');
        output.Flush();
        return 0;
    }
}

/// <summary>A verb's command line: positional arguments, "--name value" options and "--flag" switches (only the names it accepts).</summary>
internal sealed class HeadArguments
{
    private readonly List<string> _positionals = [];
    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);
    private string _verb = "", _usage = "";

    /// <exception cref="ArgumentException">An unknown option, or an option without its value.</exception>
    public static HeadArguments Parse(string[] args, string verb, string usage, string[] options, string[] flags)
    {
        ArgumentNullException.ThrowIfNull(args);
        var parsed = new HeadArguments { _verb = verb, _usage = usage };
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                parsed._positionals.Add(arg);
                continue;
            }
            if (Array.IndexOf(flags, arg) >= 0)
            {
                parsed._flags.Add(arg);
                continue;
            }
            if (Array.IndexOf(options, arg) < 0) throw new ArgumentException($"unknown option '{arg}' for {verb}; usage: AlbertCli {usage}");
            if (i + 1 >= args.Length) throw new ArgumentException($"option {arg} needs a value; usage: AlbertCli {usage}");
            parsed._options[arg] = args[++i];
        }
        return parsed;
    }

    public IReadOnlyList<string> Positionals => _positionals;

    /// <summary>Exactly <paramref name="count"/> positional arguments.</summary>
    /// <exception cref="ArgumentException">Another number of them.</exception>
    public IReadOnlyList<string> Positional(int count) => _positionals.Count == count
        ? _positionals
        : throw new ArgumentException($"{_verb} takes {count} text{(count == 1 ? "" : "s")} (quote {(count == 1 ? "it" : "them")}), got {_positionals.Count}; usage: AlbertCli {_usage}");

    public string? Get(string name) => _options.TryGetValue(name, out string? value) ? value : null;

    public bool Has(string flag) => _flags.Contains(flag);

    /// <exception cref="ArgumentException">Not a non-negative integer.</exception>
    public static int Count(string text, string option) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw new ArgumentException($"{option} takes a whole number of 0 or more, not '{text}'.");
}
