using System;
using System.Collections.Generic;
using AlbertAot.Runtime;
using AlbertAot.Tokenization;

namespace AlbertAot.Pipelines;

/// <summary>
/// HF's <c>pipeline("fill-mask")</c> on a compiled ALBERT model: for each <c>[MASK]</c> of a text, the <c>top_k</c> most
/// probable tokens (or the most probable of <c>targets</c>) with HF's <c>score</c>, <c>token</c>, <c>token_str</c> and
/// <c>sequence</c>. The encoder runs once per call (once per batch); the MLM head only at the masked positions.
/// Thread-safe when built without a session (the model is); a session serves one call at a time.
/// </summary>
/// <remarks>
/// Scores are the softmax over the whole vocabulary, computed in double from the model's float32 logits. Candidates
/// are ordered by score, highest first; equal scores (equal logits) go lower token id first. torch.topk, which HF
/// uses, gives no order for exact ties, so no ordering can promise more there.
/// </remarks>
public sealed class FillMaskPipeline
{
    /// <summary>HF's default <c>top_k</c>.</summary>
    public const int DefaultTopK = 5;

    private readonly PipelineRunner _runner;

    /// <summary>A fill-mask pipeline over <paramref name="model"/>, run through <paramref name="session"/> when one is
    /// given (a session of the same model, e.g. with several threads).</summary>
    /// <exception cref="InvalidOperationException">The model has no tokenizer or no MLM head, or its tokenizer cannot
    /// name every id of its vocabulary.</exception>
    public FillMaskPipeline(IAlbertModel model, AlbertSession? session = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        string name = model.Config.CheckpointName;
        if (!model.HasMlmHead)
            throw new InvalidOperationException(
                $"Fill-mask needs the MLM head (predictions.*), and checkpoint '{name}' has none: it is an AlbertModel, not an AlbertForMaskedLM.");
        Tokenizer = model.Tokenizer ?? throw new InvalidOperationException(
            $"Fill-mask reads and writes text, and checkpoint '{name}' was compiled without a tokenizer: give its AlbertCheckpoint a spiece.model (or Tokenizer=\"...\").");
        if (Tokenizer.VocabSize < model.Config.VocabSize)
            throw new InvalidOperationException(
                $"The tokenizer of '{name}' has {Tokenizer.VocabSize} pieces but the model predicts {model.Config.VocabSize} ids: predictions could not be written as text.");
        Model = model;
        _runner = new PipelineRunner(model, session);
    }

    public IAlbertModel Model { get; }

    public AlbertTokenizer Tokenizer { get; }

    /// <summary>
    /// HF's <c>fill_mask(text, top_k=topK, targets=targets)</c> for a text with one or more <c>[MASK]</c>: one list of
    /// candidates per mask, in the order of the masks in the text. (HF returns the bare list when there is one mask;
    /// <see cref="RunSingleMask"/> does that.)
    /// </summary>
    /// <param name="topK">How many candidates per mask (HF's top_k), at most the number of distinct targets when
    /// targets are given, and at most the vocabulary size.</param>
    /// <param name="targets">HF's targets: only these words are scored (see <see cref="ResolveTargets"/>).</param>
    /// <param name="maxLength">Truncate the tokenized text to this many tokens (HF's tokenizer_kwargs
    /// <c>{"truncation": True, "max_length": N}</c>); null: no truncation.</param>
    /// <exception cref="ArgumentException">The text has no <c>[MASK]</c>, or no target gives a token.</exception>
    public IReadOnlyList<IReadOnlyList<FillMaskResult>> Run(string text, int topK = DefaultTopK, IReadOnlyList<string>? targets = null, int? maxLength = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Run([text], topK, targets, maxLength)[0];
    }

    /// <summary>
    /// <see cref="Run(string, int, IReadOnlyList{string}, int?)"/> for a text with exactly one <c>[MASK]</c>: its candidates,
    /// best first, as HF returns them for such a text.
    /// </summary>
    /// <exception cref="ArgumentException">The text has no <c>[MASK]</c>, or more than one.</exception>
    public IReadOnlyList<FillMaskResult> RunSingleMask(string text, int topK = DefaultTopK, IReadOnlyList<string>? targets = null, int? maxLength = null)
    {
        IReadOnlyList<IReadOnlyList<FillMaskResult>> perMask = Run(text, topK, targets, maxLength);
        if (perMask.Count != 1)
            throw new ArgumentException(
                $"The text has {perMask.Count} {AlbertTokenizer.MaskToken} tokens; RunSingleMask takes exactly one (Run gives one list per mask).", nameof(text));
        return perMask[0];
    }

