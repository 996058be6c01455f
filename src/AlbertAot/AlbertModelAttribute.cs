using System;

namespace AlbertAot;

/// <summary>
/// Compiles the ALBERT checkpoint named <paramref name="checkpointName"/> into this partial class at build time.
/// The checkpoint is declared in the project file as <c>&lt;AlbertCheckpoint Include="dir" Name="..." /&gt;</c>;
/// with none declared, <c>weights/&lt;name&gt;/</c> at the repository root is used.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class AlbertModelAttribute(string checkpointName) : Attribute
{
    /// <summary>The checkpoint's name as declared in the project file.</summary>
    public string CheckpointName { get; } = checkpointName;

    /// <summary>
    /// The heads this class needs, e.g. <c>Heads = AlbertHeads.SentenceOrder</c>: a checkpoint without one of them is
    /// build error ALB0020 (never invented weights). A task head named here is compiled even when config.architectures[0]
    /// does not name it (<c>classifier.*</c> alone does not say which head it is). Default: the heads
    /// config.architectures[0] names, plus the pooler and the MLM head when their tensors are present.
    /// </summary>
    public AlbertHeads Heads { get; set; }

    /// <summary>
    /// How the large matrices are stored and multiplied (<see cref="AlbertPrecision"/>): converted at build time by the
    /// MSBuild step, so the binary carries them in this precision. Default: the checkpoint item's
    /// <c>Precision</c> metadata, or <see cref="AlbertPrecision.Float32"/>.
    /// </summary>
    public AlbertPrecision Precision { get; set; }
}
