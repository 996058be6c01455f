using System;
using System.Collections.Generic;
using System.IO;
using AlbertAot;
using AlbertAot.Weights;

namespace AlbertCli;

internal static class Program
{
    private const string Usage = """
        AlbertCli: an ALBERT checkpoint compiled into this program.

        Usage:
          AlbertCli info
              the compiled config and heads
          AlbertCli forward --input IN.safetensors --output OUT.safetensors
              reads I64 input_ids [batch, seq] ([batch, choices, seq] for a multiple-choice head) and optional
              token_type_ids / attention_mask (HF's defaults when absent); writes F32 last_hidden_state, pooler_output
              (when the checkpoint has a pooler), mlm_logits (MLM head), sop_logits (sentence-order head), logits
              (classification heads) or start_logits / end_logits (question answering): the parity check against HF
          AlbertCli fill-mask "TEXT with [MASK]" [--top-k N] [--targets a,b] [--threads N]
          AlbertCli embed "TEXT" [--pair "TEXT2"] [--threads N]
          AlbertCli classify "TEXT" [--pair "TEXT2"] [--top-k N|all] [--function-to-apply sigmoid|softmax|none]
          AlbertCli ner "TEXT" [--aggregation-strategy none|simple|first|average|max] [--ignore-labels O,B-LOC]
          AlbertCli qa --question "Q" --context "C" [--top-k N] [--doc-stride N] [--max-answer-len N] [--max-seq-len N]
                       [--max-question-len N] [--handle-impossible-answer]
          AlbertCli sop "FIRST" "SECOND"
          AlbertCli choose "PROMPT" "CHOICE" "CHOICE" ...
              HF's pipelines on the compiled model's heads, JSON as HF returns it (offsets in characters)
          AlbertCli pipeline < IN.jsonl > OUT.jsonl
              {"id", "pipeline", "inputs", "parameters"} lines answered with {"id", "output"}: fill-mask,
              feature-extraction, text-classification, token-classification, question-answering
          AlbertCli tokenize < IN.jsonl > OUT.jsonl
              one line per input line {"text", "text_pair"?, "max_length"?, "padding"? "max_length"}: input_ids,
              token_type_ids, attention_mask, tokens, decoded, decoded_cleanup (HF AlbertTokenizer's), streaming
          AlbertCli bench [--seq 8,16,128,512] [--threads N] [--runs R] [--warmup W] [--min-seconds S]
                          [--outputs logits|features] [--workload latency|fill-mask|batched] [--json FILE]
              median and min latency per sequence length (batch 1), in the shape of ../shared/bench's OrtBench;
              --workload fill-mask: "Hello I'm a [MASK] model." (10 tokens, MLM head at the mask only);
              --workload batched: 32 sentences of 10-40 tokens in one batch, padding skipped (packed)
        """;

    public static int Main(string[] args)
    {
#if ALBERT_BUNDLED_CHECKPOINT
        Console.Error.WriteLine(
            "note: AlbertCli was built with its bundled random checkpoint (samples/AlbertCli/bundled-checkpoint), not albert-base-v1: " +
            "its outputs are meaningless. Get the real weights with `weights/download.sh` and rebuild, or build with -p:AlbertCheckpoint=DIR.");
#endif
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        try
        {
            // These verbs read nothing from the command line (pipeline and tokenize read JSON lines from standard input).
            if (args[0] is "info" or "pipeline" or "tokenize" && args.Length > 1)
                throw new CliException($"{args[0]} takes no arguments, got '{args[1]}'.\n\n{Usage}");
            return args[0] switch
            {
                "info" => Info(),
                "forward" => Forward(Options.Parse(args[1..], "--input", "--output")),
                "fill-mask" => FillMaskCommand.Run(args[1..], new CliModel(), StandardOutput(), Console.Error),
                "embed" => EmbedCommand.Run(args[1..], new CliModel(), StandardOutput()),
                "pipeline" => PipelineCommand.Run(Console.In, StandardOutput(), new CliModel(), Console.Error),
                "classify" => HeadCommands.Classify(args[1..], new CliModel(), StandardOutput()),
                "ner" => HeadCommands.Ner(args[1..], new CliModel(), StandardOutput()),
                "qa" => HeadCommands.Qa(args[1..], new CliModel(), StandardOutput()),
                "sop" => HeadCommands.Sop(args[1..], new CliModel(), StandardOutput()),
                "choose" => HeadCommands.Choose(args[1..], new CliModel(), StandardOutput()),
                "tokenize" => TokenizeCommand.Run(Console.In, StandardOutput(), RequireTokenizer()),
                "bench" => BenchCommand.Run(Options.Parse(args[1..], BenchCommand.OptionNames), new CliModel()),
                _ => Fail($"unknown verb '{args[0]}'.\n\n{Usage}"),
            };
        }
        catch (CliException e)
        {
            return Fail(e.Message);
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or InvalidOperationException or IOException or AlbertCheckpointException)
        {
            return Fail(e.Message);
        }
    }

