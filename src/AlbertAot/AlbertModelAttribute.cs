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
}
