using System;
using System.Collections.Generic;
using System.Linq;
using AlbertAot.Pipelines;
using AlbertAot.Tests.Fixtures;
using Xunit;

namespace AlbertAot.Tests.Heads;

/// <summary>
/// The question-answering post-processing on hand-made logits whose right answers are known: spans inside one window
/// and across the overlap of two, the impossible answer, max_answer_len, alignment to words cut by a window's start,
/// and offsets into contexts with accents and extra spaces; then the windows the pipeline makes.
/// </summary>
public class QuestionAnsweringDecoderTests
{
    private const int Cls = 2, Sep = 3;
    private const float Low = -8f, High = 6f;

    /// <summary>
    /// "aa bb cc dd ee" as ▁aa ▁bb ▁cc ▁dd ▁ee (one word each), in two windows of three context tokens with one token of
    /// overlap (cc), after the question ▁q: [CLS] ▁q [SEP] aa bb cc [SEP] and [CLS] ▁q [SEP] cc dd ee [SEP].
    /// </summary>
    private const string Context = "aa bb cc dd ee";

    private static readonly (int Start, int End)[] Words = [(0, 2), (2, 5), (5, 8), (8, 11), (11, 14)];

    private static QuestionAnsweringWindow Window(int from, int to, (int Start, int End)[]? spans = null, int[]? words = null)
    {
        spans ??= Words;
        words ??= Enumerable.Range(0, spans.Length).ToArray();
        var ids = new List<int> { Cls, 50 };
        var types = new List<int> { 0, 0 };
        var offsets = new List<(int, int)> { (0, 0), (0, 1) };
        var sequence = new List<int?> { null, 0 };
        var wordIds = new List<int?> { null, 0 };
        ids.Add(Sep); types.Add(0); offsets.Add((0, 0)); sequence.Add(null); wordIds.Add(null);
        for (int t = from; t < to; t++)
        {
            ids.Add(100 + t); types.Add(1); offsets.Add(spans[t]); sequence.Add(1); wordIds.Add(words[t]);
        }
        ids.Add(Sep); types.Add(1); offsets.Add((0, 0)); sequence.Add(null); wordIds.Add(null);
        return new QuestionAnsweringWindow([.. ids], [.. types], [.. offsets], [.. sequence], [.. wordIds], Cls);
    }

    /// <summary>Logits of a window: <see cref="Low"/> everywhere but the given positions.</summary>
    private static float[] Logits(QuestionAnsweringWindow window, params (int Position, float Value)[] set)
    {
        float[] logits = Enumerable.Repeat(Low, window.Length).ToArray();
        foreach (var (position, value) in set) logits[position] = value;
        return logits;
    }

    /// <summary>HF's probabilities: softmax over the context tokens and [CLS], everything else masked.</summary>
    private static double[] Probabilities(QuestionAnsweringWindow w, float[] logits)
    {
        double[] e = logits.Select((x, i) => w.CanBeAnswer[i] ? Math.Exp(x) : 0).ToArray();
        return e.Select(x => x / e.Sum()).ToArray();
    }

    [Fact]
    public void One_window_gives_the_span_with_the_best_start_and_end()
    {
        QuestionAnsweringWindow w = Window(0, 5);
        // Context tokens sit at positions 3..7: bb is 4, dd is 6.
        float[] start = Logits(w, (4, High)), end = Logits(w, (6, High));

        var answers = QuestionAnsweringDecoder.Decode(Context, [w], [start], [end]);

        QuestionAnsweringAnswer a = Assert.Single(answers);
        Assert.Equal(" bb cc dd", a.Answer);
        Assert.Equal((2, 11), (a.Start, a.End));
        Assert.Equal(Probabilities(w, start)[4] * Probabilities(w, end)[6], a.Score, 6);
    }

