using System;
using System.Collections.Generic;
using System.Linq;
using AlbertAot.Runtime;
using AlbertAot.Tokenization;

namespace AlbertAot.Pipelines;

/// <summary>One choice with its score.</summary>
/// <param name="Index">The choice's position in the list given.</param>
/// <param name="Choice">The choice's text.</param>
/// <param name="Score">softmax over the choices' logits.</param>
/// <param name="Logit">The choice's raw logit (HF's <c>logits[0, Index]</c>).</param>
public sealed record MultipleChoiceResult(int Index, string Choice, float Score, float Logit);

/// <summary>
/// Multiple choice as HF's documentation runs <c>AlbertForMultipleChoice</c>: each choice paired with the prompt
/// (<c>[CLS] prompt [SEP] choice [SEP]</c>), the pairs padded into one [1, choices, seq] input, the choices' logits
/// turned into probabilities. HF has no pipeline for it. Thread-safe when built without a session.
/// </summary>
public sealed class MultipleChoicePipeline : TextPipeline<IMultipleChoiceModel>
{
    /// <exception cref="InvalidOperationException">The model was compiled without a tokenizer.</exception>
    public MultipleChoicePipeline(IMultipleChoiceModel model, AlbertSession? session = null) : base(model, session, "Multiple choice") { }

    /// <summary>The choices for <paramref name="prompt"/>, most probable first.</summary>
    /// <param name="maxLength">Truncate each pair to this many tokens (longest_first); null: no truncation.</param>
    /// <exception cref="ArgumentException">No choices.</exception>
    public IReadOnlyList<MultipleChoiceResult> Run(string prompt, IReadOnlyList<string> choices, int? maxLength = null)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(choices);
        if (choices.Count == 0) throw new ArgumentException("Give at least one choice.", nameof(choices));
        IReadOnlyList<AlbertEncoding> encodings = Tokenizer.EncodeBatch(Enumerable.Repeat(prompt, choices.Count).ToArray(), choices, maxLength,
            AlbertPadding.Longest);
        AlbertInputs rows = AlbertInputs.FromEncodings(encodings);
        AlbertInputs inputs = AlbertInputs.FromChoices(1, choices.Count, rows.SequenceLength, rows.InputIds, rows.TokenTypeIds, rows.AttentionMask);
        FloatTensor logits = Runner.Forward(inputs, AlbertOutputKinds.Logits).Logits!;
        float[] row = logits.Row(0).ToArray();
        double[] p = PipelineText.Softmax(row);
        var results = new MultipleChoiceResult[choices.Count];
        for (int i = 0; i < results.Length; i++) results[i] = new MultipleChoiceResult(i, choices[i], (float)p[i], row[i]);
        return results.OrderByDescending(r => r.Score).ToArray();
    }
}
