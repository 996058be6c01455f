using System;
using System.Collections.Generic;
using System.Linq;
using AlbertAot.Runtime;
using AlbertAot.Tokenization;

namespace AlbertAot.Pipelines;

/// <summary>HF's <c>aggregation_strategy</c> of the token-classification pipeline.</summary>
public enum AggregationStrategy
{
    /// <summary><c>"none"</c>: one entity per token, with its <c>index</c>.</summary>
    None,
    /// <summary><c>"simple"</c>: consecutive tokens of one tag grouped (B- starts a new group).</summary>
    Simple,
    /// <summary><c>"first"</c>: words take the label of their first token, then grouped as simple.</summary>
    First,
    /// <summary><c>"average"</c>: words take the label of their tokens' average scores, then grouped.</summary>
    Average,
    /// <summary><c>"max"</c>: words take the label of their most confident token, then grouped.</summary>
    Max,
}

/// <summary>
/// One entity, as HF's token-classification pipeline returns it: <c>{"entity", "score", "index", "word", "start",
/// "end"}</c> for <see cref="AggregationStrategy.None"/> (<see cref="Index"/> set), <c>{"entity_group", "score", "word",
/// "start", "end"}</c> otherwise (<see cref="Index"/> null).
/// </summary>
/// <param name="Entity">The label (<c>entity</c>), or for a group its tag without the B-/I- prefix (<c>entity_group</c>).</param>
/// <param name="Index">The token's position in the model's input ([CLS] is 0); null for groups.</param>
/// <param name="Word">The token (e.g. <c>"▁my"</c>), or the group's tokens joined by the tokenizer's decoder.</param>
/// <param name="Start">Where the entity starts in the text, in UTF-16 units (<c>text[Start..End]</c>); HF's offsets count
/// code points (<see cref="PipelineText.ToCodePointIndex"/>).</param>
/// <param name="End">Where it ends (exclusive), in UTF-16 units.</param>
public sealed record TokenClassificationEntity(string Entity, float Score, int? Index, string Word, int Start, int End)
{
    /// <summary>Whether this is an aggregated group (<c>entity_group</c>) rather than a token.</summary>
    public bool IsGroup => Index is null;
}

/// <summary>
/// A token as the token-classification post-processing sees it: its id, its vocabulary entry, its span in the text
/// (UTF-16) and whether the tokenizer added it (<c>[CLS]</c>, <c>[SEP]</c>: HF's special_tokens_mask).
/// </summary>
public readonly record struct PipelineToken(int Id, string Token, int Start, int End, bool IsSpecial);

/// <summary>
/// HF's <c>pipeline("token-classification")</c> (transformers 4.46.3, fast tokenizer) on a compiled token-classification
/// model: the entities of a text with HF's aggregation strategies, ignored labels, and character offsets into the
/// original text. Texts longer than the model's positions are truncated (HF truncates to the tokenizer's maximum).
/// Thread-safe when built without a session.
/// </summary>
public sealed class TokenClassificationPipeline : TextPipeline<ITokenClassificationModel>
{
    /// <summary>HF's default <c>ignore_labels</c>.</summary>
    public static readonly IReadOnlyList<string> DefaultIgnoreLabels = ["O"];

    /// <exception cref="InvalidOperationException">The model was compiled without a tokenizer.</exception>
    public TokenClassificationPipeline(ITokenClassificationModel model, AlbertSession? session = null) : base(model, session, "Token classification") { }

    /// <summary>
    /// HF's <c>ner(text, aggregation_strategy=..., ignore_labels=...)</c>: the entities of the text, in text order.
    /// </summary>
    /// <param name="ignoreLabels">Labels (or groups) left out; null: HF's default <c>["O"]</c>.</param>
    public IReadOnlyList<TokenClassificationEntity> Run(string text, AggregationStrategy aggregationStrategy = AggregationStrategy.None,
        IReadOnlyCollection<string>? ignoreLabels = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Run([text], aggregationStrategy, ignoreLabels)[0];
    }

