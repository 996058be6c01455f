using System;
using System.Globalization;

namespace AlbertAot.Generator.Parsing;

/// <summary>
/// What build/AlbertAot.targets found for one declared checkpoint: its files, the size of model.safetensors and
/// its header (the generator may not read files itself). Written to obj/ as "&lt;name&gt;.albert": key=value
/// lines, then "header=" followed by the raw JSON header to the end of the file.
/// </summary>
internal sealed record CheckpointDescriptor(
    string Name,
    string Directory,
    string ConfigPath,
    bool ConfigExists,
    string SafetensorsPath,
    long SafetensorsLength,
    long HeaderLength,
    string HeaderError,
    string TokenizerPath,
    bool TokenizerDeclared,
    bool TokenizerExists,
    string HeaderJson)
{
    public const string Extension = ".albert";

    /// <summary>Reads a descriptor; null when the text is not one (then the build targets and generator disagree).</summary>
    public static CheckpointDescriptor? Parse(string? text)
    {
        if (text is null) return null;
        string name = "", directory = "", configPath = "", safetensorsPath = "", headerError = "", tokenizerPath = "", headerJson = "";
        bool configExists = false, tokenizerDeclared = false, tokenizerExists = false;
        long length = -1, headerLength = -1;
        int pos = 0;
        while (pos < text.Length)
        {
            int end = text.IndexOf('\n', pos);
            if (end < 0) end = text.Length;
            string line = text.Substring(pos, end - pos).TrimEnd('\r');
            if (line.StartsWith("header=", StringComparison.Ordinal))
            {
                headerJson = text.Substring(pos + "header=".Length);
                break;
            }
            pos = end + 1;
            if (line.Length == 0 || line[0] == '#') continue;
            int eq = line.IndexOf('=');
            if (eq <= 0) continue;
            string key = line.Substring(0, eq), value = line.Substring(eq + 1);
            switch (key)
            {
                case "name": name = value; break;
                case "directory": directory = value; break;
                case "config": configPath = value; break;
                case "config_exists": configExists = value == "true"; break;
                case "safetensors": safetensorsPath = value; break;
                case "safetensors_length": length = ParseLong(value); break;
                case "header_length": headerLength = ParseLong(value); break;
                case "header_error": headerError = value; break;
                case "tokenizer": tokenizerPath = value; break;
                case "tokenizer_declared": tokenizerDeclared = value == "true"; break;
                case "tokenizer_exists": tokenizerExists = value == "true"; break;
            }
        }
        if (name.Length == 0) return null;
        return new CheckpointDescriptor(name, directory, configPath, configExists, safetensorsPath, length, headerLength,
            headerError, tokenizerPath, tokenizerDeclared, tokenizerExists, headerJson);
    }

    private static long ParseLong(string value) =>
        long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) ? v : -1;
}
