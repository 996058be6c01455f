using System;
using System.Collections.Generic;
using System.Linq;
using AlbertAot.Runtime;
using AlbertAot.Tokenization;

namespace AlbertAot.Pipelines;

/// <summary>One answer, as HF's question-answering pipeline returns it: <c>{"score", "start", "end", "answer"}</c>.</summary>
/// <param name="Score">The span's probability: softmax(start logits)[s] × softmax(end logits)[e] in its window.</param>
/// <param name="Start">Where the answer starts in the context, in UTF-16 units (HF counts code points:
/// <see cref="PipelineText.ToCodePointIndex"/>); 0 for the impossible answer.</param>
/// <param name="End">Where it ends (exclusive), in UTF-16 units; 0 for the impossible answer.</param>
/// <param name="Answer"><c>context[Start..End]</c>; "" for the impossible answer.</param>
public sealed record QuestionAnsweringAnswer(float Score, int Start, int End, string Answer);

/// <summary>
/// One input window of a question and its context: <c>[CLS] question [SEP] context part [SEP]</c>, as HF's fast
/// tokenizer makes them with <c>truncation="only_second", return_overflowing_tokens=True, stride=doc_stride</c>.
/// </summary>
public sealed class QuestionAnsweringWindow
{
    /// <param name="inputIds">The window's ids.</param>
    /// <param name="tokenTypeIds">0 for [CLS], the question and its [SEP]; 1 for the context and the last [SEP].</param>
    /// <param name="offsets">Each token's span in its text (the context for context tokens), UTF-16.</param>
    /// <param name="sequenceIds">0 question, 1 context, null for [CLS] and [SEP] (HF's sequence_ids()).</param>
    /// <param name="wordIds">The word of each token in its text (HF's word_ids()), null for [CLS] and [SEP].</param>
    /// <param name="clsId">The [CLS] id: HF lets a [CLS] token be the (impossible) answer, so it stays unmasked.</param>
    public QuestionAnsweringWindow(int[] inputIds, int[] tokenTypeIds, (int Start, int End)[] offsets, int?[] sequenceIds, int?[] wordIds, int clsId)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        ArgumentNullException.ThrowIfNull(tokenTypeIds);
        ArgumentNullException.ThrowIfNull(offsets);
        ArgumentNullException.ThrowIfNull(sequenceIds);
        ArgumentNullException.ThrowIfNull(wordIds);
        int n = inputIds.Length;
        if (n == 0 || tokenTypeIds.Length != n || offsets.Length != n || sequenceIds.Length != n || wordIds.Length != n)
            throw new ArgumentException($"A window needs one token type, offset, sequence id and word id per token ({n} ids).", nameof(inputIds));
        InputIds = inputIds;
        TokenTypeIds = tokenTypeIds;
        Offsets = offsets;
        SequenceIds = sequenceIds;
        WordIds = wordIds;
        CanBeAnswer = new bool[n];
        for (int t = 0; t < n; t++) CanBeAnswer[t] = sequenceIds[t] == 1 || inputIds[t] == clsId;
    }

    public int[] InputIds { get; }
    public int[] TokenTypeIds { get; }
    public (int Start, int End)[] Offsets { get; }
    public int?[] SequenceIds { get; }
    public int?[] WordIds { get; }

    /// <summary>HF's p_mask, inverted: true for the context's tokens and [CLS].</summary>
    public bool[] CanBeAnswer { get; }

    public int Length => InputIds.Length;

    /// <summary>How many of the context's tokens this window holds.</summary>
    public int ContextTokenCount => SequenceIds.Count(s => s == 1);

    /// <summary>HF's <c>enc.word_to_chars(word, sequence_index=1)</c>: the span of the word's tokens within this window, or null.</summary>
    internal (int Start, int End)? WordToChars(int word)
    {
        int first = -1, last = -1;
        for (int t = 0; t < Length; t++)
        {
            if (SequenceIds[t] != 1 || WordIds[t] != word) continue;
            if (first < 0) first = t;
            last = t;
        }
        return first < 0 ? null : (Offsets[first].Start, Offsets[last].End);
    }
}

/// <summary>
/// HF's <c>pipeline("question-answering")</c> (transformers 4.46.3, fast tokenizer) on a compiled question-answering
/// model: the question and the context in overlapping windows of <c>max_seq_len</c> tokens (<c>doc_stride</c> tokens of
/// overlap), the best spans of every window by start × end probability, aligned to whole words, merged by score.
/// <c>max_question_len</c> is accepted and ignored, as HF's fast path ignores it. Thread-safe when built without a session.
/// </summary>
public sealed class QuestionAnsweringPipeline : TextPipeline<IQuestionAnsweringModel>
{
    /// <summary>HF's default <c>max_answer_len</c>.</summary>
    public const int DefaultMaxAnswerLength = 15;