    /// <summary>Several texts in one forward pass; each result equals that text's alone.</summary>
    public IReadOnlyList<IReadOnlyList<TokenClassificationEntity>> Run(IReadOnlyList<string> texts,
        AggregationStrategy aggregationStrategy = AggregationStrategy.None, IReadOnlyCollection<string>? ignoreLabels = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count == 0) throw new ArgumentException("The list of texts is empty.", nameof(texts));
        IReadOnlyList<AlbertEncoding> encodings = Tokenizer.EncodeBatch(texts, null, Model.Config.MaxPositionEmbeddings, AlbertPadding.None);
        PipelineBatch batch = PipelineBatch.FromEncodings(encodings, Tokenizer.PadId);
        FloatTensor logits = Runner.Forward(batch.Inputs, AlbertOutputKinds.Logits).Logits!;
        int labels = Model.Labels.Count, seq = batch.Inputs.SequenceLength;
        var results = new IReadOnlyList<TokenClassificationEntity>[texts.Count];
        for (int b = 0; b < results.Length; b++)
        {
            AlbertEncoding e = encodings[b];
            var tokens = new PipelineToken[e.Length];
            for (int t = 0; t < tokens.Length; t++)
                tokens[t] = new PipelineToken(e.InputIds[t], e.Tokens[t], e.Offsets[t].Start, e.Offsets[t].End, e.SequenceIds[t] is null);
            results[b] = TokenClassificationDecoder.Decode(texts[b], tokens, logits.Data.AsSpan(b * seq * labels, e.Length * labels),
                Model.Labels, Tokenizer.UnkId, aggregationStrategy, ignoreLabels);
        }
        return results;
    }
}

/// <summary>
/// HF TokenClassificationPipeline's post-processing (gather_pre_entities, aggregate, group_entities, the ignore_labels
/// filter) on one text's logits, separate from the model so it can be checked on logits whose answers are known.
/// </summary>
public static class TokenClassificationDecoder
{
    private sealed class PreEntity(string word, double[] scores, int start, int end, int index, bool isSubword)
    {
        public string Word { get; } = word;
        public double[] Scores { get; } = scores;
        public int Start { get; } = start;
        public int End { get; } = end;
        public int Index { get; } = index;
        public bool IsSubword { get; } = isSubword;
    }

    private sealed record Scored(string Entity, double Score, int Index, string Word, int Start, int End);

    /// <param name="text">The text the tokens' offsets point into.</param>
    /// <param name="tokens">Every token of the model's input, in order.</param>
    /// <param name="logits">[tokens, labels], row-major.</param>
    /// <param name="unkId">The tokenizer's <c>&lt;unk&gt;</c> id: such a token's word is its text, and it starts a word.</param>
    /// <param name="ignoreLabels">null: <c>["O"]</c>.</param>
    public static IReadOnlyList<TokenClassificationEntity> Decode(string text, IReadOnlyList<PipelineToken> tokens, ReadOnlySpan<float> logits,
        IReadOnlyList<string> labels, int unkId, AggregationStrategy strategy, IReadOnlyCollection<string>? ignoreLabels = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count == 0 || logits.Length != tokens.Count * labels.Count)
            throw new ArgumentException($"{logits.Length} logits for {tokens.Count} tokens × {labels.Count} labels.", nameof(logits));
        if (strategy is < AggregationStrategy.None or > AggregationStrategy.Max)
            throw new ArgumentOutOfRangeException(nameof(strategy), strategy, "Not an AggregationStrategy.");
        ignoreLabels ??= TokenClassificationPipeline.DefaultIgnoreLabels;

        // gather_pre_entities: every token but the added specials, with its softmax scores.
        var pre = new List<PreEntity>();
        for (int i = 0; i < tokens.Count; i++)
        {
            PipelineToken t = tokens[i];
            if (t.IsSpecial) continue;
            double[] scores = PipelineText.Softmax(logits.Slice(i * labels.Count, labels.Count));
            string word = t.Token;
            // HF's fallback for tokenizers without a continuing-subword prefix: a sub-word when neither the character
            // before the token nor its first character is a space.
            bool isSubword = t.Start > 0 && text[t.Start - 1] != ' ' && (t.Start >= text.Length || text[t.Start] != ' ');
            if (t.Id == unkId)
            {
                word = text[t.Start..t.End];
                isSubword = false;
            }
            pre.Add(new PreEntity(word, scores, t.Start, t.End, i, isSubword));
        }

