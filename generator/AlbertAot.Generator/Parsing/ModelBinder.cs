using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using AlbertAot.Generator.Diagnostics;
using AlbertAot.Generator.Model;

namespace AlbertAot.Generator.Parsing;

/// <summary>
/// Binds a model class to its checkpoint and checks the checkpoint's tensors against its config: every tensor the
/// forward pass reads must exist with the shape the config implies and a supported storage type.
/// </summary>
internal static class ModelBinder
{
    /// <summary>The tensors of one ALBERT layer, in AlbertLayerWeights' constructor order, with their shapes.</summary>
    private static readonly (string Suffix, Func<ConfigSpec, long[]> Shape)[] s_layerTensors =
    {
        ("attention.query.weight", c => new long[] { c.HiddenSize, c.HiddenSize }), ("attention.query.bias", c => new long[] { c.HiddenSize }),
        ("attention.key.weight", c => new long[] { c.HiddenSize, c.HiddenSize }), ("attention.key.bias", c => new long[] { c.HiddenSize }),
        ("attention.value.weight", c => new long[] { c.HiddenSize, c.HiddenSize }), ("attention.value.bias", c => new long[] { c.HiddenSize }),
        ("attention.dense.weight", c => new long[] { c.HiddenSize, c.HiddenSize }), ("attention.dense.bias", c => new long[] { c.HiddenSize }),
        ("attention.LayerNorm.weight", c => new long[] { c.HiddenSize }), ("attention.LayerNorm.bias", c => new long[] { c.HiddenSize }),
        ("ffn.weight", c => new long[] { c.IntermediateSize, c.HiddenSize }), ("ffn.bias", c => new long[] { c.IntermediateSize }),
        ("ffn_output.weight", c => new long[] { c.HiddenSize, c.IntermediateSize }), ("ffn_output.bias", c => new long[] { c.HiddenSize }),
        ("full_layer_layer_norm.weight", c => new long[] { c.HiddenSize }), ("full_layer_layer_norm.bias", c => new long[] { c.HiddenSize }),
    };

    public static ModelResult Bind(ModelClassInfo cls, ImmutableArray<ParsedCheckpoint> checkpoints, ImmutableArray<ParsedConfig> configs, string weightsDirectory)
    {
        var diagnostics = new List<DiagnosticInfo>(cls.Problems);
        if (cls.CheckpointName is null || diagnostics.Count > 0) return Result(null, diagnostics, cls);
        string name = cls.CheckpointName;

        // One descriptor per precision the build task embedded the checkpoint in: its own file (Float32) and converted ones.
        List<ParsedCheckpoint> candidates = checkpoints.Where(c => c.Descriptor.Name == name).ToList();
        if (candidates.Count == 0)
        {
            string declared = string.Join(", ", checkpoints.Select(c => "'" + c.Descriptor.Name + "'").OrderBy(n => n, StringComparer.Ordinal));
            string why = declared.Length > 0
                ? $"the project declares {declared}; add <AlbertCheckpoint Include=\"DIR\" Name=\"{name}\" /> to declare it"
                : $"the project declares no AlbertCheckpoint item and '{System.IO.Path.Combine(weightsDirectory, name)}' holds no config.json (run weights/download.sh or declare <AlbertCheckpoint Include=\"DIR\" Name=\"{name}\" />)";
            diagnostics.Add(DiagnosticInfo.Create(AlbertDiagnostics.CheckpointNotDeclared, null, name, why));
            return Result(null, diagnostics, cls);
        }

        ParsedCheckpoint primary = candidates.FirstOrDefault(c => !c.Descriptor.IsConverted) ?? candidates[0];
        if (primary.Descriptor.PrecisionError.Length > 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(AlbertDiagnostics.InvalidPrecision, null,
                $"The Precision=\"{primary.Descriptor.PrecisionError}\" metadata of AlbertCheckpoint '{name}'",
                "use Float32, BFloat16 or Int8 (any case; bf16 and int8 work too), or leave it out for Float32"));
            return Result(null, diagnostics, cls);
        }
        int precision = cls.RequestedPrecision ?? primary.Descriptor.DefaultPrecision;
        ParsedCheckpoint? checkpoint = candidates.FirstOrDefault(c => c.Descriptor.Precision == precision && c.Descriptor.Embedded);
        if (checkpoint is null)
        {
            if (precision != PrecisionKinds.Float32 && (primary.Header is null || primary.Problems.Count > 0))
                checkpoint = primary; // the task does not convert a broken file: its own diagnostics say what is wrong
            else
            {
                diagnostics.Add(DiagnosticInfo.Create(AlbertDiagnostics.PrecisionNotEmbedded, null, name, PrecisionKinds.Name(precision), cls.DisplayName,
                    NotEmbeddedReason(primary.Descriptor, precision)));
                return Result(null, diagnostics, cls);
            }
        }

