using System;
using System.Collections.Generic;
using System.Linq;

namespace AlbertAot.Tokenization;

/// <summary>One piece of a segmentation: its id and the normalized UTF-8 bytes [Start, End) it covers.</summary>
internal readonly record struct UnigramPiece(int Id, int Start, int End);

/// <summary>
/// The best segmentation of normalized text under a Unigram model, exactly as sentencepiece's
/// Model::EncodeOptimized (unigram_model.cc) finds it, ties included. About 0.1 % of ALBERT segments (runs such as
/// "zzzzzzz" or "0000000") have several segmentations of equal score; which one wins depends on sentencepiece's
/// arithmetic, so it is reproduced literally: candidates in order of start then length, the best score per end
/// position stored as float32, a candidate summed in double and taking the place only when strictly greater.
/// </summary>
internal sealed class UnigramEncoder
{
    // sentencepiece's kUnkPenalty: an <unk> node scores this much below the worst piece.
    private const float UnknownPenalty = 10.0f;

    private readonly ByteTrie _pieces;
    private readonly SentencePieceType[] _types;
    private readonly float[] _scores;
    private readonly float _maxScore;
    private readonly float _unknownScore;
    private readonly int _unkId;

    public UnigramEncoder(SentencePieceModel model)
    {
        _types = model.Types;
        _scores = model.Scores;
        _unkId = model.UnkId;
        // The lattice holds the pieces sentencepiece calls normal (its pieces_ map); UNUSED ones are then skipped.
        _pieces = new ByteTrie(Enumerable.Range(0, model.Pieces.Length)
            .Where(id => model.Types[id] is SentencePieceType.Normal or SentencePieceType.UserDefined or SentencePieceType.Unused)
            .Select(id => (model.Pieces[id], id)));
        // As in sentencepiece, over NORMAL pieces, starting from FLT_MAX and FLT_MIN (the smallest positive float).
        float minScore = float.MaxValue, maxScore = 1.17549435E-38f;
        for (int id = 0; id < _scores.Length; id++)
        {
            if (_types[id] != SentencePieceType.Normal) continue;
            minScore = Math.Min(minScore, _scores[id]);
            maxScore = Math.Max(maxScore, _scores[id]);
        }
        _maxScore = maxScore;
        _unknownScore = minScore - UnknownPenalty;
    }

    /// <summary>
    /// Segments normalized UTF-8; a run of consecutive unknown characters comes back as one piece of the UNKNOWN id
    /// (sentencepiece merges them when it builds its result).
    /// </summary>
    public List<UnigramPiece> Encode(ReadOnlySpan<byte> text)
    {
        var pieces = new List<UnigramPiece>();
        if (text.IsEmpty) return pieces;

        int size = text.Length;
        var bestScore = new float[size + 1];   // float32, as sentencepiece's BestPathNode stores it
        var bestStart = new int[size + 1];
        var bestId = new int[size + 1];
        bestStart.AsSpan().Fill(-1);

        for (int start = 0; start < size; start += Utf8Length(text, start))
        {
            float scoreHere = bestScore[start];
            int charLength = Utf8Length(text, start);
            bool hasSingleCharPiece = false;
            int node = ByteTrie.Root;
            for (int end = start + 1; end <= size; end++)
            {
                node = _pieces.Step(node, text[end - 1]);
                if (node < 0) break;
                int id = _pieces.ValueAt(node);
                if (id < 0 || _types[id] == SentencePieceType.Unused) continue;
                int length = end - start;
                // A user-defined symbol always wins: length * max_score - 0.1, a float product then a double difference.
                double score = _types[id] == SentencePieceType.UserDefined ? (double)(length * _maxScore) - 0.1 : _scores[id];
                double candidate = score + scoreHere;
                if (bestStart[end] == -1 || candidate > bestScore[end])
                {
                    bestScore[end] = (float)candidate;
                    bestStart[end] = start;
                    bestId[end] = id;
                }
                if (length == charLength) hasSingleCharPiece = true;
            }
            if (!hasSingleCharPiece)
            {
                // No piece covers this character: an <unk> node, scored in float32 as sentencepiece does.
                float candidate = _unknownScore + scoreHere;
                int end = start + charLength;
                if (bestStart[end] == -1 || candidate > bestScore[end])
                {
                    bestScore[end] = candidate;
                    bestStart[end] = start;
                    bestId[end] = _unkId;
                }
            }
        }

        for (int end = size; end > 0; end = bestStart[end]) pieces.Add(new UnigramPiece(bestId[end], bestStart[end], end));
        pieces.Reverse();
        return MergeUnknownRuns(pieces);
    }

    private List<UnigramPiece> MergeUnknownRuns(List<UnigramPiece> pieces)
    {
        int kept = 0;
        for (int i = 0; i < pieces.Count; i++)
        {
            if (kept > 0 && pieces[i].Id == _unkId && pieces[kept - 1].Id == _unkId)
                pieces[kept - 1] = pieces[kept - 1] with { End = pieces[i].End };
            else
                pieces[kept++] = pieces[i];
        }
        pieces.RemoveRange(kept, pieces.Count - kept);
        return pieces;
    }

    /// <summary>The length of the character at <paramref name="start"/>, clipped to the text (sentencepiece's mblen).</summary>
    private static int Utf8Length(ReadOnlySpan<byte> text, int start) =>
        Math.Min(SentencePieceNormalizer.Utf8CharLength(text[start]), text.Length - start);
}