        List<Scored> entities;
        if (strategy is AggregationStrategy.None or AggregationStrategy.Simple)
        {
            entities = pre.Select(p =>
            {
                int best = ArgMax(p.Scores);
                return new Scored(labels[best], p.Scores[best], p.Index, p.Word, p.Start, p.End);
            }).ToList();
        }
        else entities = AggregateWords(pre, strategy, labels);

        var results = new List<TokenClassificationEntity>();
        if (strategy == AggregationStrategy.None)
        {
            foreach (Scored e in entities)
                if (!ignoreLabels.Contains(e.Entity)) results.Add(new TokenClassificationEntity(e.Entity, (float)e.Score, e.Index, e.Word, e.Start, e.End));
            return results;
        }
        foreach (TokenClassificationEntity group in GroupEntities(entities))
            if (!ignoreLabels.Contains(group.Entity)) results.Add(group);
        return results;
    }

    /// <summary>aggregate_words: tokens into words (a word goes on while tokens are sub-words), each word one entity.</summary>
    private static List<Scored> AggregateWords(List<PreEntity> pre, AggregationStrategy strategy, IReadOnlyList<string> labels)
    {
        var words = new List<Scored>();
        var group = new List<PreEntity>();
        foreach (PreEntity p in pre)
        {
            if (group.Count > 0 && !p.IsSubword)
            {
                words.Add(AggregateWord(group, strategy, labels));
                group.Clear();
            }
            group.Add(p);
        }
        if (group.Count > 0) words.Add(AggregateWord(group, strategy, labels));
        return words;
    }

    private static Scored AggregateWord(List<PreEntity> tokens, AggregationStrategy strategy, IReadOnlyList<string> labels)
    {
        string word = PipelineText.TokensToString(tokens.Select(t => t.Word));
        double[] scores;
        switch (strategy)
        {
            case AggregationStrategy.First:
                scores = tokens[0].Scores;
                break;
            case AggregationStrategy.Max:
                // Python's max: the first token whose best score is highest.
                PreEntity best = tokens[0];
                foreach (PreEntity t in tokens)
                    if (t.Scores.Max() > best.Scores.Max()) best = t;
                scores = best.Scores;
                break;
            default: // Average
                scores = new double[labels.Count];
                foreach (PreEntity t in tokens)
                    for (int l = 0; l < scores.Length; l++) scores[l] += t.Scores[l];
                for (int l = 0; l < scores.Length; l++) scores[l] /= tokens.Count;
                break;
        }
        int label = ArgMax(scores);
        return new Scored(labels[label], scores[label], -1, word, tokens[0].Start, tokens[^1].End);
    }

    /// <summary>group_entities: consecutive entities of one tag form a group; a B- tag (or another tag) starts a new one.</summary>
    private static List<TokenClassificationEntity> GroupEntities(List<Scored> entities)
    {
        var groups = new List<TokenClassificationEntity>();
        var current = new List<Scored>();
        foreach (Scored e in entities)
        {
            if (current.Count > 0)
            {
                var (bi, tag) = Tag(e.Entity);
                var (_, lastTag) = Tag(current[^1].Entity);
                if (tag != lastTag || bi == 'B')
                {
                    groups.Add(Group(current));
                    current.Clear();
                }
            }
            current.Add(e);
        }
        if (current.Count > 0) groups.Add(Group(current));
        return groups;
    }

    /// <summary>group_sub_entities: the first entity's label after its first "-", the mean score, the words decoded together.</summary>
    private static TokenClassificationEntity Group(List<Scored> entities)
    {
        string label = entities[0].Entity;
        int dash = label.IndexOf('-', StringComparison.Ordinal);
        string entityGroup = dash >= 0 ? label[(dash + 1)..] : label;
        double score = entities.Average(e => e.Score);
        return new TokenClassificationEntity(entityGroup, (float)score, null, PipelineText.TokensToString(entities.Select(e => e.Word)),
            entities[0].Start, entities[^1].End);
    }

    /// <summary>get_tag: ("B", tag) for B-tag, ("I", tag) for I-tag, ("I", label) for anything else.</summary>
    private static (char Bi, string Tag) Tag(string label) =>
        label.StartsWith("B-", StringComparison.Ordinal) ? ('B', label[2..])
        : label.StartsWith("I-", StringComparison.Ordinal) ? ('I', label[2..])
        : ('I', label);

    /// <summary>numpy's argmax: the first index of the largest value.</summary>
    private static int ArgMax(double[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }
}
