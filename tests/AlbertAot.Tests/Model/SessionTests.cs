using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AlbertAot.Runtime;
using AlbertAot.Tests.Fixtures;
using Xunit;

namespace AlbertAot.Tests.Model;

public class SessionTests
{
    private static AlbertInputs Batch() => AlbertInputs.FromRows(
        [[2L, 10, 11, 12, 13, 3], [2L, 20, 21, 3, 0, 0]],
        tokenTypeIds: [[0L, 0, 0, 1, 1, 1], [0L, 0, 1, 1, 0, 0]],
        attentionMask: [[1L, 1, 1, 1, 1, 1], [1L, 1, 1, 1, 0, 0]]);

    [Fact]
    public void Two_threads_give_bit_identical_results_to_one()
    {
        var model = new TinyGroupsModel();
        const AlbertOutputKinds all = AlbertOutputKinds.Features | AlbertOutputKinds.MlmLogits;
        AlbertOutputs single = model.Forward(Batch(), all);
        using AlbertSession session = model.CreateSession(threads: 2);
        Assert.Equal(2, session.Threads);
        for (int i = 0; i < 3; i++)
        {
            AlbertOutputs parallel = session.Forward(Batch(), all);
            Assert.Equal(single.LastHiddenState!.Data, parallel.LastHiddenState!.Data);
            Assert.Equal(single.PoolerOutput!.Data, parallel.PoolerOutput!.Data);
            Assert.Equal(single.MlmLogits!.Data, parallel.MlmLogits!.Data);
        }
    }

    [Fact]
    public void One_model_used_from_several_threads_gives_the_sequential_results()
    {
        var model = new TinyV1Model();
        float[] expected = model.Forward(Batch()).LastHiddenState!.Data;
        Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
            Assert.Equal(expected, model.Forward(Batch()).LastHiddenState!.Data));
    }

    [Fact]
    public async Task A_session_refuses_a_second_concurrent_call()
    {
        var model = new TinyV1Model();
        using AlbertSession session = model.CreateSession();
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        // A batch big enough that the first call is still running when the second arrives.
        long[] ids = Enumerable.Range(0, 64).Select(i => (long)(i % 50 + 5)).ToArray();
        var inputs = AlbertInputs.FromRows(Enumerable.Repeat(ids, 64).ToList());
        Task first = Task.Run(() => { inside.Set(); session.Forward(inputs); });
        inside.Wait();
        Thread.Sleep(5);
        if (!first.IsCompleted)
        {
            var e = Assert.Throws<InvalidOperationException>(() => session.Forward(AlbertInputs.Single(2, 3)));
            Assert.Contains("one session per concurrent caller", e.Message);
        }
        await first;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void A_session_needs_at_least_one_thread(int threads)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TinyV1Model().CreateSession(threads));
    }
}
