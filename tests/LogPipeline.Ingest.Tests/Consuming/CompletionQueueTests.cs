using System.Diagnostics;
using LogPipeline.Ingest.Consuming;

namespace LogPipeline.Ingest.Tests.Consuming;

public sealed class CompletionQueueTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_post_from_another_thread_wakes_the_waiting_consume_thread()
    {
        var queue = new CompletionQueue();
        var waiting = Task.Factory.StartNew(() => queue.Wait(Long, CancellationToken.None), TestContext.Current.CancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        await Task.Delay(50, TestContext.Current.CancellationToken);
        queue.Post(new Completion([new Position(3, 42)], Abandoned: false));

        Assert.True(await waiting.WaitAsync(Long, TestContext.Current.CancellationToken));
        Assert.True(queue.TryTake(out var completion));
        Assert.Equal(new Position(3, 42), Assert.Single(completion.Positions));
        Assert.False(queue.TryTake(out _));
    }

    [Fact]
    public void A_waiting_completion_returns_at_once_and_is_taken_in_order()
    {
        var queue = new CompletionQueue();
        queue.Post(new Completion([new Position(0, 1)], Abandoned: false));
        queue.Post(new Completion([new Position(0, 2)], Abandoned: true));

        Assert.True(queue.Wait(Long, CancellationToken.None));
        Assert.True(queue.TryTake(out var first));
        Assert.True(queue.TryTake(out var second));
        Assert.Equal(1, first.Positions[0].Offset);
        Assert.True(second.Abandoned);
    }

    [Fact]
    public void Wait_gives_up_on_timeout_close_and_abort()
    {
        var queue = new CompletionQueue();
        Assert.False(queue.Wait(TimeSpan.FromMilliseconds(20), CancellationToken.None));

        using var abort = new CancellationTokenSource();
        abort.CancelAfter(TimeSpan.FromMilliseconds(50));
        var clock = Stopwatch.StartNew();
        Assert.False(queue.Wait(Long, abort.Token));
        Assert.True(clock.Elapsed < Long / 2, $"abort took {clock.Elapsed}");

        queue.Close();
        clock.Restart();
        Assert.False(queue.Wait(Long, CancellationToken.None));
        Assert.True(clock.Elapsed < Long / 2, $"close took {clock.Elapsed}");
        Assert.True(queue.IsClosed);
    }
}