        CheckpointDescriptor d = checkpoint.Descriptor;
        ConfigSpec? config = null;
        if (!d.ConfigExists)
            diagnostics.Add(DiagnosticInfo.Create(AlbertDiagnostics.FileMissing, null, name, "config.json", d.ConfigPath));
        else
        {
            // One folder declared under several names (e.g. one item per precision) passes its config.json to the compiler
            // once, with one of the names: then it is found by its path.
            ParsedConfig? parsed = configs.FirstOrDefault(c => c.CheckpointName == name)
                ?? configs.FirstOrDefault(c => string.Equals(c.Path, d.ConfigPath, StringComparison.Ordinal));
            if (parsed is null)
                diagnostics.Add(DiagnosticInfo.Create(AlbertDiagnostics.FileUnreadable, null, name, d.ConfigPath, "it was not passed to the compiler as an AdditionalFiles item"));
            else
            {
                diagnostics.AddRange(parsed.Problems);
                config = parsed.Config;
            }
        }
        diagnostics.AddRange(checkpoint.Problems);
        if (d.TokenizerDeclared && !d.TokenizerExists)
            diagnostics.Add(DiagnosticInfo.Create(AlbertDiagnostics.TokenizerMissing, null, name, d.TokenizerPath));
        if (d.TokenizerExists && d.TokenizerError.Length > 0)
            diagnostics.Add(DiagnosticInfo.Create(AlbertDiagnostics.TokenizerInvalid, null, name, d.TokenizerPath, d.TokenizerError));
        if (config is not null && d.TokenizerExists && d.TokenizerError.Length == 0 && d.TokenizerPieces > config.VocabSize)
            diagnostics.Add(DiagnosticInfo.Create(AlbertDiagnostics.TokenizerVocabularyTooLarge, null, name, d.TokenizerPath,
                d.TokenizerPieces.ToString(System.Globalization.CultureInfo.InvariantCulture),
                config.VocabSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
                (d.TokenizerPieces - 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        if (config is null || checkpoint.Header is null || diagnostics.Count > 0) return Result(null, diagnostics, cls);

        var spec = BindTensors(cls, name, config, checkpoint.Header, d, diagnostics);
        if (spec is not null) ReportNonFinite(spec, d, diagnostics);
        if (!d.TokenizerExists)
            diagnostics.Add(DiagnosticInfo.Create(AlbertDiagnostics.NoTokenizer, null, name, d.TokenizerPath, cls.DisplayName));
        return Result(spec, diagnostics, cls);
    }

    /// <summary>Why a checkpoint is not embedded in a precision, and how to fix it (ALB0035).</summary>
    private static string NotEmbeddedReason(CheckpointDescriptor primary, int precision)
    {
        string p = PrecisionKinds.Name(precision);
        SkippedConversion? skipped = primary.Skipped.FirstOrDefault(s => s.Precision == p);
        if (skipped is not null) return $"the build step could not convert '{primary.SafetensorsPath}': {skipped.Reason}";
        return (precision == PrecisionKinds.Float32
                ? "the build step embeds the float32 model.safetensors only when a class uses it, and it found none that does"
                : $"the build step converts a checkpoint only to the precisions the project names, and it found none that names {p}") +
            $": write Precision = AlbertPrecision.{p} literally on the attribute (the build step reads the source text; it does not evaluate constants), " +
            $"or give the AlbertCheckpoint item Precision=\"{p}\" metadata";
    }

    private static ModelSpec? BindTensors(ModelClassInfo cls, string name, ConfigSpec c, SafetensorsHeader header, CheckpointDescriptor d,
        List<DiagnosticInfo> diagnostics)
    {
        var byName = header.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        int errorsBefore = diagnostics.Count;
        // HF saves the base model's tensors with "albert." under a task head, without it for a bare AlbertModel.
        string prefix = byName.ContainsKey("albert.embeddings.word_embeddings.weight") || !byName.ContainsKey("embeddings.word_embeddings.weight")
            ? "albert." : "";

        TensorRef? Required(string tensor, params long[] shape)
        {
            if (!byName.TryGetValue(tensor, out TensorEntry? entry))
            {
                diagnostics.Add(DiagnosticInfo.Create(AlbertDiagnostics.MissingTensor, null, name, d.SafetensorsPath, tensor, string.Join(", ", shape)));
                return null;
            }
            return Check(entry, shape);
        }

        TensorRef? Check(TensorEntry entry, long[] shape)
        {
            string expected = string.Join(", ", shape);
            if (entry.Shape.Contains(0))
            {
                diagnostics.Add(DiagnosticInfo.Create(AlbertDiagnostics.InvalidShape, null, name, entry.Name, d.SafetensorsPath,
                    $"has shape [{entry.ShapeText}] with a zero dimension: it holds no values, where config.json implies [{expected}]"));
                return null;
            }
            if (entry.Shape.Count != shape.Length)
            {
                diagnostics.Add(DiagnosticInfo.Create(AlbertDiagnostics.TensorRankMismatch, null, name, entry.Name, d.SafetensorsPath,
                    entry.Shape.Count, entry.ShapeText, shape.Length, expected));
                return null;
            }
            if (!entry.Shape.SequenceEqual(shape))
            {
                diagnostics.Add(DiagnosticInfo.Create(AlbertDiagnostics.TensorShapeMismatch, null, name, entry.Name, d.SafetensorsPath, entry.ShapeText, string.Join(", ", shape)));
                return null;
            }
            long count = shape.Aggregate(1L, (a, b) => a * b);
            if (d.IsConverted && PrecisionKinds.IsConverted(entry.Name))
                return Narrow(entry, count);
            if (entry.DType is not ("F32" or "F16" or "BF16"))
            {
                diagnostics.Add(DiagnosticInfo.Create(AlbertDiagnostics.UnsupportedDType, null, name, entry.Name, d.SafetensorsPath, entry.DType));
                return null;
            }
            return new TensorRef(entry.Name, entry.DType, header.DataStart + entry.Begin, count);
        }

        // A matrix of a BF16 or INT8 file the build task converted: BF16, or I8 followed by its float32 scales, one per row.
        TensorRef? Narrow(TensorEntry entry, long count)
        {
            bool int8 = d.Precision == PrecisionKinds.Int8;
            string want = int8 ? "I8" : "BF16";
            if (entry.DType != want)
            {
                diagnostics.Add(DiagnosticInfo.Create(AlbertDiagnostics.InvalidTensorLayout, null, name, entry.Name, d.SafetensorsPath,
                    $"is stored as {entry.DType} in the {PrecisionKinds.Name(d.Precision)} file the build step converted, where it must be {want}: delete obj/ and rebuild"));
                return null;
            }
            var tensor = new TensorRef(entry.Name, entry.DType, header.DataStart + entry.Begin, count, Narrow: true);
            if (!int8) return tensor;
            long rows = entry.Shape[0];
            string scaleName = PrecisionKinds.ScaleName(entry.Name);
            if (!byName.TryGetValue(scaleName, out TensorEntry? scale))
            {
                diagnostics.Add(DiagnosticInfo.Create(AlbertDiagnostics.MissingTensor, null, name, d.SafetensorsPath, scaleName, rows));
                return null;
            }
            if (scale.DType != "F32" || scale.Shape.Count != 1 || scale.Shape[0] != rows)
            {
                diagnostics.Add(DiagnosticInfo.Create(AlbertDiagnostics.InvalidTensorLayout, null, name, scaleName, d.SafetensorsPath,
                    $"is {scale.DType} [{scale.ShapeText}]; the scales of '{entry.Name}' must be F32 [{rows}], one per row: delete obj/ and rebuild"));
                return null;
            }
            return tensor with { Scale = new TensorRef(scaleName, "F32", header.DataStart + scale.Begin, rows) };
        }

        // A head is present when its first tensor is; then all of its tensors are required.
        List<TensorRef?> Optional(string marker, params (string Tensor, long[] Shape)[] tensors) =>
            byName.ContainsKey(marker) ? tensors.Select(t => Required(t.Tensor, t.Shape)).ToList() : new List<TensorRef?>();

        string e = prefix + "embeddings.";
        var embeddings = new List<TensorRef?>
        {
            Required(e + "word_embeddings.weight", c.VocabSize, c.EmbeddingSize),
            Required(e + "position_embeddings.weight", c.MaxPositionEmbeddings, c.EmbeddingSize),
            Required(e + "token_type_embeddings.weight", c.TypeVocabSize, c.EmbeddingSize),
            Required(e + "LayerNorm.weight", c.EmbeddingSize),
            Required(e + "LayerNorm.bias", c.EmbeddingSize),
            Required(prefix + "encoder.embedding_hidden_mapping_in.weight", c.HiddenSize, c.EmbeddingSize),
            Required(prefix + "encoder.embedding_hidden_mapping_in.bias", c.HiddenSize),
        };

        var layers = new List<LayerSpec>();
        for (int g = 0; g < c.NumHiddenGroups; g++)
            for (int i = 0; i < c.InnerGroupNum; i++)
            {
                string layer = $"{prefix}encoder.albert_layer_groups.{g}.albert_layers.{i}.";
                var tensors = s_layerTensors.Select(t => Required(layer + t.Suffix, t.Shape(c))).ToList();
                if (tensors.All(t => t is not null)) layers.Add(new LayerSpec(g, i, tensors.Select(t => t!).ToEquatableArray()));
            }

        var pooler = Optional(prefix + "pooler.weight",
            (prefix + "pooler.weight", new long[] { c.HiddenSize, c.HiddenSize }),
            (prefix + "pooler.bias", new long[] { c.HiddenSize }));

        // The MLM decoder is tied to the word embeddings (HF ties it even when predictions.decoder.weight is stored);
        // its bias is predictions.bias, or predictions.decoder.bias in checkpoints that store only that.
        var mlm = new List<TensorRef?>();
        if (byName.ContainsKey("predictions.dense.weight"))
        {
            mlm.Add(Required("predictions.dense.weight", c.EmbeddingSize, c.HiddenSize));
            mlm.Add(Required("predictions.dense.bias", c.EmbeddingSize));
            mlm.Add(Required("predictions.LayerNorm.weight", c.EmbeddingSize));
            mlm.Add(Required("predictions.LayerNorm.bias", c.EmbeddingSize));
            mlm.Add(embeddings[0]);
            mlm.Add(Required(byName.ContainsKey("predictions.bias") || !byName.ContainsKey("predictions.decoder.bias")
                ? "predictions.bias" : "predictions.decoder.bias", c.VocabSize));
            if (byName.TryGetValue("predictions.decoder.weight", out TensorEntry? decoder))
                Check(decoder, new long[] { c.VocabSize, c.EmbeddingSize });
        }

        var (sop, taskHead, task, labels) = BindHeads(cls, name, c, byName, prefix, pooler.Count > 0, mlm.Count > 0, Required, diagnostics);

        if (diagnostics.Count(x => x.Id != AlbertDiagnostics.HeadNotCompiled.Id) > errorsBefore) return null;
        string storage = string.Join(", ", embeddings.Concat(layers.SelectMany(l => l.Tensors)).Concat(pooler).Concat(mlm).Concat(sop).Concat(task)
            .Select(t => t!.DType).Distinct().OrderBy(t => t, StringComparer.Ordinal));
        return new ModelSpec(cls, name, c, header.FileLength, header.HeaderLength, storage,
            embeddings.Select(t => t!).ToEquatableArray(), layers.ToEquatableArray(),
            pooler.Select(t => t!).ToEquatableArray(), mlm.Select(t => t!).ToEquatableArray(), d.TokenizerExists,
            sop.Select(t => t!).ToEquatableArray(), taskHead, task.Select(t => t!).ToEquatableArray(), labels.ToEquatableArray())
        {
            Precision = d.IsConverted ? d.Precision : PrecisionKinds.Float32,
        };
    }

    /// <summary>
    /// The sentence-order head and the task head. A head is compiled when config.architectures[0] names it or the
    /// attribute asks for it (Heads = ...); then its tensors must be there (ALB0020 when they are not, ALB0011/0012/0013
    /// when one of them is missing or wrong). Head tensors that nothing names are left out, with ALB0021 (info): in
    /// particular classifier.* alone does not say whether it classifies the pooled output, every token, or choices.
    /// </summary>
    private static (List<TensorRef?> Sop, int TaskHead, List<TensorRef?> Task, List<string> Labels) BindHeads(ModelClassInfo cls, string name,
        ConfigSpec c, Dictionary<string, TensorEntry> byName, string prefix, bool hasPooler, bool hasMlm,
        Func<string, long[], TensorRef?> required, List<DiagnosticInfo> diagnostics)
    {
        int requested = cls.RequestedHeads;
        int named = HeadKinds.OfArchitecture(c.Architecture);
        string architectureText = c.Architecture.Length > 0 ? $"config.architectures[0] is '{c.Architecture}'" : "config.json has no architectures";

        // Why a head is wanted, for the messages.
        string Why(int head) => (requested & head) != 0
            ? $"[AlbertModel(Heads = {HeadKinds.Names(requested)})] asks for it"
            : $"{architectureText}, which has it";

        void Missing(int head, string what) =>
            diagnostics.Add(DiagnosticInfo.Create(AlbertDiagnostics.HeadMissing, null, name, HeadKinds.Describe(head), $"{Why(head)}, but {what}"));

        void NotCompiled(string tensors, string heads) =>
            diagnostics.Add(DiagnosticInfo.Create(AlbertDiagnostics.HeadNotCompiled, null, name, tensors,
                (requested & HeadKinds.All) != 0 ? $"{architectureText} and [AlbertModel(Heads = {HeadKinds.Names(requested)})] asks for other heads"
                    : $"{architectureText}, which names no head that reads them",
                cls.DisplayName, heads));

        string poolerTensor = prefix + "pooler.weight";
        long h = c.HiddenSize;

        if ((requested & HeadKinds.Pooler) != 0 && !hasPooler)
            Missing(HeadKinds.Pooler, $"model.safetensors has no '{poolerTensor}'");
        if ((requested & HeadKinds.MaskedLM) != 0 && !hasMlm)
            Missing(HeadKinds.MaskedLM, "model.safetensors has no 'predictions.dense.weight' (the MLM head's predictions.* tensors)");

        // Sentence order: AlbertForPreTraining's sop_classifier on the pooled output.
        var sop = new List<TensorRef?>();
        const string SopWeight = "sop_classifier.classifier.weight", SopBias = "sop_classifier.classifier.bias";
        if (((requested | named) & HeadKinds.SentenceOrder) != 0)
        {
            if (!byName.ContainsKey(SopWeight))
                Missing(HeadKinds.SentenceOrder, $"model.safetensors has no '{SopWeight}' [2, {h}] (the hub's albert-*-v1/v2 checkpoints are AlbertForMaskedLM and carry no SOP weights)");
            else if (!hasPooler)
                Missing(HeadKinds.SentenceOrder, $"it classifies pooler_output, and model.safetensors has no '{poolerTensor}'");
            else
            {
                sop.Add(required(SopWeight, new long[] { 2, h }));
                sop.Add(required(SopBias, new long[] { 2 }));
            }
        }
        else if (byName.ContainsKey(SopWeight))
            NotCompiled("sop_classifier.classifier.* (a sentence-order head)", "AlbertHeads.SentenceOrder");

        // The task head: the one asked for, else the one the architecture names.
        int taskHead = (requested & HeadKinds.TaskHeads) != 0 ? requested & HeadKinds.TaskHeads : named & HeadKinds.TaskHeads;
        var task = new List<TensorRef?>();
        var labels = new List<string>();
        if (taskHead != 0)
        {
            string tensor = taskHead == HeadKinds.QuestionAnswering ? "qa_outputs" : "classifier";
            long outputs = taskHead switch
            {
                HeadKinds.QuestionAnswering => 2,
                HeadKinds.MultipleChoice => 1,
                _ => c.Labels.Count,
            };
            bool onPooled = taskHead is HeadKinds.SequenceClassification or HeadKinds.MultipleChoice;
            string shapeText = $"[{outputs}, {h}]" + (taskHead is HeadKinds.SequenceClassification or HeadKinds.TokenClassification
                ? $", one row per label of config.json's id2label ({c.Labels.Count})" : "");
            if (!byName.ContainsKey(tensor + ".weight"))
                Missing(taskHead, $"model.safetensors has no '{tensor}.weight' {shapeText}");
            else if (onPooled && !hasPooler)
                Missing(taskHead, $"it classifies pooler_output, and model.safetensors has no '{poolerTensor}'");
            else if (taskHead is HeadKinds.SequenceClassification or HeadKinds.TokenClassification && c.LabelProblem.Length > 0)
                diagnostics.Add(DiagnosticInfo.Create(AlbertDiagnostics.InvalidConfigValue, null, name, "id2label", "is unusable for the " +
                    HeadKinds.Describe(taskHead) + " head: " + c.LabelProblem));
            else
            {
                task.Add(required(tensor + ".weight", new long[] { outputs, h }));
                task.Add(required(tensor + ".bias", new long[] { outputs }));
                if (taskHead is HeadKinds.SequenceClassification or HeadKinds.TokenClassification) labels.AddRange(c.Labels);
            }
        }
        else
        {
            if (byName.ContainsKey("classifier.weight"))
                NotCompiled("classifier.* (a sequence-, token- or multiple-choice classifier: the tensors alone do not say which)",
                    "AlbertHeads.SequenceClassification (or TokenClassification, MultipleChoice)");
            if (byName.ContainsKey("qa_outputs.weight"))
                NotCompiled("qa_outputs.* (a question-answering head)", "AlbertHeads.QuestionAnswering");
        }
        return (sop, taskHead, task, labels);
    }

    /// <summary>ALB0029 for each tensor the model reads that the build task found NaN or infinite values in.</summary>
    private static void ReportNonFinite(ModelSpec spec, CheckpointDescriptor d, List<DiagnosticInfo> diagnostics)
    {
        if (d.NonFinite.Count == 0) return;
        var read = new HashSet<string>(spec.Embeddings.Concat(spec.Layers.SelectMany(l => l.Tensors)).Concat(spec.Pooler).Concat(spec.MlmHead)
            .Concat(spec.SopClassifier).Concat(spec.TaskClassifier).Select(t => t.Name), StringComparer.Ordinal);
        foreach (NonFiniteTensor t in d.NonFinite)
            if (read.Contains(t.Name))
                diagnostics.Add(DiagnosticInfo.Create(AlbertDiagnostics.NonFiniteWeights, null, spec.CheckpointName, t.Name, d.IsConverted ? d.Source : d.SafetensorsPath,
                    t.NaNs, t.Infinities, t.Elements));
    }

    private static ModelResult Result(ModelSpec? spec, List<DiagnosticInfo> diagnostics, ModelClassInfo cls) =>
        new(spec, diagnostics.Select(x => x with { Location = cls.Location }).ToEquatableArray());
}
