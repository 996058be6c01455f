using System;
using System.Linq;
using AlbertAot.Runtime;
using AlbertAot.Tests.Fixtures;
using Xunit;

namespace AlbertAot.Tests.Model;

/// <summary>The caller-buffer forward pass: the same numbers as the allocating one, and precise refusals of bad buffers.</summary>
public class OutputBuffersTests
{
    private static AlbertInputs Batch() => AlbertInputs.FromRows(
        [[2L, 10, 11, 12, 13, 3], [2L, 20, 21, 3, 0, 0]],
        tokenTypeIds: [[0L, 0, 0, 1, 1, 1], [0L, 0, 1, 1, 0, 0]],
        attentionMask: [[1L, 1, 1, 1, 1, 1], [1L, 1, 1, 1, 0, 0]]);

    public static TheoryData<string> Models => new() { "tiny-v1", "tiny-groups", "tiny-heads-base", "tiny-heads-seq-cls", "tiny-heads-token-cls", "tiny-heads-qa", "tiny-heads-multiple-choice" };

    internal static IAlbertModel Create(string name) => name switch
    {
        "tiny-v1" => new TinyV1Model(),
        "tiny-groups" => new TinyGroupsModel(),
        "tiny-heads-base" => new TinyHeadsBaseModel(),
        "tiny-heads-seq-cls" => new TinyHeadsSeqClsModel(),
        "tiny-heads-token-cls" => new TinyHeadsTokenClsModel(),
        "tiny-heads-qa" => new TinyHeadsQaModel(),
        "tiny-heads-multiple-choice" => new TinyHeadsMultipleChoiceModel(),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    /// <summary>Every output the model can give.</summary>
    internal static AlbertOutputKinds AllKinds(IAlbertModel model) => AlbertOutputKinds.Features
        | (model.HasMlmHead ? AlbertOutputKinds.MlmLogits : 0)
        | ((model.Heads & AlbertHeadsExtensions.TaskHeads) != 0 ? AlbertOutputKinds.Logits : 0);

    [Theory]
    [MemberData(nameof(Models))]
    public void Buffers_get_bit_identical_results_to_the_allocating_forward(string name)
    {
        IAlbertModel model = Create(name);
        AlbertInputs inputs = Batch();
        AlbertOutputKinds kinds = AllKinds(model);
        AlbertOutputs expected = model.Forward(inputs, kinds);
        AlbertOutputBuffers buffers = AlbertOutputBuffers.Allocate(model, inputs, kinds);

        model.Forward(inputs, buffers);
        AssertSame(expected, buffers);

        using AlbertSession session = model.CreateSession(threads: 2);
        AlbertOutputBuffers fromSession = AlbertOutputBuffers.Allocate(model, inputs, kinds);
        session.Forward(inputs, fromSession);
        AssertSame(expected, fromSession);
    }

    private static void AssertSame(AlbertOutputs expected, AlbertOutputBuffers actual)
    {
        void Same(FloatTensor? e, Memory<float> a)
        {
            if (e is null) Assert.True(a.IsEmpty);
            else Assert.Equal(e.Data, a.ToArray());
        }
        Same(expected.LastHiddenState, actual.LastHiddenState);
        Same(expected.PoolerOutput, actual.PoolerOutput);
        Same(expected.MlmLogits, actual.MlmLogits);
        Same(expected.Logits, actual.Logits);
        Same(expected.StartLogits, actual.StartLogits);
        Same(expected.EndLogits, actual.EndLogits);
        Same(expected.SopLogits, actual.SopLogits);
    }

    [Fact]
    public void Only_the_outputs_given_buffers_are_computed_and_longer_buffers_keep_their_tail()
    {
        var model = new TinyV1Model();
        AlbertInputs inputs = Batch();
        float[] expected = model.Forward(inputs, AlbertOutputKinds.PoolerOutput).PoolerOutput!.Data;
        var pooled = new float[expected.Length + 3];
        pooled.AsSpan().Fill(-7f);

        model.Forward(inputs, new AlbertOutputBuffers { PoolerOutput = pooled });

        Assert.Equal(expected, pooled[..expected.Length]);
        Assert.Equal([-7f, -7f, -7f], pooled[expected.Length..]);
    }

    [Fact]
    public void A_short_buffer_names_the_output_its_shape_and_the_size_it_needs()
    {
        var model = new TinyV1Model(); // hidden 32, vocab 30000
        AlbertInputs inputs = Batch(); // [2, 6]
        var e = Assert.Throws<ArgumentException>(() => model.Forward(inputs, new AlbertOutputBuffers { LastHiddenState = new float[100] }));
        Assert.Equal("buffers", e.ParamName);
        Assert.StartsWith("buffers.LastHiddenState holds 100 floats but LastHiddenState [batch 2, sequence 6, hidden 32] needs 384.", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.Forward(inputs, new AlbertOutputBuffers { PoolerOutput = new float[63] }));
        Assert.StartsWith("buffers.PoolerOutput holds 63 floats but PoolerOutput [batch 2, hidden 32] needs 64.", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.Forward(inputs, new AlbertOutputBuffers { MlmLogits = new float[10] }));
        Assert.StartsWith("buffers.MlmLogits holds 10 floats but MlmLogits [batch 2, sequence 6, vocab 30000] needs 360000.", e.Message);
        e = Assert.Throws<ArgumentException>(() => new TinyHeadsTokenClsModel().Forward(inputs, new AlbertOutputBuffers { Logits = new float[59] }));
        Assert.StartsWith("buffers.Logits holds 59 floats but Logits [batch 2, sequence 6, labels 5] needs 60.", e.Message);
        e = Assert.Throws<ArgumentException>(() => new TinyHeadsQaModel().Forward(inputs, new AlbertOutputBuffers { StartLogits = new float[12], EndLogits = new float[11] }));
        Assert.StartsWith("buffers.EndLogits holds 11 floats but EndLogits [batch 2, sequence 6] needs 12.", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.MlmLogitsAt(inputs, [(0, 1), (1, 2)], new float[30000]));
        Assert.Equal("logits", e.ParamName);
        Assert.StartsWith("logits holds 30000 floats but [positions 2, vocab 30000] needs 60000.", e.Message);
    }

    [Fact]
    public void Buffers_for_outputs_the_checkpoint_cannot_give_are_refused()
    {
        AlbertInputs inputs = Batch();
        var none = Assert.Throws<ArgumentException>(() => new TinyV1Model().Forward(inputs, new AlbertOutputBuffers()));
        Assert.StartsWith("No output buffer is given", none.Message);
        var noMlm = Assert.Throws<InvalidOperationException>(() => new TinyHeadsBaseModel().Forward(inputs, new AlbertOutputBuffers { MlmLogits = new float[1 << 16] }));
        Assert.Contains("has no MLM head", noMlm.Message);
        var noPooler = Assert.Throws<InvalidOperationException>(() => new TinyHeadsQaModel().Forward(inputs, new AlbertOutputBuffers { PoolerOutput = new float[1000] }));
        Assert.Contains("has no pooler", noPooler.Message);
        var noTask = Assert.Throws<InvalidOperationException>(() => new TinyV1Model().Forward(inputs, new AlbertOutputBuffers { Logits = new float[1000] }));
        Assert.Contains("has no task head", noTask.Message);
        var qaLogits = Assert.Throws<ArgumentException>(() => new TinyHeadsQaModel().Forward(inputs, new AlbertOutputBuffers { Logits = new float[1000] }));
        Assert.Contains("writes StartLogits and EndLogits, not Logits", qaLogits.Message);
        var notQa = Assert.Throws<ArgumentException>(() => new TinyHeadsSeqClsModel().Forward(inputs, new AlbertOutputBuffers { StartLogits = new float[1000] }));
        Assert.Contains("has a sequence-classification head: use Logits", notQa.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TinyV1Model().Forward(inputs, (AlbertOutputKinds)256));
    }

    [Fact]
    public void Overlapping_buffers_are_refused_before_anything_is_written()
    {
        var model = new TinyV1Model();
        AlbertInputs inputs = Batch();
        var shared = new float[2000];
        shared.AsSpan().Fill(5f);
        var e = Assert.Throws<ArgumentException>(() => model.Forward(inputs, new AlbertOutputBuffers
        {
            LastHiddenState = shared.AsMemory(0, 384),
            PoolerOutput = shared.AsMemory(383, 64),
        }));
        Assert.Contains("buffers.LastHiddenState and buffers.PoolerOutput overlap", e.Message);
        Assert.All(shared, v => Assert.Equal(5f, v));
        // Adjacent is fine.
        model.Forward(inputs, new AlbertOutputBuffers { LastHiddenState = shared.AsMemory(0, 384), PoolerOutput = shared.AsMemory(384, 64) });
    }

    [Fact]
    public void Bad_ids_leave_the_callers_buffers_untouched()
    {
        var model = new TinyV1Model();
        var hidden = new float[3 * 32];
        hidden.AsSpan().Fill(1f);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward(AlbertInputs.Single(2, 30000, 3), new AlbertOutputBuffers { LastHiddenState = hidden }));
        Assert.All(hidden, v => Assert.Equal(1f, v));
    }

