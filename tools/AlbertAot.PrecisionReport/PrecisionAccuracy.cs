using System;
using System.Collections.Generic;

namespace AlbertAot.PrecisionReport;

/// <summary>
/// How far a reduced-precision output is from the float32 one: the numbers issue 8's accuracy report and the precision
/// tests pin (the tests link this file, so both measure the same way). All sums in float64.
/// </summary>
public sealed class PrecisionAccuracy
{
    private double _sumAbs, _maxAbs, _minCosine = double.PositiveInfinity, _sumCosine;
    private long _values, _rows;

    /// <summary>Values compared so far.</summary>
    public long Values => _values;

    /// <summary>Rows (tokens) compared so far.</summary>
    public long Rows => _rows;

    /// <summary>Largest |reference − actual| over every value.</summary>
    public double MaxAbsError => _maxAbs;

    /// <summary>Mean |reference − actual| over every value.</summary>
    public double MeanAbsError => _values == 0 ? 0 : _sumAbs / _values;

    /// <summary>Smallest cosine similarity of a row (a token's hidden state, or a position's logits) to its reference.</summary>
    public double MinCosine => _rows == 0 ? 1 : _minCosine;

    /// <summary>Mean cosine similarity per row.</summary>
    public double MeanCosine => _rows == 0 ? 1 : _sumCosine / _rows;

    /// <summary>
    /// Adds rows of <paramref name="width"/> values. A NaN or infinity in either side makes every statistic NaN (a
    /// broken output never passes a budget).
    /// </summary>
    public void Add(ReadOnlySpan<float> reference, ReadOnlySpan<float> actual, int width)
    {
        if (reference.Length != actual.Length)
            throw new ArgumentException($"The reference has {reference.Length} values, the output {actual.Length}.", nameof(actual));
        if (width <= 0 || reference.Length % width != 0)
            throw new ArgumentException($"{reference.Length} values are not rows of {width}.", nameof(width));
        for (int r = 0; r < reference.Length; r += width)
        {
            double dot = 0, nr = 0, na = 0;
            for (int i = r; i < r + width; i++)
            {
                double x = reference[i], y = actual[i], d = Math.Abs(x - y);
                if (!double.IsFinite(x) || !double.IsFinite(y)) d = double.NaN;
                _sumAbs += d;
                _maxAbs = double.IsNaN(d) || double.IsNaN(_maxAbs) ? double.NaN : Math.Max(_maxAbs, d);
                dot += x * y;
                nr += x * x;
                na += y * y;
            }
            // Two zero rows agree exactly; one zero row against a non-zero one is orthogonal.
            double cosine = nr == 0 && na == 0 ? 1 : nr == 0 || na == 0 ? 0 : dot / Math.Sqrt(nr * na);
            _minCosine = double.IsNaN(cosine) || double.IsNaN(_minCosine) ? double.NaN : Math.Min(_minCosine, cosine);
            _sumCosine += cosine;
            _rows++;
            _values += width;
        }
    }

    /// <summary>The <paramref name="k"/> largest logits' indices, largest first (ties: the smaller index first, as torch.topk on CPU).</summary>
    public static int[] TopK(ReadOnlySpan<float> logits, int k)
    {
        if (k <= 0 || k > logits.Length) throw new ArgumentOutOfRangeException(nameof(k), k, $"Must be in [1, {logits.Length}].");
        var best = new List<int>(k + 1);
        for (int i = 0; i < logits.Length; i++)
        {
            if (best.Count == k && !(logits[i] > logits[best[k - 1]])) continue;
            int at = best.Count;
            while (at > 0 && logits[i] > logits[best[at - 1]]) at--;
            best.Insert(at, i);
            if (best.Count > k) best.RemoveAt(k);
        }
        return best.ToArray();
    }

    /// <summary>|a ∩ b| for two top-k lists.</summary>
    public static int Overlap(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int common = 0;
        foreach (int x in a)
            if (b.Contains(x)) common++;
        return common;
    }

    public override string ToString() =>
        $"max |err| {MaxAbsError:G3}, mean |err| {MeanAbsError:G3}, cosine min {MinCosine:F6} mean {MeanCosine:F6} over {Rows} rows";
}
