using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using AlbertAot.Weights;

namespace AlbertAot.CheckpointMaker;

internal static class Program
{
    private const string Usage = """
        Usage: AlbertAot.CheckpointMaker --out DIR [options]

        Writes DIR/config.json and DIR/model.safetensors: a random ALBERT checkpoint in HuggingFace layout,
        by default of albert-base-v1's exact shape.

        Shape (fields of albert-base-v1's config.json, replaced by --config's, then by the flags):
          --config FILE          start from this config.json
          --vocab N              vocab_size
          --embedding N          embedding_size
          --hidden N             hidden_size
          --layers N             num_hidden_layers
          --groups N             num_hidden_groups
          --inner N              inner_group_num
          --heads N              num_attention_heads
          --intermediate N       intermediate_size
          --max-position N       max_position_embeddings
          --act NAME             hidden_act (gelu, gelu_new, relu, ...)

        Storage:
          --dtype F32|F16|BF16   storage of the weights (default F32)
          --seed N               values depend only on the seed and the tensor name (default 0)
          --no-prefix            backbone tensors without the 'albert.' prefix (as a bare AlbertModel saves them)
          --decoder omit|store   omit the tied MLM decoder (current HF, default) or store
                                 predictions.decoder.{weight,bias} as copies (old checkpoints)
          --position-ids         add the I64 buffer albert.embeddings.position_ids [1, max_position]

        Heads (default: pooler and MLM head, architecture AlbertForMaskedLM):
          --no-pooler            leave out albert.pooler
          --no-mlm               leave out the MLM head (architecture AlbertModel)
          --sop                  add sop_classifier.classifier (architecture AlbertForPreTraining)
        """;

    public static int Main(string[] args)
    {
        if (args.Length == 0 || Array.Exists(args, arg => arg is "--help" or "-h"))
        {
            // Asked for, the usage is the output; given no arguments, it is the error.
            (args.Length == 0 ? Console.Error : Console.Out).WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }

        string outputDirectory;
        RandomCheckpointOptions options;
        try
        {
            (outputDirectory, options) = Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            Console.Error.WriteLine("Run with --help for the options.");
            return 2;
        }

        var stopwatch = Stopwatch.StartNew();
        RandomCheckpointFiles files;
        try
        {
            files = RandomCheckpoint.Write(outputDirectory, options);
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        Console.WriteLine(
            $"Wrote {files.ConfigPath} and {files.ModelPath}: {files.TensorCount} tensors, {files.ModelBytes} bytes, " +
            $"{options.DType}, seed {options.Seed}, in {stopwatch.Elapsed.TotalSeconds:F2} s.");
        return 0;
    }

    private static (string OutputDirectory, RandomCheckpointOptions Options) Parse(string[] args)
    {
        string? outputDirectory = null;
        var options = new RandomCheckpointOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string flag = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{flag} needs a value.");
            int Integer() => int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value > 0
                ? value
                : throw new ArgumentException($"{flag} needs a positive integer, not '{args[i]}'.");

            if (flag == "--out")
            {
                outputDirectory = Value();
                continue;
            }
            options = flag switch
            {
                "--config" => options with { ConfigPath = Value() },
                "--vocab" => options with { VocabSize = Integer() },
                "--embedding" => options with { EmbeddingSize = Integer() },
                "--hidden" => options with { HiddenSize = Integer() },
                "--layers" => options with { NumHiddenLayers = Integer() },
                "--groups" => options with { NumHiddenGroups = Integer() },
                "--inner" => options with { InnerGroupNum = Integer() },
                "--heads" => options with { NumAttentionHeads = Integer() },
                "--intermediate" => options with { IntermediateSize = Integer() },
                "--max-position" => options with { MaxPositionEmbeddings = Integer() },
                "--act" => options with { HiddenAct = Value() },
                "--dtype" => options with { DType = ParseDType(Value()) },
                "--seed" => options with { Seed = ParseSeed(Value()) },
                "--no-prefix" => options with { AlbertPrefix = false },
                "--decoder" => options with { Decoder = ParseDecoder(Value()) },
                "--position-ids" => options with { PositionIds = true },
                "--no-pooler" => options with { Pooler = false },
                "--no-mlm" => options with { MaskedLMHead = false },
                "--sop" => options with { SentenceOrderHead = true },
                _ => throw new ArgumentException($"Unknown option '{flag}'."),
            };
        }
        return (outputDirectory ?? throw new ArgumentException("--out DIR is required."), options);
    }

    private static SafetensorsDType ParseDType(string value) => value.ToUpperInvariant() switch
    {
        "F32" => SafetensorsDType.F32,
        "F16" => SafetensorsDType.F16,
        "BF16" => SafetensorsDType.BF16,
        _ => throw new ArgumentException($"--dtype is F32, F16 or BF16, not '{value}'."),
    };

    private static ulong ParseSeed(string value) =>
        ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong seed)
            ? seed
            : throw new ArgumentException($"--seed needs a non-negative integer, not '{value}'.");

    private static DecoderStorage ParseDecoder(string value) => value switch
    {
        "omit" => DecoderStorage.Omit,
        "store" => DecoderStorage.Store,
        _ => throw new ArgumentException($"--decoder is omit or store, not '{value}'."),
    };
}
