using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using AlbertAot;
using AlbertAot.Pipelines;

namespace AlbertCli;

/// <summary>
/// <c>AlbertCli pipeline &lt; IN.jsonl &gt; OUT.jsonl</c>: HF pipeline calls, one JSON object a line, in the format of
/// ../shared/pipeline-cases/public.jsonl: <c>{"id", "pipeline", "inputs", "parameters"?}</c> (other keys, such as
/// <c>model</c> and <c>expected</c>, are ignored: this program serves the model it was compiled with). Each line is
/// answered as soon as it is read with <c>{"id", "output"}</c>, the output shaped exactly as HF's pipeline returns it,
/// or <c>{"id", "error"}</c>.
/// <list type="bullet">
/// <item><c>fill-mask</c>: inputs a text or a list of texts (run as one batch); parameters <c>top_k</c>, <c>targets</c>
/// (a string or a list), <c>tokenizer_kwargs</c> (<c>truncation</c>, <c>max_length</c>).</item>
/// <item><c>feature-extraction</c>: inputs a text, <c>{"text", "text_pair"}</c>, or a list of these (one batch);
/// output <c>[1][tokens][hidden]</c> (last_hidden_state) per input; parameters <c>truncation</c>,
/// <c>tokenize_kwargs</c> (<c>truncation</c>, <c>max_length</c>), <c>return_tensors</c> (false only).</item>
/// <item><c>text-classification</c> (sequence-classification head): inputs a text, <c>{"text", "text_pair"}</c>, or a
/// list of these; parameters <c>top_k</c> (a number, or null for every label; absent: HF's single best label, in a list
/// for a text and bare for a pair), <c>function_to_apply</c>, <c>truncation</c>, <c>max_length</c>.</item>
/// <item><c>token-classification</c> (token-classification head): inputs a text or a list; parameters
/// <c>aggregation_strategy</c>, <c>ignore_labels</c>.</item>
/// <item><c>question-answering</c> (question-answering head): inputs <c>{"question", "context"}</c> or a list;
/// parameters <c>top_k</c>, <c>doc_stride</c>, <c>max_answer_len</c>, <c>max_seq_len</c>, <c>max_question_len</c>,
/// <c>handle_impossible_answer</c>, <c>align_to_words</c>; one answer is a dict, several a list.</item>
/// </list>
/// A model without the head a pipeline needs answers <c>"pipeline X is not supported by this model: ..."</c>.
/// Truncation without a max_length truncates to the model's max_position_embeddings (HF: the tokenizer's
/// model_max_length, 512 for the hub's ALBERT tokenizers, which is the same number).
/// </summary>
internal static class PipelineCommand
{
    /// <summary>Answers every line of <paramref name="input"/> until its end; blank lines are skipped.</summary>
    /// <param name="log">Where HF's warnings go (standard error in the program); null: nowhere.</param>
    /// <returns>0 when every line got an output, 1 when some got an error.</returns>
    public static int Run(TextReader input, TextWriter output, IAlbertModel model, TextWriter? log = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(model);
        var context = new Context(model, log);
        int failures = 0, lineNumber = 0;
        string? line;
        while ((line = input.ReadLine()) is not null)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            if (!Answer(line, lineNumber, context, out string answer)) failures++;
            output.Write(answer);
            output.Write('\n');
            output.Flush();
        }
        output.Flush();
        return failures == 0 ? 0 : 1;
    }

    private static bool Answer(string line, int lineNumber, Context context, out string answer)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            answer = Error(null, $"line {lineNumber} is not JSON: {e.Message}");
            return false;
        }
        using (document)
        {
            JsonElement request = document.RootElement;
            JsonElement? id = request.ValueKind == JsonValueKind.Object && request.TryGetProperty("id", out JsonElement idValue) ? idValue : null;
            Action<Utf8JsonWriter> writeOutput;
            try
            {
                if (request.ValueKind != JsonValueKind.Object) throw new RequestException($"expected a JSON object, got {request.ValueKind}");
                if (!request.TryGetProperty("pipeline", out JsonElement pipeline) || pipeline.ValueKind != JsonValueKind.String)
                    throw new RequestException("\"pipeline\" must be a string (fill-mask, feature-extraction, ...)");
                if (!request.TryGetProperty("inputs", out JsonElement inputs)) throw new RequestException("\"inputs\" is missing");
                JsonElement? parameters = null;
                if (request.TryGetProperty("parameters", out JsonElement p) && p.ValueKind != JsonValueKind.Null)
                {
                    if (p.ValueKind != JsonValueKind.Object) throw new RequestException($"\"parameters\" must be an object, not {p.GetRawText()}");
                    parameters = p;
                }
                string name = pipeline.GetString()!;
                writeOutput = name switch
                {
                    "fill-mask" => FillMask(inputs, parameters, context, lineNumber),
                    "feature-extraction" => FeatureExtraction(inputs, parameters, context),
                    "text-classification" => TextClassification(inputs, parameters, context),
                    "token-classification" => TokenClassification(inputs, parameters, context),
                    "question-answering" => QuestionAnswering(inputs, parameters, context),
                    _ => throw new RequestException($"pipeline {name} is not supported by this model"),
                };
            }
            catch (Exception e) when (e is RequestException or ArgumentException or InvalidOperationException)
            {
                answer = Error(id, e is RequestException ? e.Message : $"line {lineNumber}: {e.Message}");
                return false;
            }

            try
            {
                answer = CliJson.Write(writer =>
                {
                    writer.WriteStartObject();
                    WriteId(writer, id);
                    writer.WritePropertyName("output");
                    writeOutput(writer);
                    writer.WriteEndObject();
                });
                return true;
            }
            catch (InvalidOperationException e)
            {
                answer = Error(id, $"line {lineNumber}: {e.Message}");
                return false;
            }
        }
    }

    private static Action<Utf8JsonWriter> FillMask(JsonElement inputs, JsonElement? parameters, Context context, int lineNumber)
    {
        int topK = FillMaskPipeline.DefaultTopK;
        List<string>? targets = null;
        int? maxLength = null;
        foreach (JsonProperty parameter in Properties(parameters))
        {
            JsonElement value = parameter.Value;
            switch (parameter.Name)
            {
                case "top_k":
                    if (value.ValueKind == JsonValueKind.Null) break;
                    if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out topK) || topK < 0)
                        throw new RequestException($"\"top_k\" must be a whole number of 0 or more, not {value.GetRawText()}");
                    break;
                case "targets":
                    if (value.ValueKind == JsonValueKind.Null) break;
                    targets = value.ValueKind == JsonValueKind.String ? [value.GetString()!] : Strings(value, "targets");
                    break;
                case "tokenizer_kwargs":
                    maxLength = TruncationKwargs(value, "tokenizer_kwargs", null, context.Model);
                    break;
                default:
                    throw new RequestException($"fill-mask takes the parameters top_k, targets and tokenizer_kwargs, not \"{parameter.Name}\"");
            }
        }

        FillMaskPipeline pipeline = context.FillMask;
        if (targets is not null && context.Log is not null)
            foreach (string warning in pipeline.ResolveTargets(targets).Warnings) context.Log.WriteLine($"warning: line {lineNumber}: {warning}");

        if (inputs.ValueKind == JsonValueKind.String)
        {
            IReadOnlyList<IReadOnlyList<FillMaskResult>> results = pipeline.Run(inputs.GetString()!, topK, targets, maxLength);
            return writer => FillMaskCommand.WriteHfOutput(writer, results);
        }
        List<string> texts = Strings(inputs, "inputs");
        IReadOnlyList<IReadOnlyList<IReadOnlyList<FillMaskResult>>> batch = texts.Count == 0 ? [] : pipeline.Run(texts, topK, targets, maxLength);
        return writer =>
        {
            writer.WriteStartArray();
            foreach (IReadOnlyList<IReadOnlyList<FillMaskResult>> results in batch) FillMaskCommand.WriteHfOutput(writer, results);
            writer.WriteEndArray();
        };
    }

    private static Action<Utf8JsonWriter> FeatureExtraction(JsonElement inputs, JsonElement? parameters, Context context)
    {
        bool? truncation = null;
        JsonElement? tokenizeKwargs = null;
        foreach (JsonProperty parameter in Properties(parameters))
        {
            JsonElement value = parameter.Value;
            switch (parameter.Name)
            {
                case "truncation":
                    truncation = TruncationFlag(value, "truncation");
                    break;
                case "tokenize_kwargs":
                    tokenizeKwargs = value;
                    break;
                case "return_tensors":
                    if (value.ValueKind is not (JsonValueKind.False or JsonValueKind.Null))
                        throw new RequestException("\"return_tensors\": true gives framework tensors; this command writes JSON lists (leave it false)");
                    break;
                default:
                    throw new RequestException($"feature-extraction takes the parameters truncation, tokenize_kwargs and return_tensors, not \"{parameter.Name}\"");
            }
        }
        int? maxLength = TruncationKwargs(tokenizeKwargs, "tokenize_kwargs", truncation, context.Model);

        FeatureExtractionPipeline pipeline = context.Features;
        if (context.Model.Tokenizer is null)
            throw new RequestException($"pipeline feature-extraction is not supported by this model: checkpoint '{context.Model.Config.CheckpointName}' was compiled without a tokenizer");

        if (inputs.ValueKind != JsonValueKind.Array)
        {
            (string text, string? pair) = FeatureInput(inputs);
            FeatureExtractionResult features = pipeline.Run(text, pair, maxLength);
            return writer => EmbedCommand.WriteHfOutput(writer, features);
        }

        var items = new List<(string Text, string? Pair)>();
        foreach (JsonElement item in inputs.EnumerateArray()) items.Add(FeatureInput(item));
        var results = new FeatureExtractionResult[items.Count];
        bool allPairs = items.TrueForAll(i => i.Pair is not null), noPairs = items.TrueForAll(i => i.Pair is null);
        if (items.Count > 0 && (allPairs || noPairs))
        {
            IReadOnlyList<FeatureExtractionResult> batch = pipeline.Run(items.ConvertAll(i => i.Text), allPairs ? items.ConvertAll(i => i.Pair!) : null, maxLength);
            for (int i = 0; i < results.Length; i++) results[i] = batch[i];
        }
        else
        {
            for (int i = 0; i < results.Length; i++) results[i] = pipeline.Run(items[i].Text, items[i].Pair, maxLength);
        }
        return writer =>
        {
            writer.WriteStartArray();
            foreach (FeatureExtractionResult features in results) EmbedCommand.WriteHfOutput(writer, features);
            writer.WriteEndArray();
        };
    }

    private static Action<Utf8JsonWriter> TextClassification(JsonElement inputs, JsonElement? parameters, Context context)
    {
        TextClassificationPipeline pipeline = context.TextClassification;
        bool legacy = true;
        int? topK = 1;
        ClassificationFunction? function = null;
        bool? truncation = null;
        int? maxLength = null;
        foreach (JsonProperty parameter in Properties(parameters))
        {
            JsonElement value = parameter.Value;
            switch (parameter.Name)
            {
                case "top_k":
                    // HF: top_k given (even null: every label) gives the sorted list; absent gives the best label alone.
                    legacy = false;
                    if (value.ValueKind == JsonValueKind.Null) topK = null;
                    else if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int k) || k < 0)
                        throw new RequestException($"\"top_k\" must be a whole number of 0 or more or null, not {value.GetRawText()}");
                    else topK = k;
                    break;
                case "function_to_apply":
                    if (value.ValueKind == JsonValueKind.Null) break;
                    if (value.ValueKind != JsonValueKind.String) throw new RequestException($"\"function_to_apply\" must be \"sigmoid\", \"softmax\" or \"none\", not {value.GetRawText()}");
                    function = HeadCommands.ParseFunction(value.GetString()!.ToLowerInvariant());
                    break;
                case "truncation":
                    truncation = TruncationFlag(value, "truncation");
                    break;
                case "max_length":
                    if (value.ValueKind == JsonValueKind.Null) break;
                    if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int m) || m < 1)
                        throw new RequestException($"\"max_length\" must be a whole number of 1 or more, not {value.GetRawText()}");
                    maxLength = m;
                    break;
                default:
                    throw new RequestException($"text-classification takes the parameters top_k, function_to_apply, truncation and max_length, not \"{parameter.Name}\"");
            }
        }
        if (truncation == false) maxLength = null;
        else if (truncation == true) maxLength ??= context.Model.Config.MaxPositionEmbeddings;

        if (inputs.ValueKind != JsonValueKind.Array)
        {
            (string text, string? pair) = FeatureInput(inputs, "text-classification");
            IReadOnlyList<TextClassificationResult> results = pipeline.Run(text, pair, topK, function, maxLength);
            // HF wraps the legacy single result in a list only for a string input; a {"text", ...} dict gets it bare.
            bool bare = inputs.ValueKind != JsonValueKind.String;
            return writer => HeadCommands.WriteClassification(writer, results, legacy, pair: bare);
        }
        var items = new List<(string Text, string? Pair)>();
        foreach (JsonElement item in inputs.EnumerateArray()) items.Add(FeatureInput(item, "text-classification"));
        var all = new IReadOnlyList<TextClassificationResult>[items.Count];
        for (int i = 0; i < all.Length; i++) all[i] = pipeline.Run(items[i].Text, items[i].Pair, topK, function, maxLength);
        return writer =>
        {
            // A list of inputs gives a list of results, each a bare dict without top_k.
            writer.WriteStartArray();
            foreach (IReadOnlyList<TextClassificationResult> results in all) HeadCommands.WriteClassification(writer, results, legacy, pair: true);
            writer.WriteEndArray();
        };
    }

    private static Action<Utf8JsonWriter> TokenClassification(JsonElement inputs, JsonElement? parameters, Context context)
    {
        TokenClassificationPipeline pipeline = context.TokenClassification;
        AggregationStrategy strategy = AggregationStrategy.None;
        List<string>? ignoreLabels = null;
        foreach (JsonProperty parameter in Properties(parameters))
        {
            JsonElement value = parameter.Value;
            switch (parameter.Name)
            {
                case "aggregation_strategy":
                    if (value.ValueKind == JsonValueKind.Null) break;
                    if (value.ValueKind != JsonValueKind.String) throw new RequestException($"\"aggregation_strategy\" must be a string, not {value.GetRawText()}");
                    strategy = HeadCommands.ParseAggregation(value.GetString()!.ToLowerInvariant());
                    break;
                case "ignore_labels":
                    if (value.ValueKind == JsonValueKind.Null) break;
                    ignoreLabels = Strings(value, "ignore_labels");
                    break;
                default:
                    throw new RequestException($"token-classification takes the parameters aggregation_strategy and ignore_labels, not \"{parameter.Name}\"");
            }
        }
        if (inputs.ValueKind == JsonValueKind.String)
        {
            string text = inputs.GetString()!;
            IReadOnlyList<TokenClassificationEntity> entities = pipeline.Run(text, strategy, ignoreLabels);
            return writer => HeadCommands.WriteEntities(writer, text, entities);
        }
        List<string> texts = Strings(inputs, "inputs");
        IReadOnlyList<IReadOnlyList<TokenClassificationEntity>> batch = texts.Count == 0 ? [] : pipeline.Run(texts, strategy, ignoreLabels);
        return writer =>
        {
            writer.WriteStartArray();
            for (int i = 0; i < texts.Count; i++) HeadCommands.WriteEntities(writer, texts[i], batch[i]);
            writer.WriteEndArray();
        };
    }

    private static Action<Utf8JsonWriter> QuestionAnswering(JsonElement inputs, JsonElement? parameters, Context context)
    {
        QuestionAnsweringPipeline pipeline = context.QuestionAnswering;
        int topK = 1, maxAnswerLength = QuestionAnsweringPipeline.DefaultMaxAnswerLength, maxQuestionLength = 64;
        int? docStride = null, maxSeqLength = null;
        bool handleImpossible = false, alignToWords = true;
        foreach (JsonProperty parameter in Properties(parameters))
        {
            JsonElement value = parameter.Value;
            if (value.ValueKind == JsonValueKind.Null) continue;
            switch (parameter.Name)
            {
                case "top_k": topK = Count(value, "top_k", 1); break;
                case "doc_stride": docStride = Count(value, "doc_stride", 0); break;
                case "max_answer_len": maxAnswerLength = Count(value, "max_answer_len", 1); break;
                case "max_seq_len": maxSeqLength = Count(value, "max_seq_len", 1); break;
                case "max_question_len": maxQuestionLength = Count(value, "max_question_len", 1); break;
                case "handle_impossible_answer": handleImpossible = Flag(value, "handle_impossible_answer"); break;
                case "align_to_words": alignToWords = Flag(value, "align_to_words"); break;
                default:
                    throw new RequestException("question-answering takes the parameters top_k, doc_stride, max_answer_len, max_seq_len, " +
                        $"max_question_len, handle_impossible_answer and align_to_words, not \"{parameter.Name}\"");
            }
        }
        var items = new List<(string Question, string Context)>();
        if (inputs.ValueKind == JsonValueKind.Array)
            foreach (JsonElement item in inputs.EnumerateArray()) items.Add(QaInput(item));
        else items.Add(QaInput(inputs));
        var all = items.ConvertAll(i => pipeline.Run(i.Question, i.Context, topK, docStride, maxAnswerLength, maxSeqLength, maxQuestionLength,
            handleImpossible, alignToWords));
        return writer =>
        {
            // HF: one example gives its result alone, several a list of results.
            if (all.Count != 1) writer.WriteStartArray();
            for (int i = 0; i < all.Count; i++) HeadCommands.WriteAnswers(writer, items[i].Context, all[i]);
            if (all.Count != 1) writer.WriteEndArray();
        };
    }

    private static (string Question, string Context) QaInput(JsonElement input)
    {
        if (input.ValueKind == JsonValueKind.Object
            && input.TryGetProperty("question", out JsonElement question) && question.ValueKind == JsonValueKind.String
            && input.TryGetProperty("context", out JsonElement context) && context.ValueKind == JsonValueKind.String)
        {
            foreach (JsonProperty property in input.EnumerateObject())
                if (!property.NameEquals("question") && !property.NameEquals("context"))
                    throw new RequestException($"a question-answering input has \"question\" and \"context\", not \"{property.Name}\"");
            return (question.GetString()!, context.GetString()!);
        }
        throw new RequestException($"question-answering inputs are {{\"question\", \"context\"}} (strings) or a list of these, not {Shorten(input.GetRawText())}");
    }

    private static int Count(JsonElement value, string name, int minimum) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int n) && n >= minimum
            ? n
            : throw new RequestException($"\"{name}\" must be a whole number of {minimum} or more, not {value.GetRawText()}");

    private static bool Flag(JsonElement value, string name) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new RequestException($"\"{name}\" must be true or false, not {value.GetRawText()}"),
    };

    /// <summary>A text, or <c>{"text", "text_pair"?}</c>.</summary>
    private static (string Text, string? Pair) FeatureInput(JsonElement input, string pipeline = "feature-extraction")
    {
        if (input.ValueKind == JsonValueKind.String) return (input.GetString()!, null);
        if (input.ValueKind == JsonValueKind.Object && input.TryGetProperty("text", out JsonElement text) && text.ValueKind == JsonValueKind.String)
        {
            string? pair = null;
            foreach (JsonProperty property in input.EnumerateObject())
            {
                if (property.NameEquals("text")) continue;
                if (!property.NameEquals("text_pair")) throw new RequestException($"an input object has \"text\" and \"text_pair\", not \"{property.Name}\"");
                if (property.Value.ValueKind == JsonValueKind.Null) continue;
                if (property.Value.ValueKind != JsonValueKind.String) throw new RequestException("\"text_pair\" must be a string");
                pair = property.Value.GetString();
            }
            return (text.GetString()!, pair);
        }
        throw new RequestException($"{pipeline} inputs are a text, {{\"text\", \"text_pair\"}}, or a list of these, not {Shorten(input.GetRawText())}");
    }

    /// <summary>HF tokenizer keyword arguments <c>{"truncation", "max_length"}</c> → the length to truncate to, or null.</summary>
    private static int? TruncationKwargs(JsonElement? kwargs, string name, bool? truncation, IAlbertModel model)
    {
        int? maxLength = null;
        if (kwargs is { ValueKind: not JsonValueKind.Null } k)
        {
            if (k.ValueKind != JsonValueKind.Object) throw new RequestException($"\"{name}\" must be an object, not {Shorten(k.GetRawText())}");
            foreach (JsonProperty property in k.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "truncation":
                        if (truncation is not null) throw new RequestException($"truncation is given twice, as a parameter and in \"{name}\"");
                        truncation = TruncationFlag(property.Value, "truncation");
                        break;
                    case "max_length":
                        if (property.Value.ValueKind == JsonValueKind.Null) break;
                        if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetInt32(out int value) || value < 1)
                            throw new RequestException($"\"max_length\" must be a whole number of 1 or more, not {property.Value.GetRawText()}");
                        maxLength = value;
                        break;
                    default:
                        throw new RequestException($"\"{name}\" takes truncation and max_length, not \"{property.Name}\"");
                }
            }
        }
        // HF: max_length alone turns longest_first truncation on; truncation alone truncates to the model's maximum.
        if (truncation == false) return null;
        if (maxLength is not null) return maxLength;
        return truncation == true ? model.Config.MaxPositionEmbeddings : null;
    }

    private static bool? TruncationFlag(JsonElement value, string name) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String when value.ValueEquals("longest_first") || value.ValueEquals("only_first") => true,
        JsonValueKind.String when value.ValueEquals("do_not_truncate") => false,
        _ => throw new RequestException($"\"{name}\" must be true, false, \"longest_first\" or \"do_not_truncate\", not {value.GetRawText()}"),
    };

    private static List<string> Strings(JsonElement value, string name)
    {
        if (value.ValueKind != JsonValueKind.Array) throw new RequestException($"\"{name}\" must be a string or a list of strings, not {Shorten(value.GetRawText())}");
        var strings = new List<string>();
        foreach (JsonElement item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String) throw new RequestException($"\"{name}\" must be a string or a list of strings, but holds {Shorten(item.GetRawText())}");
            strings.Add(item.GetString()!);
        }
        return strings;
    }

    private static IEnumerable<JsonProperty> Properties(JsonElement? parameters) =>
        parameters is { } p ? p.EnumerateObject() : [];

    private static string Error(JsonElement? id, string message) => CliJson.Write(writer =>
    {
        writer.WriteStartObject();
        WriteId(writer, id);
        writer.WriteString("error", message);
        writer.WriteEndObject();
    });

    private static void WriteId(Utf8JsonWriter writer, JsonElement? id)
    {
        if (id is not JsonElement echoed) return;
        writer.WritePropertyName("id");
        echoed.WriteTo(writer);
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "...";

    /// <summary>A line that asks for something this command cannot do; the message is the line's error.</summary>
    private sealed class RequestException(string message) : Exception(message);

    /// <summary>The pipelines over the served model, built at first use.</summary>
    private sealed class Context(IAlbertModel model, TextWriter? log)
    {
        private FillMaskPipeline? _fillMask;
        private FeatureExtractionPipeline? _features;

        public IAlbertModel Model => model;

        public TextWriter? Log => log;

        public FillMaskPipeline FillMask
        {
            get
            {
                if (_fillMask is not null) return _fillMask;
                try
                {
                    return _fillMask = new FillMaskPipeline(model);
                }
                catch (InvalidOperationException e)
                {
                    throw new RequestException($"pipeline fill-mask is not supported by this model: {e.Message}");
                }
            }
        }

        public FeatureExtractionPipeline Features => _features ??= new FeatureExtractionPipeline(model);

        private TextClassificationPipeline? _textClassification;
        private TokenClassificationPipeline? _tokenClassification;
        private QuestionAnsweringPipeline? _questionAnswering;

        public TextClassificationPipeline TextClassification =>
            _textClassification ??= Build("text-classification", AlbertHeads.SequenceClassification, (ISequenceClassificationModel m) => new TextClassificationPipeline(m));

        public TokenClassificationPipeline TokenClassification =>
            _tokenClassification ??= Build("token-classification", AlbertHeads.TokenClassification, (ITokenClassificationModel m) => new TokenClassificationPipeline(m));

        public QuestionAnsweringPipeline QuestionAnswering =>
            _questionAnswering ??= Build("question-answering", AlbertHeads.QuestionAnswering, (IQuestionAnsweringModel m) => new QuestionAnsweringPipeline(m));

        /// <summary>The pipeline over the model as the head's interface, or the line's error naming what is missing.</summary>
        private TPipeline Build<TModel, TPipeline>(string name, AlbertHeads head, Func<TModel, TPipeline> create) where TModel : class, IAlbertModel
        {
            if (model is not TModel typed)
                throw new RequestException($"pipeline {name} is not supported by this model: checkpoint '{model.Config.CheckpointName}' has no {head.Describe()} head (its heads: {model.Heads})");
            try
            {
                return create(typed);
            }
            catch (InvalidOperationException e)
            {
                throw new RequestException($"pipeline {name} is not supported by this model: {e.Message}");
            }
        }
    }
}