    [Fact]
    public void Max_answer_len_keeps_spans_short_and_top_k_ranks_them()
    {
        QuestionAnsweringWindow w = Window(0, 5);
        float[] start = Logits(w, (4, High), (5, High - 1)), end = Logits(w, (6, High), (5, High - 2));

        var two = QuestionAnsweringDecoder.Decode(Context, [w], [start], [end], topK: 3, maxAnswerLength: 2);

        // bb..dd is 3 tokens: too long. Left: cc..dd (start 5, end 6), bb..cc (4, 5), cc (5, 5), ...
        Assert.Equal([" cc dd", " bb cc", " cc"], two.Select(a => a.Answer));
        Assert.True(two[0].Score > two[1].Score && two[1].Score > two[2].Score);
        Assert.Equal(" cc", QuestionAnsweringDecoder.Decode(Context, [w], [start], [end], maxAnswerLength: 1)[0].Answer);
    }

    [Fact]
    public void The_same_span_in_two_overlapping_windows_is_two_answers_and_no_span_crosses_windows()
    {
        QuestionAnsweringWindow first = Window(0, 3), second = Window(2, 5);
        // cc is position 5 in the first window and 3 in the second; bb (first, 4) and dd (second, 4) are likelier ends of
        // a span bb..dd, which no window holds whole.
        float[] start1 = Logits(first, (5, High), (4, High + 1)), end1 = Logits(first, (5, High));
        float[] start2 = Logits(second, (3, High - 0.5f)), end2 = Logits(second, (3, High), (4, High + 1));

        var answers = QuestionAnsweringDecoder.Decode(Context, [first, second], [start1, start2], [end1, end2], topK: 10);

        Assert.DoesNotContain(answers, a => a.Start == 2 && a.End == 11);
        var cc = answers.Where(a => a.Answer == " cc").ToList();
        Assert.Equal(2, cc.Count);
        Assert.Equal(Probabilities(first, start1)[5] * Probabilities(first, end1)[5], cc.Max(a => a.Score), 6);
        Assert.Equal(Probabilities(second, start2)[3] * Probabilities(second, end2)[3], cc.Min(a => a.Score), 6);
        Assert.Equal(answers.OrderByDescending(a => a.Score).Select(a => a.Score), answers.Select(a => a.Score));
        // The best of all: bb..cc in the first window or cc..dd in the second.
        Assert.Contains(answers[0].Answer, new[] { " bb cc", " cc dd" });
    }

    [Fact]
    public void The_impossible_answer_is_scored_by_the_lowest_CLS_probability_of_any_window()
    {
        QuestionAnsweringWindow first = Window(0, 3), second = Window(2, 5);
        float[] start1 = Logits(first, (0, High + 2), (4, High)), end1 = Logits(first, (0, High + 2), (4, High));
        float[] start2 = Logits(second, (0, High + 1), (4, High)), end2 = Logits(second, (0, High + 1), (4, High));
        double null1 = Probabilities(first, start1)[0] * Probabilities(first, end1)[0];
        double null2 = Probabilities(second, start2)[0] * Probabilities(second, end2)[0];

        var answers = QuestionAnsweringDecoder.Decode(Context, [first, second], [start1, start2], [end1, end2], topK: 2, handleImpossibleAnswer: true);
        var without = QuestionAnsweringDecoder.Decode(Context, [first, second], [start1, start2], [end1, end2], topK: 2);

        QuestionAnsweringAnswer none = answers[0];
        Assert.Equal(("", 0, 0), (none.Answer, none.Start, none.End));
        Assert.Equal(Math.Min(null1, null2), none.Score, 6);
        Assert.Equal(without[0], answers[1]);
        Assert.DoesNotContain(without, a => a.Answer.Length == 0); // [CLS] itself is never a span
    }