    /// <exception cref="InvalidOperationException">The model was compiled without a tokenizer.</exception>
    public QuestionAnsweringPipeline(IQuestionAnsweringModel model, AlbertSession? session = null) : base(model, session, "Question answering") { }

    /// <summary>HF's default <c>max_seq_len</c>: min(the tokenizer's maximum, 384); here the model's positions stand for the former.</summary>
    public int DefaultMaxSeqLength => Math.Min(Model.Config.MaxPositionEmbeddings, 384);

    /// <summary>
    /// HF's <c>qa(question=..., context=..., top_k=..., ...)</c>: the <paramref name="topK"/> best answers, best first
    /// (HF returns the bare answer when there is one). Equal spans found in two windows are two answers, as in HF.
    /// </summary>
    /// <param name="docStride">Tokens shared by consecutive windows; null: HF's min(max_seq_len / 2, 128).</param>
    /// <param name="maxAnswerLength">The longest answer, in tokens.</param>
    /// <param name="maxSeqLength">Tokens per window, [CLS] and both [SEP] included; null: <see cref="DefaultMaxSeqLength"/>.</param>
    /// <param name="maxQuestionLength">Ignored (HF's fast tokenizer path ignores it too); checked to be positive.</param>
    /// <param name="handleImpossibleAnswer">Add the empty answer, scored by the lowest [CLS] start × end probability of any window.</param>
    /// <param name="alignToWords">Widen spans to whole words (HF's default); false: the tokens' own offsets.</param>
    /// <exception cref="ArgumentException">An empty question or context, bad parameters, or a question that leaves no room for the context.</exception>
    public IReadOnlyList<QuestionAnsweringAnswer> Run(string question, string context, int topK = 1, int? docStride = null,
        int maxAnswerLength = DefaultMaxAnswerLength, int? maxSeqLength = null, int maxQuestionLength = 64, bool handleImpossibleAnswer = false,
        bool alignToWords = true)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(context);
        if (topK < 1) throw new ArgumentOutOfRangeException(nameof(topK), topK, $"top_k parameter should be >= 1 (got {topK})");
        if (maxAnswerLength < 1) throw new ArgumentOutOfRangeException(nameof(maxAnswerLength), maxAnswerLength, $"max_answer_len parameter should be >= 1 (got {maxAnswerLength})");
        if (maxQuestionLength < 1) throw new ArgumentOutOfRangeException(nameof(maxQuestionLength), maxQuestionLength, "max_question_len must be at least 1.");
        IReadOnlyList<QuestionAnsweringWindow> windows = Windows(question, context, maxSeqLength, docStride);

