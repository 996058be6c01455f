using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using AlbertAot;
using AlbertAot.PrecisionReport;
using AlbertAot.Tokenization;

// Issue 8's accuracy report: the BF16 and INT8 compilations of one checkpoint against its float32 compilation, on
// masked sentences built from ../shared/tokenizer-cases texts: last_hidden_state (max and mean |error|, cosine per
// token), the MLM logits at the masked position, and fill-mask's top-5 overlap and top-1 agreement.

string? texts = null, json = null;
int sentences = 1000, maxLength = 128;
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
    switch (args[i])
    {
        case "--texts": texts = Next(); break;
        case "--sentences": sentences = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--max-length": maxLength = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--json": json = Next(); break;
        default:
            Console.Error.WriteLine("usage: AlbertAot.PrecisionReport --texts tokenizer-cases/public.jsonl [--sentences 1000] [--max-length 128] [--json FILE]");
            return 2;
    }
}
if (texts is null || !File.Exists(texts))
{
    Console.Error.WriteLine($"error: --texts must name a JSON-lines file with a \"text\" field per line (../shared/tokenizer-cases/public.jsonl); got '{texts}'.");
    return 2;
}

IAlbertModel fp32 = new ReportFloat32(), bf16 = new ReportBFloat16(), int8 = new ReportInt8();
AlbertTokenizer tokenizer = fp32.Tokenizer ?? throw new InvalidOperationException("The checkpoint has no tokenizer: build with -p:AlbertTokenizer=FILE.");
if (!fp32.HasMlmHead) throw new InvalidOperationException("The checkpoint has no MLM head: fill-mask cannot be compared.");

// Masked sentences: each text with at least three ordinary tokens, one of them (chosen by the text's index) masked.
var masked = new List<(long[] Ids, int Position)>();
foreach (string line in File.ReadLines(texts))
{
    if (masked.Count == sentences) break;
    string? text = JsonDocument.Parse(line).RootElement.TryGetProperty("text", out var t) ? t.GetString() : null;
    if (string.IsNullOrWhiteSpace(text)) continue;
    int[] ids = tokenizer.Encode(text, maxLength: maxLength).InputIds.ToArray();
    int[] ordinary = Enumerable.Range(0, ids.Length).Where(p => !tokenizer.IsSpecialId(ids[p])).ToArray();
    if (ordinary.Length < 3) continue;
    int position = ordinary[(masked.Count * 7919) % ordinary.Length];
    long[] input = Array.ConvertAll(ids, id => (long)id);
    input[position] = tokenizer.MaskId;
    masked.Add((input, position));
}
if (masked.Count == 0) { Console.Error.WriteLine("error: no usable text."); return 1; }

var hidden = new Dictionary<string, PrecisionAccuracy> { ["bf16"] = new(), ["int8"] = new() };
var logits = new Dictionary<string, PrecisionAccuracy> { ["bf16"] = new(), ["int8"] = new() };
var overlap = new Dictionary<string, long> { ["bf16"] = 0, ["int8"] = 0 };
var top1 = new Dictionary<string, long> { ["bf16"] = 0, ["int8"] = 0 };
int width = fp32.Config.HiddenSize;
foreach (var (ids, position) in masked)
{
    var inputs = new AlbertInputs(1, ids.Length, ids);
    float[] reference = fp32.Forward(inputs, AlbertOutputKinds.LastHiddenState).LastHiddenState!.Data;
    float[] referenceLogits = fp32.MlmLogitsAt(inputs, [(0, position)]).Data;
    int[] referenceTop = PrecisionAccuracy.TopK(referenceLogits, 5);
    foreach (var (name, model) in new[] { ("bf16", bf16), ("int8", int8) })
    {
        hidden[name].Add(reference, model.Forward(inputs, AlbertOutputKinds.LastHiddenState).LastHiddenState!.Data, width);
        float[] l = model.MlmLogitsAt(inputs, [(0, position)]).Data;
        logits[name].Add(referenceLogits, l, l.Length);
        int[] top = PrecisionAccuracy.TopK(l, 5);
        overlap[name] += PrecisionAccuracy.Overlap(referenceTop, top);
        if (top[0] == referenceTop[0]) top1[name]++;
    }
}

Console.WriteLine($"checkpoint {fp32.Config.CheckpointName}: hidden {width}, layers {fp32.Config.NumHiddenLayers}, vocab {fp32.Config.VocabSize}; " +
    $"{masked.Count} masked sentences from {Path.GetFileName(texts)}, {hidden["bf16"].Rows} tokens");
Console.WriteLine("| precision | last_hidden_state max / mean abs error | cosine per token min / mean | logits max / mean abs error | fill-mask top-5 overlap | top-1 agreement |");
Console.WriteLine("|---|---|---|---|---|---|");
var rows = new List<object>();
foreach (string name in new[] { "bf16", "int8" })
{
    PrecisionAccuracy h = hidden[name], l = logits[name];
    double o = overlap[name] / (5.0 * masked.Count), a = top1[name] / (double)masked.Count;
    Console.WriteLine($"| {name} | {h.MaxAbsError:G3} / {h.MeanAbsError:G3} | {h.MinCosine:F6} / {h.MeanCosine:F6} | {l.MaxAbsError:G3} / {l.MeanAbsError:G3} | {o:P1} | {a:P1} |");
    rows.Add(new
    {
        precision = name, sentences = masked.Count, tokens = h.Rows,
        hidden_max_abs = h.MaxAbsError, hidden_mean_abs = h.MeanAbsError, cosine_min = h.MinCosine, cosine_mean = h.MeanCosine,
        logits_max_abs = l.MaxAbsError, logits_mean_abs = l.MeanAbsError, top5_overlap = o, top1_agreement = a,
    });
}
if (json is not null) File.WriteAllText(json, JsonSerializer.Serialize(rows, new JsonSerializerOptions { WriteIndented = true }));
return 0;
