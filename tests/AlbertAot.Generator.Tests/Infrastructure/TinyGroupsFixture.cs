using System.IO;

namespace AlbertAot.Generator.Tests.Infrastructure;

/// <summary>
/// ../shared/fixtures/tiny-groups as the build targets describe it: its config.json and the real JSON header of its
/// model.safetensors (copied into Fixtures/tiny-groups), 3175356 bytes with a 10656-byte header.
/// </summary>
public static class TinyGroupsFixture
{
    public const long FileLength = 3175356;

    public static string Config => File.ReadAllText(Configs.FixturePath("tiny-groups", "config.json"));

    public static string Header => File.ReadAllText(Configs.FixturePath("tiny-groups", "header.json"));

    /// <summary>A builder whose synthesized tensors are those of the real file: F16, decoder weight and bias stored, SOP head.</summary>
    public static CheckpointBuilder Builder(string name = "tiny-groups") =>
        new CheckpointBuilder(name, Config).WithDType("F16").WithDecoderWeight().WithDecoderBias(DecoderBias.Both).WithSop();

    public static Checkpoint Checkpoint(string name = "tiny-groups") =>
        Builder(name).WithHeaderText(Header).WithSafetensorsLength(FileLength).Build();
}
