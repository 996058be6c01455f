using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using AlbertAot.Kernels;
using AlbertAot.Runtime;
using AlbertAot.Tests.Fixtures;
using AlbertAot.Weights;
using Xunit;

namespace AlbertAot.Tests.Runtime;

/// <summary>
/// The footprint the generated class states (Footprint(maxSequenceLength)) against what the runtime really allocates:
/// the packed copies made by packing, the buffers of a run state, the widened copies of F16 tensors, the file size.
/// </summary>
public class FootprintTests
{
    private static string FixtureFile(string fixture) => Path.Combine(AppContext.BaseDirectory, "data", "fixtures", fixture, "model.safetensors");

    [Fact]
    public void EmbeddedBytesAreTheCheckpointFile()
    {
        Assert.Equal(TinyV1Model.EmbeddedWeightBytes, new FileInfo(FixtureFile("tiny-v1")).Length);
        Assert.Equal(TinyGroupsModel.EmbeddedWeightBytes, new FileInfo(FixtureFile("tiny-groups")).Length);
        Assert.Equal(TinyV1Model.EmbeddedWeightBytes, TinyV1Model.Footprint(16).EmbeddedWeightBytes);
    }

    [Fact]
    public void WidenedBytesAreTheF16TensorsCopiedToF32()
    {
        Assert.Equal(0, TinyV1Model.WidenedWeightBytes); // F32: every tensor read in place
        Assert.All(Tensors(TinyV1Model.ModelWeights), t => Assert.True(t.IsInPlace, t.Name));

        List<WeightTensor> widened = Tensors(TinyGroupsModel.ModelWeights).Where(t => !t.IsInPlace).ToList(); // F16 storage
        Assert.NotEmpty(widened);
        Assert.Equal(TinyGroupsModel.WidenedWeightBytes, widened.Sum(t => 4L * t.Length));
    }

    [Fact]
    public void PackedBytesAreWhatPackingAllocates()
    {
        AlbertFootprint footprint = TinyGroupsModel.Footprint(32);
        var packed = new AlbertPackedWeights(TinyGroupsModel.ModelWeights, TinyGroupsModel.ModelConfig, packInBackground: false);
        Assert.Equal(0, packed.PackedBytes);
        packed.PackEncoder();
        Assert.Equal(footprint.PackedEncoderBytes, packed.PackedBytes);
        packed.Decoder.EnsurePacked();
        Assert.Equal(footprint.PackedEncoderBytes + footprint.PackedDecoderBytes, packed.PackedBytes);
        Assert.Equal(packed.PackedBytesWhenAllPacked, packed.PackedBytes);
        Assert.True(footprint.PackedDecoderBytes > 0);
    }

    [Fact]
    public void ReducedPrecisionFootprintsAreWhatTheirNarrowPackingAllocates()
    {
        foreach (var (weights, config, footprint, precision) in new[]
                 {
                     (TinyGroupsBFloat16Model.ModelWeights, TinyGroupsBFloat16Model.ModelConfig, TinyGroupsBFloat16Model.Footprint(32), AlbertPrecision.BFloat16),
                     (TinyGroupsInt8Model.ModelWeights, TinyGroupsInt8Model.ModelConfig, TinyGroupsInt8Model.Footprint(32), AlbertPrecision.Int8),
                 })
        {
            var packed = new AlbertPackedWeights(weights, config, packInBackground: false);
            packed.PackEncoder();
            packed.Decoder.EnsurePacked();
            Assert.Equal(footprint.PackedEncoderBytes + footprint.PackedDecoderBytes, packed.PackedBytes);
            // Narrower than float32 panels, and the converted matrices are never widened.
            AlbertFootprint float32 = TinyGroupsModel.Footprint(32);
            Assert.True(footprint.PackedEncoderBytes < float32.PackedEncoderBytes * (precision == AlbertPrecision.Int8 ? 0.35 : 0.6),
                $"{precision}: packed encoder {footprint.PackedEncoderBytes} vs float32 {float32.PackedEncoderBytes}");
            Assert.Equal(Tensors(weights).Distinct().Where(t => !t.IsInPlace).Sum(t => 4L * t.Length), footprint.WidenedWeightBytes);
            string resource = $"AlbertAot/{config.CheckpointName}/model.{(precision == AlbertPrecision.Int8 ? "int8" : "bf16")}.safetensors";
            using (Stream? embedded = typeof(TinyGroupsInt8Model).Assembly.GetManifestResourceStream(resource))
                Assert.Equal(embedded?.Length, footprint.EmbeddedWeightBytes); // the converted file, not the source (F16 here)
        }
    }

