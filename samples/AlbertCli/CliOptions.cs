using System;
using System.Collections.Generic;

namespace AlbertCli;

/// <summary>A usage error with the message to print.</summary>
internal sealed class CliException(string message) : Exception(message);

/// <summary>"--name value" pairs, only the names a verb accepts.</summary>
internal sealed class Options
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public static Options Parse(string[] args, params string[] names)
    {
        var options = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            if (Array.IndexOf(names, args[i]) < 0) throw new CliException($"unknown option '{args[i]}'; this verb takes {string.Join(", ", names)}.");
            if (i + 1 >= args.Length) throw new CliException($"option {args[i]} needs a value.");
            options._values[args[i]] = args[++i];
        }
        return options;
    }

    public string Require(string name) =>
        _values.TryGetValue(name, out string? value) ? value : throw new CliException($"missing option {name}.");

    public string Get(string name, string fallback) => _values.TryGetValue(name, out string? value) ? value : fallback;

    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) => _values.TryGetValue(name, out value);
}
