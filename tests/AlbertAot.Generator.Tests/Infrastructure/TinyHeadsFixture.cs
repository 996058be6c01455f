using System.Collections.Generic;
using System.IO;

namespace AlbertAot.Generator.Tests.Infrastructure;

/// <summary>
/// The head checkpoints of ../shared/fixtures/tiny-heads as the build targets describe them: each config.json and the
/// real JSON header of its model.safetensors (copied into Fixtures/tiny-heads), with the file's length.
/// </summary>
public static class TinyHeadsFixture
{
    public static readonly IReadOnlyDictionary<string, long> FileLengths = new Dictionary<string, long>
    {
        ["seq-cls"] = 108412, ["token-cls"] = 104284, ["qa"] = 103888, ["multiple-choice"] = 108148,
    };

    public static string Config(string head) => File.ReadAllText(Configs.FixturePath("tiny-heads", head, "config.json"));

    public static string Header(string head) => File.ReadAllText(Configs.FixturePath("tiny-heads", head, "header.json"));

    /// <summary>The checkpoint named <paramref name="name"/> (default: the head's folder name) with the real header.</summary>
    public static Checkpoint Checkpoint(string head, string? name = null) =>
        new CheckpointBuilder(name ?? head, Config(head)).WithHeaderText(Header(head)).WithSafetensorsLength(FileLengths[head]).Build();
}
