using System;
using System.IO;
using System.Linq;
using AlbertAot.Tests.Fixtures;
using AlbertAot.Weights;
using Xunit;

namespace AlbertAot.Tests.Integration;

/// <summary>
/// A consumer project outside the solution compiles a checkpoint folder it has never seen and its `forward` reproduces
/// the checkpoint's expected outputs.
/// </summary>
[Collection(BuildsCollection.Name)]
public class ConsumerProjectTests
{
    [Theory]
    [InlineData("tiny-groups")]      // F16 storage, 2 groups × 2 inner layers, gelu_new, stored decoder
    [InlineData("tiny-heads/base")]  // no "albert." prefix, no MLM head, relu
    public void A_consumer_project_compiles_an_unseen_checkpoint_and_reproduces_its_outputs(string fixture)
    {
        // Copy the checkpoint (not its cases) so the consumer compiles a folder the repository never named.
        string checkpoint = DotnetCli.TempDirectory("checkpoint");
        foreach (string file in new[] { "config.json", "model.safetensors" })
            File.Copy(Path.Combine(FixtureCases.Root, fixture, file), Path.Combine(checkpoint, file));
        var consumer = ConsumerProject.Create(checkpoint, "unseen-" + fixture.Replace('/', '-'));
        consumer.Build();

        float tolerance = FixtureCases.Tolerance(fixture);
        foreach (string caseFile in Directory.GetFiles(Path.Combine(FixtureCases.Root, fixture, "cases"), "*.safetensors"))
        {
            SafetensorsFile expected = SafetensorsFile.Read(caseFile);
            SafetensorsFile actual = SafetensorsFile.Read(consumer.Forward(caseFile));
            foreach (string name in new[] { "last_hidden_state", "pooler_output", "mlm_logits" }.Where(expected.Contains))
            {
                Assert.Equal(expected.Shape(name), actual.Shape(name));
                float[] e = expected.ReadSingles(name), a = actual.ReadSingles(name);
                float worst = e.Zip(a, (x, y) => MathF.Abs(x - y)).Max();
                Assert.True(worst <= tolerance, $"{fixture}/{Path.GetFileName(caseFile)} {name}: max diff {worst:G3} > {tolerance:G3}");
            }
        }
    }
}
