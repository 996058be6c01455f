using System;
using System.Linq;
using AlbertAot.Generator.Parsing;
using AlbertAot.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace AlbertAot.Generator.Tests;

/// <summary>
/// Random valid configs (fixed seed) for a real checkpoint's tensors. The random corruptions are MutationTests.
/// </summary>
public class FuzzTests
{
    private const int Seed = 20251126;

    /// <summary>
    /// Valid configs for the tiny-groups tensors with random values for what the tensors do not fix (layer count,
    /// layer_norm_eps over a realistic range, activation, padding id, ignored fields): every model compiles and
    /// carries the values. (Values outside float range are GeneratedCodeRobustnessTests' failing case.)
    /// </summary>
    [Fact]
    public void RandomValidConfigs_CompileWithTheirValues()
    {
        var random = new Random(Seed + 1);
        string[] activations = ConfigParser.Activations.Keys.ToArray();
        Compilation compilation = GeneratorHarness.CreateCompilation(GeneratorHarness.ModelSource("tiny-groups"));
        for (int i = 0; i < 60; i++)
        {
            // Up to the generator's bound on layer applications (tiny-groups has 2 inner layers per group).
            int layers = (int)Math.Round(Math.Exp(random.NextDouble() * Math.Log(ConfigParser.MaxLayerApplications / 2 / 4.0)) * 4);
            double eps = Math.Pow(10, -20 + random.NextDouble() * 19);
            string act = activations[random.Next(activations.Length)];
            int pad = random.Next(30000);
            string config = Configs.With(TinyGroupsFixture.Config, ("num_hidden_layers", layers), ("layer_norm_eps", eps),
                ("hidden_act", act), ("pad_token_id", pad), ("gap_size", random.Next(100)), ("hidden_dropout_prob", random.NextDouble()));
            Checkpoint checkpoint = TinyGroupsFixture.Builder().WithConfigFileText(config).WithHeaderText(TinyGroupsFixture.Header)
                .WithSafetensorsLength(TinyGroupsFixture.FileLength).Build();
            var (texts, options) = GeneratorHarness.Inputs(new[] { checkpoint });
            GeneratorRun run = GeneratorHarness.Run(GeneratorHarness.CreateDriver(texts, options), compilation);
            string context = $"case {i}: layers {layers}, eps {eps:R}, {act}, pad {pad}";
            try
            {
                run.AssertGeneratesAndCompiles();
                var model = new GeneratedModel(run);
                Assert.Equal(layers, model.Constant("NumHiddenLayers"));
                Assert.Equal((float)eps, model.Constant("LayerNormEps"));
                Assert.Equal(act, model.Constant("HiddenAct"));
                Assert.Equal(pad, model.Constant("PadTokenId"));
                Assert.Equal(GeneratedModel.HfSchedule(layers, 2, 2), model.Schedule());
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new Xunit.Sdk.XunitException(context + ": " + e.Message);
            }
        }
    }
}
