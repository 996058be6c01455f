using System;
using System.Linq;
using AlbertAot.Runtime;
using AlbertAot.Tests.Fixtures;
using AlbertAot.Tokenization;
using AlbertAot.Weights;
using Xunit;

namespace AlbertAot.Tests.Pipelines;

/// <summary>The fixture models the pipeline tests run, and what the tests read from the fixtures' case files.</summary>
internal static class PipelineModels
{
    /// <summary>A fixture model compiled with a tokenizer; skips the test when it was compiled without one (tiny-v1 and
    /// tiny-groups take ALBERT's real spiece.model from ../shared when it is there).</summary>
    public static IAlbertModel WithTokenizer(string fixture)
    {
        IAlbertModel model = FixtureCases.Models[fixture]();
        Skip.If(model.Tokenizer is null,
            $"fixture '{fixture}' was compiled without a tokenizer: ../shared/albert/spiece.model (ALBERT's real 30k-clean.model) is absent.");
        return model;
    }

    /// <summary>Row <paramref name="row"/> of a case's input_ids without its padding (attention mask 0).</summary>
    public static int[] Row(SafetensorsFile file, string name, int row)
    {
        int[] shape = file.Shape("input_ids");
        long[] values = file.ReadInt64s(name), mask = file.ReadInt64s("attention_mask");
        int length = 0;
        while (length < shape[1] && mask[row * shape[1] + length] == 1) length++;
        return values.Skip(row * shape[1]).Take(length).Select(v => (int)v).ToArray();
    }

    /// <summary>Softmax in double.</summary>
    public static double[] Softmax(ReadOnlySpan<float> logits)
    {
        double max = double.NegativeInfinity;
        foreach (float l in logits) max = Math.Max(max, l);
        double sum = 0;
        foreach (float l in logits) sum += Math.Exp(l - max);
        var p = new double[logits.Length];
        for (int i = 0; i < p.Length; i++) p[i] = Math.Exp(logits[i] - max) / sum;
        return p;
    }

    /// <summary>
    /// A text that tokenizes to exactly these ids ([CLS] ... [SEP]), or null: each run of ordinary pieces decoded, the
    /// special tokens between them written out with a space on either side. Random fixture ids are often no
    /// tokenization of anything (e.g. two pieces SentencePiece would merge), hence the check.
    /// </summary>
    public static string? TextGiving(AlbertTokenizer tokenizer, int[] ids)
    {
        if (ids.Length < 2 || ids[0] != tokenizer.ClsId || ids[^1] != tokenizer.SepId) return null;
        var text = new System.Text.StringBuilder();
        var run = new System.Collections.Generic.List<int>();
        foreach (int id in ids[1..^1])
        {
            if (!tokenizer.IsSpecialId(id))
            {
                run.Add(id);
                continue;
            }
            text.Append(tokenizer.Decode(run.ToArray())).Append(' ').Append(tokenizer.IdToToken(id)).Append(' ');
            run.Clear();
        }
        text.Append(tokenizer.Decode(run.ToArray()));
        string candidate = text.ToString().Trim();
        return tokenizer.Encode(candidate).InputIds.SequenceEqual(ids) ? candidate : null;
    }
}

/// <summary>A model as seen through <see cref="IAlbertModel"/>, but with its tokenizer hidden (an ids-only build).</summary>
internal sealed class WithoutTokenizer(IAlbertModel inner) : IAlbertModel
{
    public AlbertConfig Config => inner.Config;
    public bool HasPooler => inner.HasPooler;
    public bool HasMlmHead => inner.HasMlmHead;
    public AlbertTokenizer? Tokenizer => null;
    public AlbertOutputs Forward(AlbertInputs inputs, AlbertOutputKinds outputs = AlbertOutputKinds.Features) => inner.Forward(inputs, outputs);
    public FloatTensor MlmLogitsAt(AlbertInputs inputs, ReadOnlySpan<(int Batch, int Position)> positions) => inner.MlmLogitsAt(inputs, positions);
    public AlbertSession CreateSession(int threads = 1) => inner.CreateSession(threads);
}
