using LogPipeline.Shipper.Tailing;
using Microsoft.Extensions.Time.Testing;

namespace LogPipeline.Shipper.Tests.Tailing;

public sealed class PassSchedulerTests
{
    [Theory]
    [InlineData(0, false, false, 20.0)] // Woken right after a pass: wait out the minimum interval.
    [InlineData(12, false, false, 8.0)]
    [InlineData(19.5, false, false, null)] // Sub-millisecond remainder: pass now rather than another timer round.
    [InlineData(25, false, false, null)]
    [InlineData(0, true, true, 5.0)] // Built-in rotation: first rotation check after 5 ms.
    [InlineData(5, true, false, 5.0)] // No rotation work: check again in 5 ms.
    [InlineData(5, true, true, null)] // Rotation work pending: pass now.
    [InlineData(17, true, false, 3.0)] // The minimum interval bounds the step.
    [InlineData(3, false, true, 17.0)] // Without built-in rotation the pending check is never asked.
    public void Next_wait(double elapsedMs, bool builtIn, bool pending, double? expectedMs)
    {
        var asked = false;
        var wait = PassScheduler.NextWait(TimeSpan.FromMilliseconds(elapsedMs), builtIn, () =>
        {
            asked = true;
            return pending;
        });
        Assert.Equal(expectedMs, wait?.TotalMilliseconds);
        if (!builtIn || elapsedMs < PassScheduler.RotationCheckInterval.TotalMilliseconds)
        {
            Assert.False(asked); // The check costs an fstat: asked only when a rotation check is due.
        }
    }

    [Fact]
    public async Task Wake_starts_a_pass_no_sooner_than_the_minimum_interval_after_the_last()
    {
        var time = new FakeTimeProvider();
        using var scheduler = new PassScheduler(TimeSpan.FromSeconds(10), builtInRotation: false, time);
        var lastPass = time.GetTimestamp();
        scheduler.Wake();
        scheduler.Wake(); // Coalesced: one wake-up is enough.
        // The wake-up is taken synchronously, so the coalescing timer is registered when WaitAsync returns.
        var waiting = scheduler.WaitAsync(lastPass, () => false, TestContext.Current.CancellationToken);
        Assert.False(waiting.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(19));
        Assert.False(waiting.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await waiting.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Rotation_work_gets_a_pass_after_the_rotation_check_interval()
    {
        var time = new FakeTimeProvider();
        using var scheduler = new PassScheduler(TimeSpan.FromSeconds(10), builtInRotation: true, time);
        var lastPass = time.GetTimestamp();
        scheduler.Wake();
        var waiting = scheduler.WaitAsync(lastPass, () => true, TestContext.Current.CancellationToken);
        Assert.False(waiting.IsCompleted);
        time.Advance(PassScheduler.RotationCheckInterval);
        await waiting.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }
}
