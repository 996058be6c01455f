using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using AlbertAot.Weights;
using Xunit;

namespace AlbertAot.Tests.Fixtures;

/// <summary>The fixture copies in data/fixtures and their case files (inputs and expected outputs).</summary>
public static class FixtureCases
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "data", "fixtures");

    /// <summary>Fixture folder (relative to data/fixtures) → its compiled model.</summary>
    public static readonly IReadOnlyDictionary<string, Func<IAlbertModel>> Models = new Dictionary<string, Func<IAlbertModel>>
    {
        ["tiny-v1"] = () => new TinyV1Model(),
        ["tiny-groups"] = () => new TinyGroupsModel(),
        ["tiny-heads/base"] = () => new TinyHeadsBaseModel(),
        ["tiny-heads/seq-cls"] = () => new TinyHeadsSeqClsModel(),
        ["tiny-heads/token-cls"] = () => new TinyHeadsTokenClsModel(),
        ["tiny-heads/qa"] = () => new TinyHeadsQaModel(),
        ["tiny-heads/multiple-choice"] = () => new TinyHeadsMultipleChoiceModel(),
    };

    /// <summary>Every case of every fixture whose inputs are [batch, seq] (multiple choice's [batch, choices, seq] are tested in Heads/).</summary>
    public static TheoryData<string, string> All()
    {
        var data = new TheoryData<string, string>();
        foreach (var (fixture, caseName) in Cases())
            if (Read(fixture, caseName).Shape("input_ids").Length == 2) data.Add(fixture, caseName);
        return data;
    }

    /// <summary>Every (fixture, case) pair.</summary>
    public static IEnumerable<(string Fixture, string Case)> Cases()
    {
        foreach (string fixture in Models.Keys)
            foreach (string file in Directory.GetFiles(Path.Combine(Root, fixture, "cases"), "*.safetensors").OrderBy(f => f, StringComparer.Ordinal))
                yield return (fixture, Path.GetFileNameWithoutExtension(file));
    }

    public static SafetensorsFile Read(string fixture, string caseName) =>
        SafetensorsFile.Read(Path.Combine(Root, fixture, "cases", caseName + ".safetensors"));

    /// <summary>The fixtures README's tolerances: 1e-4 for F32 checkpoints, 2e-4 for F16/BF16 storage.</summary>
    public static float Tolerance(string fixture) => fixture == "tiny-groups" ? 2e-4f : 1e-4f;

    public static AlbertInputs Inputs(SafetensorsFile file)
    {
        int[] shape = file.Shape("input_ids");
        if (shape.Length == 3)
            return AlbertInputs.FromChoices(shape[0], shape[1], shape[2], file.ReadInt64s("input_ids"),
                file.Contains("token_type_ids") ? file.ReadInt64s("token_type_ids") : null,
                file.Contains("attention_mask") ? file.ReadInt64s("attention_mask") : null);
        return new AlbertInputs(shape[0], shape[1], file.ReadInt64s("input_ids"),
            file.Contains("token_type_ids") ? file.ReadInt64s("token_type_ids") : null,
            file.Contains("attention_mask") ? file.ReadInt64s("attention_mask") : null);
    }

    /// <summary>Asserts shape equality and max |expected − actual| ≤ tolerance, reporting the worst element.</summary>
    public static float AssertClose(string what, SafetensorsFile expectedFile, string name, FloatTensor? actual, float tolerance)
    {
        Assert.True(actual is not null, $"{what}: {name} was not computed");
        int[] shape = expectedFile.Shape(name);
        Assert.Equal(shape, actual!.Shape);
        float[] expected = expectedFile.ReadSingles(name);
        int worst = 0;
        float worstDiff = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            float diff = MathF.Abs(expected[i] - actual.Data[i]);
            if (!(diff <= worstDiff)) { worstDiff = diff; worst = i; }
        }
        Assert.True(worstDiff <= tolerance,
            $"{what}: {name} differs by {worstDiff:G3} at flat index {worst} (expected {expected[worst]}, got {actual.Data[worst]}); tolerance {tolerance:G3}");
        return worstDiff;
    }
}