    [Fact]
    public void MlmLogitsAt_into_a_span_equals_the_allocating_form()
    {
        var model = new TinyV1Model();
        AlbertInputs inputs = Batch();
        (int, int)[] positions = [(0, 2), (1, 1), (0, 5)];
        float[] expected = model.MlmLogitsAt(inputs, positions).Data;
        var logits = new float[expected.Length];
        model.MlmLogitsAt(inputs, positions, logits);
        Assert.Equal(expected, logits);
        using AlbertSession session = model.CreateSession(2);
        var fromSession = new float[expected.Length];
        session.MlmLogitsAt(inputs, positions, fromSession);
        Assert.Equal(expected, fromSession);
    }

    [Fact]
    public void Multiple_choice_buffers_hold_one_score_per_row()
    {
        var model = new TinyHeadsMultipleChoiceModel();
        long[] ids = [2, 10, 11, 3, 2, 12, 13, 3, 2, 14, 15, 3, 2, 16, 17, 3]; // 2 examples × 2 choices × 4 tokens
        AlbertInputs inputs = AlbertInputs.FromChoices(2, 2, 4, ids);
        AlbertOutputs expected = model.Forward(inputs, AlbertOutputKinds.Logits);
        Assert.Equal([2, 2], expected.Logits!.Shape);
        AlbertOutputBuffers buffers = AlbertOutputBuffers.Allocate(model, inputs, AlbertOutputKinds.Logits);
        Assert.Equal(4, buffers.Logits.Length);
        model.Forward(inputs, buffers);
        Assert.Equal(expected.Logits.Data, buffers.Logits.ToArray());
    }

