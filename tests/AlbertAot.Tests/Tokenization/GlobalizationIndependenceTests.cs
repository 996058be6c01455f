using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace AlbertAot.Tests.Tokenization;

/// <summary>
/// The tokenizer must give the same ids in an ICU-free binary (InvariantGlobalization), where string.Normalize does
/// nothing and culture data is absent. A test process cannot switch that mode on for itself, so this checks the
/// source instead: no tokenizer file calls .NET's normalization, casing or culture-sensitive comparison.
/// </summary>
public sealed partial class GlobalizationIndependenceTests
{
    [Fact]
    public void TokenizerSourceUsesNoGlobalizationDependentApi()
    {
        string root = RepositoryRoot();
        IEnumerable<string> files = Directory.EnumerateFiles(Path.Combine(root, "src", "AlbertAot", "Tokenization"), "*.cs")
            .Append(Path.Combine(root, "samples", "AlbertCli", "TokenizeCommand.cs"));

        var findings = new List<string>();
        foreach (string file in files)
        {
            string[] lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                string code = lines[i].Split("//")[0];
                if (ForbiddenApi().IsMatch(code) || CultureSensitiveStringSearch().IsMatch(code))
                    findings.Add($"{Path.GetFileName(file)}:{i + 1}: {lines[i].Trim()}");
            }
        }
        Assert.True(findings.Count == 0, "globalization-dependent calls:\n" + string.Join("\n", findings));
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (Directory.Exists(Path.Combine(directory.FullName, "src", "AlbertAot", "Tokenization"))) return directory.FullName;
        }
        throw new DirectoryNotFoundException($"No src/AlbertAot/Tokenization above {AppContext.BaseDirectory}.");
    }

    // string.Normalize()/IsNormalized (other overloads name NormalizationForm), casing, culture objects, char classification from .NET's own Unicode data.
    [GeneratedRegex(@"\.Normalize\(\)|IsNormalized|NormalizationForm|ToLower|ToUpper|CultureInfo|CurrentCulture|InvariantCulture|CompareInfo|TextInfo|char\.Is(WhiteSpace|Digit|Letter|Upper|Lower|Number|Punctuation)|Rune\.(To|Is)|GetUnicodeCategory")]
    private static partial Regex ForbiddenApi();

    // string.StartsWith/EndsWith/IndexOf/LastIndexOf/Compare with a string argument and no StringComparison are culture-sensitive.
    [GeneratedRegex(@"\.(StartsWith|EndsWith|IndexOf|LastIndexOf)\(""[^""]*""\)|string\.Compare\(")]
    private static partial Regex CultureSensitiveStringSearch();
}