    [Fact]
    public void The_impossible_answer_ranks_below_likelier_spans()
    {
        QuestionAnsweringWindow w = Window(0, 5);
        float[] start = Logits(w, (0, Low), (3, High)), end = Logits(w, (0, Low), (3, High));

        var answers = QuestionAnsweringDecoder.Decode(Context, [w], [start], [end], topK: 100, handleImpossibleAnswer: true);

        Assert.Equal("aa", answers[0].Answer);
        int none = answers.ToList().FindIndex(a => a.Answer.Length == 0);
        Assert.True(none > 0);
        Assert.Equal(Probabilities(w, start)[0] * Probabilities(w, end)[0], answers[none].Score, 12);
        Assert.Equal(answers.OrderByDescending(a => a.Score).Select(a => a.Score), answers.Select(a => a.Score));
        Assert.Equal(5 + 4 + 3 + 2 + 1 + 1, answers.Count); // every span of the 5 context tokens (max_answer_len 15), and the empty one
    }

    [Fact]
    public void Alignment_widens_to_whole_words_but_only_within_the_window()
    {
        // "abcdef gh" as ▁abc def ▁gh: abc and def are one word. Windows: [▁abc def] and [def ▁gh].
        const string context = "abcdef gh";
        (int, int)[] spans = [(0, 3), (3, 6), (6, 9)];
        int[] words = [0, 0, 1];
        QuestionAnsweringWindow first = Window(0, 2, spans, words), second = Window(1, 3, spans, words);
        float[] start1 = Logits(first, (4, High)), end1 = Logits(first, (4, High));
        float[] start2 = Logits(second, (3, High)), end2 = Logits(second, (3, High));

        var answers = QuestionAnsweringDecoder.Decode(context, [first, second], [start1, start2], [end1, end2], topK: 2);
        var raw = QuestionAnsweringDecoder.Decode(context, [first], [start1], [end1], alignToWords: false);

        // def in the first window widens to its word, abcdef; in the second, where the word starts at def, to def alone.
        Assert.Equal(["abcdef", "def"], answers.Select(a => a.Answer).Order(StringComparer.Ordinal));
        Assert.Equal("def", raw[0].Answer);
    }

    [Fact]
    public void Answers_point_into_contexts_with_accents_and_extra_spaces()
    {
        var pipeline = new QuestionAnsweringPipeline(new TinyHeadsQaModel());
        const string context = "Thé   café   is ôpen.";
        QuestionAnsweringWindow w = Assert.Single(pipeline.Windows("Where?", context));
        int cafe = Enumerable.Range(0, w.Length).First(t => w.SequenceIds[t] == 1 && w.Offsets[t].Start == context.IndexOf("café", StringComparison.Ordinal) - 1);
        int open = Enumerable.Range(0, w.Length).Last(t => w.SequenceIds[t] == 1 && w.Offsets[t].End == context.IndexOf("ôpen", StringComparison.Ordinal) + 4);
        Assert.True(cafe > 0 && open > cafe, string.Join(" ", w.Offsets));
        float[] start = Logits(w, (cafe, High)), end = Logits(w, (open, High));

        QuestionAnsweringAnswer a = QuestionAnsweringDecoder.Decode(context, [w], [start], [end])[0];

        // The span starts at the last space before café and ends after ôpen, whose word (ôpen) stops before the ".".
        Assert.Equal(" café   is ôpen", a.Answer);
        Assert.Equal(context.IndexOf("café", StringComparison.Ordinal) - 1, a.Start);
    }