    [Fact]
    public void Allocate_sizes_every_output_and_refuses_missing_heads()
    {
        AlbertInputs inputs = Batch();
        AlbertOutputBuffers qa = AlbertOutputBuffers.Allocate(new TinyHeadsQaModel(), inputs, AlbertOutputKinds.Features | AlbertOutputKinds.Logits);
        Assert.Equal((12 * 32, 0, 12, 12, 0), (qa.LastHiddenState.Length, qa.PoolerOutput.Length, qa.StartLogits.Length, qa.EndLogits.Length, qa.Logits.Length));
        Assert.Equal(AlbertOutputKinds.LastHiddenState | AlbertOutputKinds.Logits, qa.Kinds);
        Assert.Throws<InvalidOperationException>(() => AlbertOutputBuffers.Allocate(new TinyHeadsQaModel(), inputs, AlbertOutputKinds.MlmLogits));
    }

    [Fact]
    public void MLM_logits_too_large_for_one_array_are_a_clear_error_not_a_crash()
    {
        // 1200 rows × 64 tokens × 30000 vocabulary = 2.3G floats: more than an array holds.
        var model = new TinyV1Model();
        AlbertInputs inputs = new(1200, 64, new long[1200 * 64]);
        var e = Assert.Throws<ArgumentException>(() => model.Forward(inputs, AlbertOutputKinds.MlmLogits));
        Assert.Contains("MLM logits for [batch 1200, sequence 64] would hold 2304000000 floats", e.Message);
        Assert.Contains("MlmLogitsAt", e.Message);
    }
}