        var rows = new IReadOnlyList<int>[windows.Count];
        var types = new IReadOnlyList<int>[windows.Count];
        for (int i = 0; i < windows.Count; i++)
        {
            rows[i] = windows[i].InputIds;
            types[i] = windows[i].TokenTypeIds;
        }
        PipelineBatch batch = PipelineBatch.FromIds(rows, types, Tokenizer.PadId);
        AlbertOutputs outputs = Runner.Forward(batch.Inputs, AlbertOutputKinds.Logits);
        var starts = new float[windows.Count][];
        var ends = new float[windows.Count][];
        for (int i = 0; i < windows.Count; i++)
        {
            starts[i] = outputs.StartLogits!.Row(i)[..windows[i].Length].ToArray();
            ends[i] = outputs.EndLogits!.Row(i)[..windows[i].Length].ToArray();
        }
        return QuestionAnsweringDecoder.Decode(context, windows, starts, ends, topK, maxAnswerLength, handleImpossibleAnswer, alignToWords);
    }

    /// <summary>
    /// The windows HF's fast tokenizer makes: the context's tokens in parts of max_seq_len − 3 − (question tokens), each
    /// starting doc_stride tokens before the previous one ended, until the context's end is in a window.
    /// </summary>
    /// <exception cref="ArgumentException">An empty question or context, a stride not below the window's context
    /// length, or a question too long for max_seq_len.</exception>
    public IReadOnlyList<QuestionAnsweringWindow> Windows(string question, string context, int? maxSeqLength = null, int? docStride = null)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(context);
        if (question.Length == 0) throw new ArgumentException("`question` cannot be empty", nameof(question));
        if (context.Length == 0) throw new ArgumentException("`context` cannot be empty", nameof(context));
        int maxSeq = maxSeqLength ?? DefaultMaxSeqLength;
        if (maxSeq < 1) throw new ArgumentOutOfRangeException(nameof(maxSeqLength), maxSeq, "max_seq_len must be at least 1.");
        if (maxSeq > Model.Config.MaxPositionEmbeddings)
            throw new ArgumentOutOfRangeException(nameof(maxSeqLength), maxSeq,
                $"max_seq_len {maxSeq} exceeds the {Model.Config.MaxPositionEmbeddings} positions of '{Model.Config.CheckpointName}'.");
        int stride = docStride ?? Math.Min(maxSeq / 2, 128);
        if (stride < 0) throw new ArgumentOutOfRangeException(nameof(docStride), stride, "doc_stride must be 0 or more.");
        if (stride > maxSeq) throw new ArgumentException($"`doc_stride` ({stride}) is larger than `max_seq_len` ({maxSeq})", nameof(docStride));

        AlbertEncoding q = Tokenizer.Encode(question, addSpecialTokens: false);
        AlbertEncoding c = Tokenizer.Encode(context, addSpecialTokens: false);
        int?[] questionWords = PipelineText.WordIds(Tokenizer, q, question);
        int?[] contextWords = PipelineText.WordIds(Tokenizer, c, context);
        int total = q.Length + c.Length + 3;

        var parts = new List<(int Start, int Stop)>();
        if (total <= maxSeq) parts.Add((0, c.Length));
        else
        {
            int toRemove = total - maxSeq;
            if (c.Length <= toRemove)
                throw new ArgumentException(
                    $"The question takes {q.Length} tokens: with [CLS] and two [SEP], max_seq_len {maxSeq} leaves no room for the context (HF: truncation error). Raise max_seq_len or shorten the question.",
                    nameof(question));
            int length = c.Length - toRemove;
            if (stride >= length)
                throw new ArgumentException(
                    $"doc_stride {stride} must be smaller than the {length} context tokens a window of max_seq_len {maxSeq} holds with this question.", nameof(docStride));
            for (int start = 0; ; start += length - stride)
            {
                int stop = Math.Min(start + length, c.Length);
                parts.Add((start, stop));
                if (stop == c.Length) break;
            }
        }

        var windows = new List<QuestionAnsweringWindow>(parts.Count);
        foreach (var (start, stop) in parts)
        {
            int n = q.Length + (stop - start) + 3;
            var ids = new int[n];
            var typeIds = new int[n];
            var offsets = new (int, int)[n];
            var sequenceIds = new int?[n];
            var words = new int?[n];
            int at = 0;
            ids[at++] = Tokenizer.ClsId;
            for (int t = 0; t < q.Length; t++, at++)
            {
                ids[at] = q.InputIds[t];
                offsets[at] = q.Offsets[t];
                sequenceIds[at] = 0;
                words[at] = questionWords[t];
            }
            ids[at++] = Tokenizer.SepId;
            for (int t = start; t < stop; t++, at++)
            {
                ids[at] = c.InputIds[t];
                typeIds[at] = 1;
                offsets[at] = c.Offsets[t];
                sequenceIds[at] = 1;
                words[at] = contextWords[t];
            }
            ids[at] = Tokenizer.SepId;
            typeIds[at] = 1;
            windows.Add(new QuestionAnsweringWindow(ids, typeIds, offsets, sequenceIds, words, Tokenizer.ClsId));
        }
        return windows;
    }
}

/// <summary>
/// HF QuestionAnsweringPipeline's post-processing (select_starts_ends, decode_spans, get_indices, the merge of the
/// windows) on start and end logits, separate from the model so it can be checked on logits whose answers are known.
/// </summary>
public static class QuestionAnsweringDecoder
{
    /// <param name="context">The text the context tokens' offsets point into.</param>
    /// <param name="windows">The windows, in order.</param>
    /// <param name="startLogits">Per window, one start logit per token.</param>
    /// <param name="endLogits">Per window, one end logit per token.</param>
    /// <returns>The best <paramref name="topK"/> answers of all windows, highest score first (equal scores in window order).</returns>
    public static IReadOnlyList<QuestionAnsweringAnswer> Decode(string context, IReadOnlyList<QuestionAnsweringWindow> windows,
        IReadOnlyList<float[]> startLogits, IReadOnlyList<float[]> endLogits, int topK = 1, int maxAnswerLength = QuestionAnsweringPipeline.DefaultMaxAnswerLength,
        bool handleImpossibleAnswer = false, bool alignToWords = true)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(startLogits);
        ArgumentNullException.ThrowIfNull(endLogits);
        if (startLogits.Count != windows.Count || endLogits.Count != windows.Count)
            throw new ArgumentException($"{windows.Count} windows need as many start and end logit rows.", nameof(startLogits));
        if (topK < 1) throw new ArgumentOutOfRangeException(nameof(topK), topK, $"top_k parameter should be >= 1 (got {topK})");
        if (maxAnswerLength < 1) throw new ArgumentOutOfRangeException(nameof(maxAnswerLength), maxAnswerLength, "max_answer_len must be at least 1.");

