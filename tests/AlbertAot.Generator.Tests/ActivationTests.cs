using System.Collections.Generic;
using System.Linq;
using AlbertAot.Generator.Parsing;
using AlbertAot.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace AlbertAot.Generator.Tests;

/// <summary>Every hidden_act the generator accepts compiles to the runtime activation it names; anything else is ALB0006.</summary>
public class ActivationTests
{
    public static IEnumerable<object[]> SupportedActivations =>
        ConfigParser.Activations.OrderBy(p => p.Key, System.StringComparer.Ordinal).Select(p => new object[] { p.Key, p.Value });

    [Theory]
    [MemberData(nameof(SupportedActivations))]
    public void SupportedHiddenAct_CompilesAndSelectsItsKernel(string hiddenAct, string activation)
    {
        Checkpoint checkpoint = new CheckpointBuilder("act", Configs.With(Configs.Tiny, ("hidden_act", hiddenAct))).Build();
        GeneratorRun run = GeneratorHarness.Run(checkpoint).AssertGeneratesAndCompiles();
        var model = new GeneratedModel(run);

        Assert.Equal(hiddenAct, model.Constant("HiddenAct"));
        Assert.Equal(activation, model.ConfigActivation());
        // The enum member exists in the runtime (the compile above proves it) and the FFN and MLM head both apply it.
        string[] expectedCall = activation is "Gelu" or "GeluTanh" or "Silu" or "QuickGelu" or "Relu"
            ? new[] { activation }
            : new[] { $"Apply(global::AlbertAot.AlbertActivation.{activation})" };
        Assert.Equal(expectedCall, model.ActivationCalls("Layer"));
        Assert.Equal(expectedCall, model.ActivationCalls("RunMlmHead"));
    }

    [Fact]
    public void EveryRuntimeActivation_IsReachableFromSomeHiddenAct()
    {
        var reachable = ConfigParser.Activations.Values.Distinct().OrderBy(v => v).ToArray();
        var runtime = System.Enum.GetNames(typeof(AlbertAot.AlbertActivation)).OrderBy(v => v).ToArray();
        Assert.Equal(runtime, reachable);
    }

    [Theory]
    [InlineData("gelu_foo")]
    [InlineData("GELU")]
    [InlineData("prelu")]
    [InlineData("")]
    public void UnknownHiddenAct_IsAlb0006ListingSupportedOnes(string hiddenAct)
    {
        Checkpoint checkpoint = new CheckpointBuilder("act", Configs.With(Configs.Tiny, ("hidden_act", hiddenAct))).Build();
        Diagnostic d = GeneratorHarness.Run(checkpoint).Single("ALB0006");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        string message = GeneratorRun.Message(d);
        Assert.Contains("'act'", message);
        Assert.Contains($"'hidden_act' = \"{hiddenAct}\"", message);
        foreach (string supported in ConfigParser.Activations.Keys) Assert.Contains(supported, message);
    }

    [Fact]
    public void HiddenActNotAString_IsAlb0005()
    {
        Checkpoint checkpoint = new CheckpointBuilder("act", Configs.With(Configs.Tiny, ("hidden_act", 3))).Build();
        Diagnostic d = GeneratorHarness.Run(checkpoint).Single("ALB0005");
        Assert.Contains("'hidden_act' is 3, expected a string", GeneratorRun.Message(d));
    }
}