    [Fact]
    public void The_pipeline_windows_overlap_by_doc_stride_and_cover_the_context()
    {
        var pipeline = new QuestionAnsweringPipeline(new TinyHeadsQaModel());
        const string question = "Who spake unto Moses?";
        const string context = "And the LORD spake unto Moses, saying, Speak unto the children of Israel, and say unto them, " +
            "When a man or woman shall commit any sin that men commit, to do a trespass against the LORD.";
        var tokenizer = pipeline.Tokenizer;
        int questionTokens = tokenizer.Encode(question, addSpecialTokens: false).Length;
        var contextOffsets = tokenizer.Encode(context, addSpecialTokens: false).Offsets;

        IReadOnlyList<QuestionAnsweringWindow> windows = pipeline.Windows(question, context, maxSeqLength: 24, docStride: 5);

        int perWindow = 24 - 3 - questionTokens;
        Assert.True(windows.Count > 2);
        var covered = new List<(int, int)>();
        for (int i = 0; i < windows.Count; i++)
        {
            QuestionAnsweringWindow w = windows[i];
            Assert.True(w.Length <= 24);
            Assert.Equal(Cls, w.InputIds[0]);
            Assert.Equal([Sep], new[] { w.InputIds[questionTokens + 1] });
            Assert.Equal(Sep, w.InputIds[^1]);
            var own = Enumerable.Range(0, w.Length).Where(t => w.SequenceIds[t] == 1).Select(t => w.Offsets[t]).ToList();
            if (i < windows.Count - 1) Assert.Equal(perWindow, own.Count);
            if (i > 0) Assert.Equal(covered.TakeLast(5), own.Take(5)); // doc_stride tokens shared with the previous window
            covered.AddRange(i == 0 ? own : own.Skip(5));
            Assert.All(Enumerable.Range(0, w.Length), t => Assert.Equal(w.SequenceIds[t] == 1 ? 1 : 0, w.TokenTypeIds[t] * (w.SequenceIds[t] is null && t == w.Length - 1 ? 0 : 1)));
        }
        Assert.Equal(contextOffsets, covered);
    }

    [Fact]
    public void The_pipeline_decodes_the_models_own_logits()
    {
        var model = new TinyHeadsQaModel();
        var pipeline = new QuestionAnsweringPipeline(model);
        const string question = "Where do I live?", context = "My name is Wolfgang and I live in Berlin. I am a programmer and I like music.";
        var windows = pipeline.Windows(question, context, maxSeqLength: 20, docStride: 4);
        var starts = new List<float[]>();
        var ends = new List<float[]>();
        foreach (QuestionAnsweringWindow w in windows)
        {
            var inputs = new AlbertInputs(1, w.Length, w.InputIds.Select(i => (long)i).ToArray(), w.TokenTypeIds.Select(i => (long)i).ToArray());
            AlbertOutputs o = model.Forward(inputs, AlbertOutputKinds.Logits);
            starts.Add(o.StartLogits!.Data);
            ends.Add(o.EndLogits!.Data);
        }

        var expected = QuestionAnsweringDecoder.Decode(context, windows, starts, ends, topK: 4, handleImpossibleAnswer: true);
        var actual = pipeline.Run(question, context, topK: 4, docStride: 4, maxSeqLength: 20, handleImpossibleAnswer: true);

        Assert.Equal(expected.Select(a => (a.Start, a.End, a.Answer)), actual.Select(a => (a.Start, a.End, a.Answer)));
        for (int i = 0; i < expected.Count; i++) Assert.Equal(expected[i].Score, actual[i].Score, 5);
    }

    [Fact]
    public void Bad_parameters_are_refused_as_HF_refuses_them()
    {
        var pipeline = new QuestionAnsweringPipeline(new TinyHeadsQaModel());
        Assert.Throws<ArgumentException>(() => pipeline.Run("", "context"));
        Assert.Throws<ArgumentException>(() => pipeline.Run("question", ""));
        Assert.Throws<ArgumentOutOfRangeException>(() => pipeline.Run("q", "c", topK: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => pipeline.Run("q", "c", maxAnswerLength: 0));
        Assert.Throws<ArgumentException>(() => pipeline.Run("q", "c", docStride: 40, maxSeqLength: 32));
        // A question that leaves no room for the context within max_seq_len.
        Assert.Throws<ArgumentException>(() => pipeline.Run("and he said unto him go in peace", "a b c d e f", maxSeqLength: 8));
        // A stride as long as a window's context part.
        Assert.Throws<ArgumentException>(() => pipeline.Run("q", "and he said unto him go in peace and he said unto him", maxSeqLength: 8, docStride: 4));
    }
}
