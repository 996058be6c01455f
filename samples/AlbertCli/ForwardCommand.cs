using System;
using System.Collections.Generic;
using System.IO;
using AlbertAot;
using AlbertAot.Weights;

namespace AlbertCli;

/// <summary><c>AlbertCli forward --input IN.safetensors --output OUT.safetensors</c>: the parity check against HF.</summary>
internal static class ForwardCommand
{
    /// <summary>
    /// <c>forward</c>: the case file's inputs through the model and every output the checkpoint has, under the fixtures'
    /// names. input_ids of rank 3 ([batch, choices, seq]) are multiple-choice inputs.
    /// </summary>
    public static int Run(IAlbertModel model, string inputPath, string outputPath, TextWriter log)
    {
        SafetensorsFile input = SafetensorsFile.Read(inputPath);
        if (!input.Contains("input_ids")) throw new ArgumentException($"{inputPath} has no input_ids tensor.");
        int[] shape = input.Shape("input_ids");
        if (shape.Length is not (2 or 3)) throw new ArgumentException($"input_ids has shape [{string.Join(", ", shape)}]; expected [batch, sequence] or [batch, choices, sequence].");
        foreach (string name in new[] { "token_type_ids", "attention_mask" })
            if (input.Contains(name) && !input.Shape(name).AsSpan().SequenceEqual(shape))
                throw new ArgumentException($"{name} has shape [{string.Join(", ", input.Shape(name))}] but input_ids has [{string.Join(", ", shape)}].");

        ReadOnlyMemory<long>? types = input.Contains("token_type_ids") ? input.ReadInt64s("token_type_ids") : null;
        ReadOnlyMemory<long>? mask = input.Contains("attention_mask") ? input.ReadInt64s("attention_mask") : null;
        AlbertHeads heads = model.Heads;
        AlbertInputs inputs;
        if (shape.Length == 3)
        {
            if (heads.TaskHead() != AlbertHeads.MultipleChoice)
                throw new ArgumentException($"input_ids has shape [{string.Join(", ", shape)}], [batch, choices, sequence], but checkpoint '{model.Config.CheckpointName}' has no multiple-choice head.");
            inputs = AlbertInputs.FromChoices(shape[0], shape[1], shape[2], input.ReadInt64s("input_ids"), types, mask);
        }
        else inputs = new AlbertInputs(shape[0], shape[1], input.ReadInt64s("input_ids"), types, mask);

        AlbertOutputKinds kinds = AlbertOutputKinds.LastHiddenState
            | (model.HasPooler ? AlbertOutputKinds.PoolerOutput : 0)
            | (model.HasMlmHead ? AlbertOutputKinds.MlmLogits : 0)
            | (heads.TaskHead() != AlbertHeads.None ? AlbertOutputKinds.Logits : 0)
            | ((heads & AlbertHeads.SentenceOrder) != 0 ? AlbertOutputKinds.SopLogits : 0);
        AlbertOutputs outputs = model.Forward(inputs, kinds);

        var tensors = new List<SafetensorsTensor>();
        Add(tensors, "last_hidden_state", outputs.LastHiddenState);
        Add(tensors, "pooler_output", outputs.PoolerOutput);
        Add(tensors, "mlm_logits", outputs.MlmLogits);
        Add(tensors, "sop_logits", outputs.SopLogits);
        Add(tensors, "logits", outputs.Logits);
        Add(tensors, "start_logits", outputs.StartLogits);
        Add(tensors, "end_logits", outputs.EndLogits);
        SafetensorsFile.Write(outputPath, tensors);
        log.WriteLine($"wrote {string.Join(", ", tensors.ConvertAll(t => $"{t.Name} [{string.Join(", ", t.Shape)}]"))} to {outputPath}");
        return 0;
    }

    private static void Add(List<SafetensorsTensor> tensors, string name, FloatTensor? tensor)
    {
        if (tensor is not null) tensors.Add(SafetensorsTensor.FromSingles(name, tensor.Data, tensor.Shape));
    }
}
