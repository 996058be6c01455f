using System.IO;

namespace AlbertAot.Tests.Pipelines;

/// <summary>
/// The AlbertCli verbs, called in-process: samples/AlbertCli/FillMaskCommand.cs, EmbedCommand.cs and
/// PipelineCommand.cs are compiled into this test assembly by the project file (as TokenizeCommand.cs is).
/// </summary>
internal static class CliVerbs
{
    /// <summary><c>AlbertCli pipeline</c>: JSONL in, JSONL out.</summary>
    public static int Pipeline(TextReader input, TextWriter output, IAlbertModel model, TextWriter? log = null) =>
        AlbertCli.PipelineCommand.Run(input, output, model, log);

    /// <summary><c>AlbertCli fill-mask TEXT [--top-k N] [--targets a,b]</c>.</summary>
    public static int FillMask(string[] args, IAlbertModel model, TextWriter output, TextWriter? log = null) =>
        AlbertCli.FillMaskCommand.Run(args, model, output, log);

    /// <summary><c>AlbertCli embed TEXT [--pair TEXT2]</c>.</summary>
    public static int Embed(string[] args, IAlbertModel model, TextWriter output) =>
        AlbertCli.EmbedCommand.Run(args, model, output);
}
