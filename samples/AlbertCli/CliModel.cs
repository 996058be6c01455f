using AlbertAot;

namespace AlbertCli;

/// <summary>The checkpoint this program was built with (declared as "cli" in AlbertCli.csproj).</summary>
[AlbertModel("cli")]
internal sealed partial class CliModel;
