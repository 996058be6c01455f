using System;
using System.IO;
using System.Text.Json;
using AlbertAot.Weights;

namespace AlbertAot.Tests.Reference;

/// <summary>
/// ALBERT's forward pass as plain float64 loops over a checkpoint read from disk: no generator, no kernels, no
/// shared code with the runtime beyond the file reader. It is checked against the fixtures' expected outputs, then
/// used as the reference for checkpoints that have none (the albert-base-v1-shaped random checkpoint).
/// </summary>
internal sealed class ScalarAlbert
{
    private readonly SafetensorsFile _weights;
    private readonly string _prefix;
    private readonly int _vocab, _e, _h, _layers, _groups, _inner, _heads, _i;
    private readonly double _eps;
    private readonly string _act;

    public ScalarAlbert(string checkpointDirectory)
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(checkpointDirectory, "config.json")));
        JsonElement c = config.RootElement;
        _vocab = c.GetProperty("vocab_size").GetInt32();
        _e = c.GetProperty("embedding_size").GetInt32();
        _h = c.GetProperty("hidden_size").GetInt32();
        _layers = c.GetProperty("num_hidden_layers").GetInt32();
        _groups = c.GetProperty("num_hidden_groups").GetInt32();
        _inner = c.GetProperty("inner_group_num").GetInt32();
        _heads = c.GetProperty("num_attention_heads").GetInt32();
        _i = c.GetProperty("intermediate_size").GetInt32();
        _eps = c.GetProperty("layer_norm_eps").GetDouble();
        _act = c.GetProperty("hidden_act").GetString()!;
        _weights = SafetensorsFile.Read(Path.Combine(checkpointDirectory, "model.safetensors"));
        _prefix = _weights.Contains("albert.embeddings.word_embeddings.weight") ? "albert." : "";
    }

    public int HiddenSize => _h;

    /// <summary>last_hidden_state [seq, H] of one sequence (mask: 1 attend, 0 padding).</summary>
    public double[,] Encode(long[] ids, long[] types, long[] mask)
    {
        int seq = ids.Length;
        float[] word = W("embeddings.word_embeddings.weight", true), pos = W("embeddings.position_embeddings.weight", true),
            type = W("embeddings.token_type_embeddings.weight", true);
        var x = new double[seq, _e];
        for (int s = 0; s < seq; s++)
            for (int k = 0; k < _e; k++)
                x[s, k] = word[ids[s] * _e + k] + (double)pos[s * _e + k] + type[types[s] * _e + k];
        x = LayerNorm(x, W("embeddings.LayerNorm.weight", true), W("embeddings.LayerNorm.bias", true));
        double[,] h = Linear(x, W("encoder.embedding_hidden_mapping_in.weight", true), W("encoder.embedding_hidden_mapping_in.bias", true));

        for (int layer = 0; layer < _layers; layer++)
        {
            int g = (int)(layer / ((double)_layers / _groups));
            for (int inner = 0; inner < _inner; inner++)
                h = Layer(h, mask, $"encoder.albert_layer_groups.{g}.albert_layers.{inner}.");
        }
        return h;
    }

    /// <summary>pooler_output: tanh(W·h[0] + b).</summary>
    public double[] Pool(double[,] hidden)
    {
        var cls = new double[1, _h];
        for (int k = 0; k < _h; k++) cls[0, k] = hidden[0, k];
        double[,] p = Linear(cls, W("pooler.weight", true), W("pooler.bias", true));
        var result = new double[_h];
        for (int k = 0; k < _h; k++) result[k] = Math.Tanh(p[0, k]);
        return result;
    }

    /// <summary>MLM logits at one position: dense, activation, LayerNorm, tied decoder + bias.</summary>
    public double[] MlmLogits(double[,] hidden, int position)
    {
        var row = new double[1, _h];
        for (int k = 0; k < _h; k++) row[0, k] = hidden[position, k];
        double[,] t = Linear(row, W("predictions.dense.weight", false), W("predictions.dense.bias", false));
        Activate(t);
        t = LayerNorm(t, W("predictions.LayerNorm.weight", false), W("predictions.LayerNorm.bias", false));
        float[] decoder = W("embeddings.word_embeddings.weight", true);
        float[] bias = _weights.Contains("predictions.bias") ? W("predictions.bias", false) : W("predictions.decoder.bias", false);
        var logits = new double[_vocab];
        for (int v = 0; v < _vocab; v++)
        {
            double sum = bias[v];
            for (int k = 0; k < _e; k++) sum += t[0, k] * decoder[v * _e + k];
            logits[v] = sum;
        }
        return logits;
    }

    private double[,] Layer(double[,] h, long[] mask, string p)
    {
        int seq = h.GetLength(0), d = _h / _heads;
        double[,] q = Linear(h, W(p + "attention.query.weight", true), W(p + "attention.query.bias", true));
        double[,] k = Linear(h, W(p + "attention.key.weight", true), W(p + "attention.key.bias", true));
        double[,] v = Linear(h, W(p + "attention.value.weight", true), W(p + "attention.value.bias", true));
        var context = new double[seq, _h];
        var scores = new double[seq];
        for (int head = 0; head < _heads; head++)
            for (int i = 0; i < seq; i++)
            {
                double max = double.NegativeInfinity;
                for (int j = 0; j < seq; j++)
                {
                    double s = 0;
                    for (int c = 0; c < d; c++) s += q[i, head * d + c] * k[j, head * d + c];
                    scores[j] = s / Math.Sqrt(d) + (mask[j] == 1 ? 0 : float.MinValue);
                    max = Math.Max(max, scores[j]);
                }
                double sum = 0;
                for (int j = 0; j < seq; j++) sum += scores[j] = Math.Exp(scores[j] - max);
                for (int j = 0; j < seq; j++)
                    for (int c = 0; c < d; c++) context[i, head * d + c] += scores[j] / sum * v[j, head * d + c];
            }
        double[,] attention = Linear(context, W(p + "attention.dense.weight", true), W(p + "attention.dense.bias", true));
        double[,] a = LayerNorm(Add(attention, h), W(p + "attention.LayerNorm.weight", true), W(p + "attention.LayerNorm.bias", true));
        double[,] f = Linear(a, W(p + "ffn.weight", true), W(p + "ffn.bias", true));
        Activate(f);
        double[,] o = Linear(f, W(p + "ffn_output.weight", true), W(p + "ffn_output.bias", true));
        return LayerNorm(Add(o, a), W(p + "full_layer_layer_norm.weight", true), W(p + "full_layer_layer_norm.bias", true));
    }

    private void Activate(double[,] x)
    {
        for (int r = 0; r < x.GetLength(0); r++)
            for (int c = 0; c < x.GetLength(1); c++)
            {
                double v = x[r, c];
                x[r, c] = _act switch
                {
                    "gelu" => 0.5 * v * (1 + Erf(v / Math.Sqrt(2))),
                    "gelu_new" => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))),
                    "relu" => Math.Max(v, 0),
                    _ => throw new NotSupportedException($"The scalar reference does not implement {_act}."),
                };
            }
    }

    private static double[,] Linear(double[,] x, float[] w, float[] b)
    {
        int rows = x.GetLength(0), inFeatures = x.GetLength(1), outFeatures = b.Length;
        var y = new double[rows, outFeatures];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < outFeatures; o++)
            {
                double sum = b[o];
                for (int k = 0; k < inFeatures; k++) sum += x[r, k] * w[o * inFeatures + k];
                y[r, o] = sum;
            }
        return y;
    }

    private double[,] LayerNorm(double[,] x, float[] gamma, float[] beta)
    {
        int rows = x.GetLength(0), width = x.GetLength(1);
        var y = new double[rows, width];
        for (int r = 0; r < rows; r++)
        {
            double mean = 0, variance = 0;
            for (int c = 0; c < width; c++) mean += x[r, c];
            mean /= width;
            for (int c = 0; c < width; c++) variance += (x[r, c] - mean) * (x[r, c] - mean);
            variance /= width;
            for (int c = 0; c < width; c++) y[r, c] = (x[r, c] - mean) / Math.Sqrt(variance + _eps) * gamma[c] + beta[c];
        }
        return y;
    }

    private static double[,] Add(double[,] a, double[,] b)
    {
        var y = new double[a.GetLength(0), a.GetLength(1)];
        for (int r = 0; r < a.GetLength(0); r++)
            for (int c = 0; c < a.GetLength(1); c++) y[r, c] = a[r, c] + b[r, c];
        return y;
    }

    /// <summary>erf by its Maclaurin series near 0 and the continued fraction of erfc beyond: float64-accurate.</summary>
    private static double Erf(double x)
    {
        double z = Math.Abs(x);
        double result;
        if (z < 3)
        {
            double term = z, sum = z;
            for (int n = 1; n < 200 && Math.Abs(term) > 1e-17 * Math.Abs(sum); n++)
            {
                term *= -z * z / n;
                sum += term / (2 * n + 1);
            }
            result = 2 / Math.Sqrt(Math.PI) * sum;
        }
        else
        {
            // erfc(z) = exp(−z²)/√π · 1/(z + 1/2/(z + 1/(z + 3/2/(z + ...)))), evaluated from the tail.
            double f = z;
            for (int n = 60; n >= 1; n--) f = z + n / 2.0 / f;
            result = 1 - Math.Exp(-z * z) / Math.Sqrt(Math.PI) / f;
        }
        return x < 0 ? -result : result;
    }

    private readonly System.Collections.Generic.Dictionary<string, float[]> _cache = new();

    private float[] W(string name, bool backbone)
    {
        string full = backbone ? _prefix + name : name;
        if (!_cache.TryGetValue(full, out float[]? values)) _cache[full] = values = _weights.ReadSingles(full);
        return values;
    }
}