    [Fact]
    public async System.Threading.Tasks.Task BackgroundPackingPacksTheEncoderThenTheDecoderOnceTheHeadIsUsed()
    {
        var packed = new AlbertPackedWeights(TinyV1Model.ModelWeights, TinyV1Model.ModelConfig);
        AlbertFootprint footprint = TinyV1Model.Footprint(8);
        PackedLinear decoder = packed.Decoder; // before packing has started: only read, never queued
        Assert.Equal(0, packed.PackedBytes); // nothing until asked (the engine asks at its second forward pass)
        packed.StartBackgroundPacking();
        packed.StartBackgroundPacking(); // once
        await packed.BackgroundPacking.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(footprint.PackedEncoderBytes, packed.PackedBytes);
        Assert.False(decoder.IsPacked, "The decoder is packed only once the MLM head is used after packing started.");

        Assert.Same(decoder, packed.Decoder); // the MLM head asks for it: queued
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!decoder.IsPacked && clock.Elapsed < TimeSpan.FromSeconds(30)) await System.Threading.Tasks.Task.Delay(10);
        Assert.True(decoder.IsPacked, "The decoder was not packed within 30 s of the head's use.");
        Assert.Equal(footprint.PackedEncoderBytes + footprint.PackedDecoderBytes, packed.PackedBytes);
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(1, 37, 1)]
    [InlineData(3, 64, 2)]
    [InlineData(2, 64, 4)]
    public void ActivationBytesAreTheRunStateBuffers(int batch, int seq, int threads)
    {
        AlbertConfig config = TinyGroupsModel.ModelConfig;
        using var pool = threads > 1 ? new ComputePool(threads) : null;
        var state = new AlbertRunState(config, pool);
        state.EnsureCapacity(batch * seq, seq, batch);
        long bytes = 4L * (state.InputIds.Length + state.TokenTypeIds.Length + state.PositionIds.Length + state.MaskBias.Length
            + state.SequenceStarts.Length + state.Embedded.Length
            + state.Hidden.Length + state.Qkv.Length + state.Context.Length + state.Projected.Length + state.Attended.Length
            + state.Intermediate.Length + state.AttentionScratch.Length + state.MlmTransform.Length
            + state.GatheredRowsFor(batch).Length + state.PooledRowsFor(batch).Length);
        Assert.Equal(bytes, TinyGroupsModel.Footprint(seq, batch, threads).ActivationBytes);
    }

    [Fact]
    public void AlbertBaseShapeStatesItsFootprint()
    {
        // albert-base-v1's config: 28.3 MB of packed shared layer, 15.4 MB of packed decoder, 4.5 MB of activations at 128 tokens (34.8 KB per token: E, H, 3H, I and four more H-wide rows).
        var config = new AlbertConfig("albert-base-v1", 30000, 128, 768, 12, 1, 1, 12, 3072, 512, 2, 1e-12f, "gelu", AlbertActivation.Gelu, 0);
        AlbertFootprint f = AlbertFootprint.Compute(config, AlbertHeads.Pooler | AlbertHeads.MaskedLM, 47_252_800, 0, 128);
        long layer = 4L * (48 * 48 * 769 + 16 * 48 * 769 + 64 * 48 * 769 + 16 * 48 * 3073);
        Assert.Equal(layer + 4L * (16 * 48 * 129 + 16 * 48 * 769 + 3 * 48 * 769), f.PackedEncoderBytes);
        Assert.Equal(4L * 625 * 48 * 129, f.PackedDecoderBytes);
        Assert.InRange(f.ActivationBytes, 4_400_000, 4_600_000);
        Assert.Equal(f.WidenedWeightBytes + f.PackedEncoderBytes + f.PackedDecoderBytes + f.ActivationBytes, f.AllocatedBytes);
    }

    [Fact]
    public void RejectsLengthsTheModelCannotRun()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => TinyV1Model.Footprint(TinyV1Model.MaxPositionEmbeddings + 1));
        Assert.Contains("max_position_embeddings", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => TinyV1Model.Footprint(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => TinyV1Model.Footprint(8, batchSize: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => TinyV1Model.Footprint(8, threads: 0));
    }

    private static List<WeightTensor> Tensors(AlbertWeights w)
    {
        var all = new List<WeightTensor>();
        var e = w.Embeddings;
        all.AddRange([e.WordEmbeddings, e.PositionEmbeddings, e.TokenTypeEmbeddings, e.LayerNormWeight, e.LayerNormBias, e.MappingInWeight, e.MappingInBias]);
        foreach (var group in w.Groups)
            foreach (var l in group)
                all.AddRange([l.QueryWeight, l.QueryBias, l.KeyWeight, l.KeyBias, l.ValueWeight, l.ValueBias, l.AttentionDenseWeight, l.AttentionDenseBias,
                    l.AttentionLayerNormWeight, l.AttentionLayerNormBias, l.FfnWeight, l.FfnBias, l.FfnOutputWeight, l.FfnOutputBias,
                    l.FullLayerNormWeight, l.FullLayerNormBias]);
        if (w.Pooler is { } p) all.AddRange([p.Weight, p.Bias]);
        if (w.MlmHead is { } m) all.AddRange([m.DenseWeight, m.DenseBias, m.LayerNormWeight, m.LayerNormBias, m.DecoderWeight, m.DecoderBias]);
        if (w.SopClassifier is { } sop) all.AddRange([sop.Weight, sop.Bias]);
        if (w.TaskClassifier is { } task) all.AddRange([task.Weight, task.Bias]);
        return all.Distinct().ToList();
    }
}