    private static int Info()
    {
        var model = new CliModel();
        AlbertConfig c = model.Config;
        Console.WriteLine($"checkpoint            {c.CheckpointName}");
        Console.WriteLine($"vocab_size            {c.VocabSize}");
        Console.WriteLine($"embedding_size        {c.EmbeddingSize}");
        Console.WriteLine($"hidden_size           {c.HiddenSize}");
        Console.WriteLine($"num_hidden_layers     {c.NumHiddenLayers} ({c.NumHiddenGroups} group(s) x {c.InnerGroupNum} inner)");
        Console.WriteLine($"num_attention_heads   {c.NumAttentionHeads}");
        Console.WriteLine($"intermediate_size     {c.IntermediateSize}");
        Console.WriteLine($"max_position          {c.MaxPositionEmbeddings}");
        Console.WriteLine($"hidden_act            {c.HiddenAct}");
        Console.WriteLine($"pooler                {(model.HasPooler ? "yes" : "no")}");
        Console.WriteLine($"mlm head              {(model.HasMlmHead ? "yes" : "no")}");
        Console.WriteLine($"heads                 {CliModel.ModelHeads}");
        Console.WriteLine($"precision             {AlbertAot.Runtime.AlbertEngine.PrecisionOf(model)} (weights converted at build time: -p:AlbertPrecision=Float32|BFloat16|Int8)");
        if ((IAlbertModel)model is IAlbertClassifierModel classifier)
            Console.WriteLine($"labels                {string.Join(", ", classifier.Labels)}");
        Console.WriteLine($"tokenizer             {(CliModel.HasTokenizer ? "embedded spiece.model" : "none (ids only)")}");
        // The footprint the generated class states (AlbertFootprint): memory beyond the .NET runtime, in MiB.
        int shortLength = Math.Min(128, c.MaxPositionEmbeddings);
        AlbertAot.Runtime.AlbertFootprint full = CliModel.Footprint(c.MaxPositionEmbeddings), typical = CliModel.Footprint(shortLength);
        AlbertPrecision precision = AlbertAot.Runtime.AlbertEngine.PrecisionOf(model);
        string file = precision switch { AlbertPrecision.BFloat16 => "model.bf16.safetensors", AlbertPrecision.Int8 => "model.int8.safetensors", _ => "model.safetensors" };
        Console.WriteLine($"embedded weights      {Mib(full.EmbeddedWeightBytes)} ({file} inside this binary, read in place)");
        Console.WriteLine($"widened weights       {Mib(full.WidenedWeightBytes)} (F16/BF16 tensors copied to F32 at first use)");
        Console.WriteLine(precision == AlbertPrecision.Float32
            ? $"packed encoder        {Mib(full.PackedEncoderBytes)} (GEMM panels, packed in the background from the second forward pass)"
            : $"packed encoder        {Mib(full.PackedEncoderBytes)} ({precision} GEMM panels, packed at first use)");
        Console.WriteLine($"packed decoder        {Mib(full.PackedDecoderBytes)} (with the encoder, once the MLM head is used)");
        Console.WriteLine(shortLength == c.MaxPositionEmbeddings
            ? $"activations           {Mib(full.ActivationBytes)} per caller at {c.MaxPositionEmbeddings} tokens (batch 1, 1 thread)"
            : $"activations           {Mib(typical.ActivationBytes)} per caller at {shortLength} tokens, {Mib(full.ActivationBytes)} at {c.MaxPositionEmbeddings} (batch 1, 1 thread)");
        return 0;
    }

    private static string Mib(long bytes) => $"{bytes / (1024.0 * 1024.0):F2} MiB";

    private static int Forward(Options options) =>
        ForwardCommand.Run(new CliModel(), options.Require("--input"), options.Require("--output"), Console.Out);

    private static AlbertAot.Tokenization.AlbertTokenizer RequireTokenizer() =>
        new CliModel().Tokenizer ?? throw new CliException(
            "this AlbertCli was compiled without a tokenizer: build it with a checkpoint that has spiece.model, or -p:AlbertTokenizer=FILE.");

    /// <summary>Buffered UTF-8 standard output: the line-oriented verbs write thousands of lines.</summary>
    private static TextWriter StandardOutput() =>
        new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 1 << 16) { AutoFlush = false };

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return 1;
    }
}