        float minNullScore = 1000000f;
        var answers = new List<QuestionAnsweringAnswer>();
        for (int w = 0; w < windows.Count; w++)
        {
            QuestionAnsweringWindow window = windows[w];
            if (startLogits[w].Length != window.Length || endLogits[w].Length != window.Length)
                throw new ArgumentException($"Window {w} has {window.Length} tokens but {startLogits[w].Length} start and {endLogits[w].Length} end logits.");
            float[] start = Probabilities(startLogits[w], window.CanBeAnswer);
            float[] end = Probabilities(endLogits[w], window.CanBeAnswer);
            if (handleImpossibleAnswer) minNullScore = Math.Min(minNullScore, start[0] * end[0]);
            // [CLS] never starts or ends a real answer.
            start[0] = end[0] = 0f;

            foreach (var (s, e, score) in BestSpans(start, end, window.CanBeAnswer, topK, maxAnswerLength))
            {
                var (from, to) = Indices(window, s, e, alignToWords);
                answers.Add(new QuestionAnsweringAnswer(score, from, to, context[from..to]));
            }
        }
        if (handleImpossibleAnswer) answers.Add(new QuestionAnsweringAnswer(minNullScore, 0, 0, ""));
        // Python's sorted(..., reverse=True) is stable: equal scores keep their order.
        return answers.OrderByDescending(a => a.Score).Take(topK).ToArray();
    }

    /// <summary>
    /// select_starts_ends' normalisation: logits outside the context (and [CLS]) set to −10000, then the softmax over the
    /// window, in float32 like HF's numpy (exp and sum in double, rounded).
    /// </summary>
    private static float[] Probabilities(float[] logits, bool[] canBeAnswer)
    {
        var masked = new float[logits.Length];
        for (int i = 0; i < masked.Length; i++) masked[i] = canBeAnswer[i] ? logits[i] : -10000f;
        double max = masked.Max(), sum = 0;
        var exp = new double[masked.Length];
        for (int i = 0; i < exp.Length; i++) sum += exp[i] = Math.Exp(masked[i] - max);
        var p = new float[masked.Length];
        for (int i = 0; i < p.Length; i++) p[i] = (float)(exp[i] / sum);
        return p;
    }

    /// <summary>
    /// decode_spans: every (start, end) with start ≤ end &lt; start + max_answer_len scored start[s]·end[e]; the
    /// <paramref name="topK"/> best, highest first (equal scores: lower start, then lower end first, as numpy's argmax
    /// takes the first), both ends on answerable tokens. Spans of probability 0 (masked tokens) are not answers.
    /// </summary>
    internal static List<(int Start, int End, float Score)> BestSpans(float[] start, float[] end, bool[] canBeAnswer, int topK, int maxAnswerLength)
    {
        var candidates = new List<(int Start, int End, float Score)>();
        for (int s = 0; s < start.Length; s++)
        {
            if (!canBeAnswer[s] || start[s] == 0f) continue;
            for (int e = s; e < end.Length && e - s < maxAnswerLength; e++)
            {
                if (!canBeAnswer[e]) continue;
                float score = start[s] * end[e];
                if (score > 0f) candidates.Add((s, e, score));
            }
        }
        // OrderByDescending is stable and the candidates are in flat (start, end) order.
        return candidates.OrderByDescending(c => c.Score).Take(topK).ToList();
    }

    /// <summary>get_indices: the answer's character span, widened to whole words when asked (HF's default).</summary>
    private static (int Start, int End) Indices(QuestionAnsweringWindow window, int s, int e, bool alignToWords)
    {
        if (alignToWords && window.WordIds[s] is int startWord && window.WordIds[e] is int endWord
            && window.SequenceIds[s] == 1 && window.SequenceIds[e] == 1
            && window.WordToChars(startWord) is { } first && window.WordToChars(endWord) is { } last)
            return (first.Start, last.End);
        return (window.Offsets[s].Start, window.Offsets[e].End);
    }
}
