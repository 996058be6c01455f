using System.Collections.Generic;

namespace AlbertAot.Pipelines;

/// <summary>
/// One candidate for one <c>[MASK]</c>: what HF's fill-mask pipeline returns as <c>{"score", "token", "token_str",
/// "sequence"}</c>.
/// </summary>
/// <param name="Sequence">
/// The input with this candidate in place of the mask, decoded as HF does: special tokens skipped when the text has one
/// mask; when it has several, special tokens kept (so the other masks stay visible as <c>[MASK]</c>, along with
/// <c>[CLS]</c> and <c>[SEP]</c>). No clean-up of tokenization spaces.
/// </param>
/// <param name="Score">The candidate's probability: the softmax of the MLM logits over the whole vocabulary (with
/// targets too: they select among those probabilities, they do not renormalise them).</param>
/// <param name="Token">The candidate's token id.</param>
/// <param name="TokenStr">The candidate decoded alone (HF's <c>decode([token])</c>), e.g. <c>"model"</c> for <c>▁model</c>.</param>
public sealed record FillMaskResult(string Sequence, float Score, int Token, string TokenStr);

/// <summary>
/// Fill-mask targets resolved to token ids as HF's <c>FillMaskPipeline.get_target_ids</c> does.
/// </summary>
/// <param name="Ids">The distinct ids, in the order their targets first appeared.</param>
/// <param name="Warnings">HF's warnings, one per target that is not a vocabulary entry (replaced by the first token of
/// its tokenization, or ignored when it tokenizes to nothing).</param>
public sealed record FillMaskTargets(IReadOnlyList<int> Ids, IReadOnlyList<string> Warnings);
