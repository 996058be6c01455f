using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using AlbertAot.Runtime;
using AlbertAot.Tests.Fixtures;
using AlbertAot.Weights;
using Xunit;

namespace AlbertAot.Tests.Heads;

/// <summary>
/// The heads of ../shared/fixtures (tiny-heads/{seq-cls,token-cls,qa,multiple-choice} and tiny-groups' SOP head),
/// compiled by the generator, against the float64 reference's expected outputs: through the model, through a session and
/// through <c>AlbertCli forward</c> (run in-process), within the fixtures' tolerances.
/// </summary>
public class HeadFixtureTests
{
    /// <summary>The head outputs a case file can hold, under the fixtures' names.</summary>
    private static readonly string[] HeadOutputs = ["logits", "start_logits", "end_logits", "sop_logits"];

    public static TheoryData<string, string> HeadCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var (fixture, caseName) in FixtureCases.Cases())
        {
            SafetensorsFile file = FixtureCases.Read(fixture, caseName);
            if (HeadOutputs.Any(file.Contains)) data.Add(fixture, caseName);
        }
        return data;
    }

    [Fact]
    public void Every_head_fixture_has_cases()
    {
        var fixtures = HeadCases().Select(row => (string)row[0]).Distinct().Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["tiny-groups", "tiny-heads/multiple-choice", "tiny-heads/qa", "tiny-heads/seq-cls", "tiny-heads/token-cls"], fixtures);
        Assert.Equal(5 + 5 + 5 + 5 + 1, HeadCases().Count);
    }

    [Theory]
    [MemberData(nameof(HeadCases))]
    public void Forward_matches_the_expected_head_outputs(string fixture, string caseName)
    {
        IAlbertModel model = FixtureCases.Models[fixture]();
        SafetensorsFile file = FixtureCases.Read(fixture, caseName);

        AlbertOutputs outputs = model.Forward(FixtureCases.Inputs(file), KindsFor(file));

        AssertMatches($"{fixture}/{caseName}", file, outputs, FixtureCases.Tolerance(fixture));
    }

    [Theory]
    [MemberData(nameof(HeadCases))]
    public void A_session_with_two_threads_gives_the_same_head_outputs(string fixture, string caseName)
    {
        IAlbertModel model = FixtureCases.Models[fixture]();
        SafetensorsFile file = FixtureCases.Read(fixture, caseName);
        AlbertInputs inputs = FixtureCases.Inputs(file);
        AlbertOutputs alone = model.Forward(inputs, KindsFor(file));

        using AlbertSession session = model.CreateSession(threads: 2);
        AlbertOutputs shared = session.Forward(inputs, KindsFor(file));

        foreach (var (name, tensor) in Named(alone))
        {
            FloatTensor other = Named(shared).Single(n => n.Name == name).Tensor;
            Assert.Equal(tensor.Shape, other.Shape);
            Assert.True(tensor.Data.AsSpan().SequenceEqual(other.Data), $"{name} differs through a session");
        }
    }

    [Theory]
    [MemberData(nameof(HeadCases))]
    public void AlbertCli_forward_writes_the_head_outputs_under_the_fixture_names(string fixture, string caseName)
    {
        IAlbertModel model = FixtureCases.Models[fixture]();
        string input = Path.Combine(FixtureCases.Root, fixture, "cases", caseName + ".safetensors");
        string output = Path.Combine(Path.GetTempPath(), $"albertaot-forward-{Guid.NewGuid():N}.safetensors");
        try
        {
            var log = new StringWriter();
            Assert.Equal(0, AlbertCli.ForwardCommand.Run(model, input, output, log));
            SafetensorsFile expected = FixtureCases.Read(fixture, caseName);
            SafetensorsFile actual = SafetensorsFile.Read(output);
            float tolerance = FixtureCases.Tolerance(fixture);
            foreach (string name in HeadOutputs.Concat(["pooler_output", "last_hidden_state"]).Where(expected.Contains))
            {
                Assert.True(actual.Contains(name), $"forward wrote no {name} ({log})");
                FixtureCases.AssertClose($"{fixture}/{caseName} via AlbertCli forward", expected, name,
                    new FloatTensor(actual.ReadSingles(name), actual.Shape(name)), tolerance);
            }
            Assert.Contains("wrote ", log.ToString());
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public void Each_class_implements_the_interface_of_its_head_and_no_other()
    {
        Assert.IsAssignableFrom<ISequenceClassificationModel>(new TinyHeadsSeqClsModel());
        Assert.IsAssignableFrom<ITokenClassificationModel>(new TinyHeadsTokenClsModel());
        Assert.IsAssignableFrom<IQuestionAnsweringModel>(new TinyHeadsQaModel());
        Assert.IsAssignableFrom<IMultipleChoiceModel>(new TinyHeadsMultipleChoiceModel());
        Assert.IsAssignableFrom<ISentenceOrderModel>(new TinyGroupsModel());

        Type[] task = [typeof(ISequenceClassificationModel), typeof(ITokenClassificationModel), typeof(IQuestionAnsweringModel),
            typeof(IMultipleChoiceModel), typeof(ISentenceOrderModel)];
        foreach (IAlbertModel model in new IAlbertModel[] { new TinyHeadsBaseModel(), new TinyV1Model() })
            Assert.DoesNotContain(task, t => t.IsInstanceOfType(model));
        Assert.Single(task, t => t.IsInstanceOfType(new TinyHeadsSeqClsModel()));
        Assert.Single(task, t => t.IsInstanceOfType(new TinyGroupsModel()));
    }

    [Fact]
    public void The_heads_and_labels_are_compiled_into_constants()
    {
        Assert.Equal(AlbertHeads.Pooler | AlbertHeads.SequenceClassification, TinyHeadsSeqClsModel.ModelHeads);
        Assert.Equal(AlbertHeads.TokenClassification, TinyHeadsTokenClsModel.ModelHeads);
        Assert.Equal(AlbertHeads.QuestionAnswering, TinyHeadsQaModel.ModelHeads);
        Assert.Equal(AlbertHeads.Pooler | AlbertHeads.MultipleChoice, TinyHeadsMultipleChoiceModel.ModelHeads);
        Assert.Equal(AlbertHeads.Pooler | AlbertHeads.MaskedLM | AlbertHeads.SentenceOrder, TinyGroupsModel.ModelHeads);
        Assert.Equal(AlbertHeads.Pooler | AlbertHeads.MaskedLM, TinyV1Model.ModelHeads);
        Assert.Equal(AlbertHeads.Pooler, TinyHeadsBaseModel.ModelHeads);
        Assert.Equal(TinyGroupsModel.ModelHeads, new TinyGroupsModel().Heads);
        Assert.Equal(TinyGroupsModel.ModelHeads, TinyGroupsModel.ModelWeights.Heads);

        Assert.Equal(3, TinyHeadsSeqClsModel.NumLabels);
        Assert.Equal(["negative", "neutral", "positive"], TinyHeadsSeqClsModel.ModelLabels);
        Assert.Equal(["I-LOC", "B-PER", "I-PER", "O", "B-LOC"], new TinyHeadsTokenClsModel().Labels);
        Assert.Null(new TinyHeadsSeqClsModel().ProblemType);
        Assert.False(new TinyHeadsTokenClsModel().HasPooler); // HF saves token classification and QA without the pooler
        Assert.False(new TinyHeadsQaModel().HasPooler);
    }

    [Fact]
    public void Asking_for_a_head_the_checkpoint_lacks_names_it()
    {
        AlbertInputs inputs = AlbertInputs.Single(2, 10, 3);
        var noTask = Assert.Throws<InvalidOperationException>(() => new TinyHeadsBaseModel().Forward(inputs, AlbertOutputKinds.Logits));
        Assert.Contains("tiny-heads-base", noTask.Message);
        Assert.Contains("no task head", noTask.Message);
        var noSop = Assert.Throws<InvalidOperationException>(() => new TinyHeadsSeqClsModel().Forward(inputs, AlbertOutputKinds.SopLogits));
        Assert.Contains("no sentence-order head", noSop.Message);
        var choices = AlbertInputs.FromChoices(1, 2, 3, new long[] { 2, 10, 3, 2, 11, 3 });
        Assert.Throws<ArgumentException>(() => new TinyHeadsSeqClsModel().Forward(choices, AlbertOutputKinds.Logits));
    }

    [Fact]
    public void Question_answering_gives_start_and_end_logits_and_no_logits()
    {
        AlbertOutputs outputs = new TinyHeadsQaModel().Forward(AlbertInputs.Single(2, 10, 11, 3), AlbertOutputKinds.Logits);
        Assert.Null(outputs.Logits);
        Assert.Equal([1, 4], outputs.StartLogits!.Shape);
        Assert.Equal([1, 4], outputs.EndLogits!.Shape);
        Assert.Null(outputs.LastHiddenState);
    }

    [Fact]
    public void Multiple_choice_rows_without_a_choices_axis_score_each_row()
    {
        SafetensorsFile file = FixtureCases.Read("tiny-heads/multiple-choice", "multiple_choice_2x2");
        AlbertInputs choices = FixtureCases.Inputs(file);
        var model = new TinyHeadsMultipleChoiceModel();
        FloatTensor byChoice = model.Forward(choices, AlbertOutputKinds.Logits).Logits!;
        var rows = new AlbertInputs(choices.BatchSize, choices.SequenceLength, choices.InputIds, choices.TokenTypeIds, choices.AttentionMask);

        FloatTensor byRow = model.Forward(rows, AlbertOutputKinds.Logits | AlbertOutputKinds.PoolerOutput).Logits!;

        Assert.Equal([2, 2], byChoice.Shape);
        Assert.Equal([4, 1], byRow.Shape);
        Assert.Equal(byChoice.Data, byRow.Data);
        Assert.Equal(2, choices.ExampleCount);
        Assert.Equal(2, choices.Choices);
    }

    [Fact]
    public void A_padded_batch_classifies_each_row_as_alone()
    {
        var model = new TinyHeadsSeqClsModel();
        long[] first = [2, 40, 41, 42, 3], second = [2, 40, 3];
        FloatTensor alone = model.Forward(AlbertInputs.Single(second), AlbertOutputKinds.Logits).Logits!;
        var batch = AlbertInputs.FromRows([first, [2, 40, 3, 0, 0]], attentionMask: [[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]]);

        FloatTensor both = model.Forward(batch, AlbertOutputKinds.Logits).Logits!;

        for (int l = 0; l < 3; l++) Assert.Equal(alone[0, l], both[1, l], 5);
    }

    private static AlbertOutputKinds KindsFor(SafetensorsFile file)
    {
        AlbertOutputKinds kinds = 0;
        if (file.Contains("last_hidden_state")) kinds |= AlbertOutputKinds.LastHiddenState;
        if (file.Contains("pooler_output")) kinds |= AlbertOutputKinds.PoolerOutput;
        if (file.Contains("logits") || file.Contains("start_logits")) kinds |= AlbertOutputKinds.Logits;
        if (file.Contains("sop_logits")) kinds |= AlbertOutputKinds.SopLogits;
        return kinds;
    }

    private static void AssertMatches(string what, SafetensorsFile file, AlbertOutputs outputs, float tolerance)
    {
        foreach (var (name, tensor) in Named(outputs))
            if (file.Contains(name)) FixtureCases.AssertClose(what, file, name, tensor, tolerance);
        foreach (string name in HeadOutputs.Concat(["pooler_output", "last_hidden_state"]).Where(file.Contains))
            Assert.Contains(Named(outputs), n => n.Name == name);
    }

    private static List<(string Name, FloatTensor Tensor)> Named(AlbertOutputs o)
    {
        var list = new List<(string, FloatTensor)>();
        void Add(string name, FloatTensor? t)
        {
            if (t is not null) list.Add((name, t));
        }
        Add("last_hidden_state", o.LastHiddenState);
        Add("pooler_output", o.PoolerOutput);
        Add("logits", o.Logits);
        Add("start_logits", o.StartLogits);
        Add("end_logits", o.EndLogits);
        Add("sop_logits", o.SopLogits);
        return list;
    }
}