    /// <summary>
    /// Several texts in one forward pass (padded to the longest): for each text, what
    /// <see cref="Run(string, int, IReadOnlyList{string}, int?)"/> gives for it alone.
    /// </summary>
    /// <exception cref="ArgumentException">The list is empty, or a text has no <c>[MASK]</c> (the message says which).</exception>
    public IReadOnlyList<IReadOnlyList<IReadOnlyList<FillMaskResult>>> Run(IReadOnlyList<string> texts, int topK = DefaultTopK, IReadOnlyList<string>? targets = null, int? maxLength = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count == 0) throw new ArgumentException("The list of texts is empty.", nameof(texts));
        var encodings = new AlbertEncoding[texts.Count];
        for (int i = 0; i < texts.Count; i++)
        {
            string text = texts[i] ?? throw new ArgumentException($"Text {i} is null.", nameof(texts));
            encodings[i] = Tokenizer.Encode(text, maxLength: maxLength);
        }
        return Predict(PipelineBatch.FromEncodings(encodings, Tokenizer.PadId), topK, targets, "text");
    }

    /// <summary>Fill-mask on pre-tokenized ids (with the special tokens, e.g. <c>[2, ..., 4, ..., 3]</c>), token types 0.</summary>
    /// <exception cref="ArgumentException">The ids hold no <c>[MASK]</c> id.</exception>
    public IReadOnlyList<IReadOnlyList<FillMaskResult>> RunIds(IReadOnlyList<int> inputIds, int topK = DefaultTopK, IReadOnlyList<string>? targets = null)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        return RunIds([inputIds], topK, targets)[0];
    }

    /// <summary>Fill-mask on several pre-tokenized rows of any lengths, in one forward pass.</summary>
    /// <exception cref="ArgumentException">A row is empty or holds no <c>[MASK]</c> id.</exception>
    public IReadOnlyList<IReadOnlyList<IReadOnlyList<FillMaskResult>>> RunIds(IReadOnlyList<IReadOnlyList<int>> inputIds, int topK = DefaultTopK, IReadOnlyList<string>? targets = null)
    {
        PipelineBatch batch = PipelineBatch.FromIds(inputIds, null, Tokenizer.PadId);
        foreach (int[] row in batch.Rows)
            foreach (int id in row)
                if ((uint)id >= (uint)Model.Config.VocabSize)
                    throw new ArgumentOutOfRangeException(nameof(inputIds), id, $"Token ids run from 0 to {Model.Config.VocabSize - 1}.");
        return Predict(batch, topK, targets, "ids");
    }

    /// <summary>
    /// HF's <c>get_target_ids</c>: a target that is a vocabulary entry as written (e.g. <c>"▁the"</c>, or <c>"king"</c>,
    /// a piece that continues a word) is that entry; any other (e.g. <c>"The"</c>, <c>"LORD"</c>) is tokenized without
    /// special tokens and its first token used, with a warning; one that tokenizes to nothing is ignored, with a
    /// warning. Duplicates count once.
    /// </summary>
    /// <exception cref="ArgumentException">No target gives a token (HF: "At least one target must be provided when passed.").</exception>
    public FillMaskTargets ResolveTargets(IReadOnlyList<string> targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var ids = new List<int>();
        var seen = new HashSet<int>();
        var warnings = new List<string>();
        foreach (string target in targets)
        {
            ArgumentNullException.ThrowIfNull(target, nameof(targets));
            int? id = Tokenizer.TokenToId(target);
            if (id is null)
            {
                int[] pieces = Tokenizer.Encode(target, addSpecialTokens: false).InputIds;
                if (pieces.Length == 0)
                {
                    warnings.Add($"The specified target token `{target}` does not exist in the model vocabulary. We cannot replace it with anything meaningful, ignoring it");
                    continue;
                }
                id = pieces[0];
                warnings.Add($"The specified target token `{target}` does not exist in the model vocabulary. Replacing with `{Tokenizer.IdToToken(id.Value)}`.");
            }
            if ((uint)id.Value >= (uint)Model.Config.VocabSize)
                throw new ArgumentException($"Target `{target}` is token {id.Value}, outside the model's {Model.Config.VocabSize} ids.", nameof(targets));
            if (seen.Add(id.Value)) ids.Add(id.Value);
        }
        if (ids.Count == 0)
            throw new ArgumentException($"No target gives a token ({targets.Count} given): at least one target must be provided when passed.", nameof(targets));
        return new FillMaskTargets(ids, warnings);
    }

    private IReadOnlyList<IReadOnlyList<IReadOnlyList<FillMaskResult>>> Predict(PipelineBatch batch, int topK, IReadOnlyList<string>? targets, string itemName)
    {
        if (topK < 0) throw new ArgumentOutOfRangeException(nameof(topK), topK, "top_k must be 0 or more.");
        int[]? targetIds = targets is null ? null : [.. ResolveTargets(targets).Ids];
        int vocab = Model.Config.VocabSize;
        int k = Math.Min(topK, targetIds?.Length ?? vocab);

        // Every [MASK] of every row, in order.
        var positions = new List<(int Batch, int Position)>();
        var masksPerRow = new int[batch.Rows.Length];
        for (int b = 0; b < batch.Rows.Length; b++)
        {
            int[] row = batch.Rows[b];
            int before = positions.Count;
            for (int s = 0; s < row.Length; s++)
                if (row[s] == Tokenizer.MaskId) positions.Add((b, s));
            masksPerRow[b] = positions.Count - before;
            if (masksPerRow[b] == 0)
            {
                string what = (itemName, batch.Rows.Length) switch
                {
                    ("text", 1) => $"The text has no {AlbertTokenizer.MaskToken} token",
                    ("text", _) => $"Text {b} has no {AlbertTokenizer.MaskToken} token",
                    (_, 1) => $"The ids hold no {AlbertTokenizer.MaskToken} (id {Tokenizer.MaskId})",
                    _ => $"Row {b} of the ids holds no {AlbertTokenizer.MaskToken} (id {Tokenizer.MaskId})",
                };
                throw new ArgumentException($"{what}: fill-mask predicts the token at each {AlbertTokenizer.MaskToken}, so give at least one.");
            }
        }

        FloatTensor logits = _runner.MlmLogitsAt(batch.Inputs, positions.ToArray());

        var results = new IReadOnlyList<FillMaskResult>[batch.Rows.Length][];
        int p = 0;
        for (int b = 0; b < batch.Rows.Length; b++)
        {
            bool singleMask = masksPerRow[b] == 1;
            results[b] = new IReadOnlyList<FillMaskResult>[masksPerRow[b]];
            for (int m = 0; m < masksPerRow[b]; m++, p++)
            {
                ReadOnlySpan<float> row = logits.Row(p);
                double max = double.NegativeInfinity;
                foreach (float value in row) max = Math.Max(max, value);
                double sum = 0;
                foreach (float value in row) sum += Math.Exp(value - max);

                int[] best = TopK(row, targetIds, k);
                var candidates = new FillMaskResult[best.Length];
                for (int c = 0; c < best.Length; c++)
                {
                    int token = best[c];
                    float score = (float)(Math.Exp(row[token] - max) / sum);
                    candidates[c] = new FillMaskResult(Sequence(batch.Rows[b], positions[p].Position, token, singleMask), score, token,
                        Tokenizer.Decode([token], skipSpecialTokens: false));
                }
                results[b][m] = candidates;
            }
        }
        return results;
    }

    /// <summary>HF's sequence: the ids with this token at the mask, padding removed, decoded (special tokens skipped
    /// only for a text with a single mask).</summary>
    private string Sequence(int[] ids, int maskPosition, int token, bool singleMask)
    {
        var tokens = new List<int>(ids.Length);
        for (int s = 0; s < ids.Length; s++)
        {
            int id = s == maskPosition ? token : ids[s];
            if (id != Tokenizer.PadId) tokens.Add(id);
        }
        return Tokenizer.Decode(tokens.ToArray(), skipSpecialTokens: singleMask);
    }

    /// <summary>The k best of the candidates (all ids when null): highest logit first, lower id first on a tie.</summary>
    internal static int[] TopK(ReadOnlySpan<float> logits, int[]? candidates, int k)
    {
        int count = candidates?.Length ?? logits.Length;
        k = Math.Min(k, count);
        if (k == 0) return [];
        if (k > 64)
        {
            var all = new int[count];
            for (int i = 0; i < count; i++) all[i] = candidates?[i] ?? i;
            float[] keys = logits.ToArray();
            Array.Sort(all, (a, b) => Better(keys, a, b) ? -1 : Better(keys, b, a) ? 1 : 0);
            return all[..k];
        }
        var top = new int[k];
        int filled = 0;
        for (int i = 0; i < count; i++)
        {
            int id = candidates?[i] ?? i;
            if (filled == k && !Better(logits, id, top[k - 1])) continue;
            int at = filled < k ? filled++ : k - 1;
            while (at > 0 && Better(logits, id, top[at - 1]))
            {
                top[at] = top[at - 1];
                at--;
            }
            top[at] = id;
        }
        return top;
    }

    private static bool Better(ReadOnlySpan<float> logits, int a, int b) => logits[a] > logits[b] || (logits[a] == logits[b] && a < b);

}
