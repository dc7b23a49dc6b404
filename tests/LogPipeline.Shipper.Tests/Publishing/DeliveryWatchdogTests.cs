using LogPipeline.Shipper.Publishing;
using Microsoft.Extensions.Time.Testing;

namespace LogPipeline.Shipper.Tests.Publishing;

/// <summary>The bookkeeping behind the stall watchdog: how long the oldest line without a delivery report has waited.</summary>
public sealed class DeliveryWatchdogTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public void Lines_reported_as_they_come_never_age()
    {
        var time = new FakeTimeProvider();
        var watchdog = new DeliveryWatchdog(time, Second);
        for (var i = 0; i < 600; i++)
        {
            var read = time.GetTimestamp();
            watchdog.Handed(read);
            watchdog.Handed(read);
            time.Advance(TimeSpan.FromMilliseconds(500));
            watchdog.Reported(read);
            watchdog.Reported(read);
            Assert.Equal(TimeSpan.Zero, watchdog.OldestAge(out var lines));
            Assert.Equal(0, lines);
        }
    }

    [Fact]
    public void One_held_line_among_thousands_delivered_shows_its_age_and_clears_with_its_report()
    {
        var time = new FakeTimeProvider();
        var watchdog = new DeliveryWatchdog(time, Second);
        var stuck = time.GetTimestamp();
        watchdog.Handed(stuck);
        for (var second = 0; second < 200; second++)
        {
            for (var i = 0; i < 50; i++)
            {
                var read = time.GetTimestamp();
                watchdog.Handed(read);
                watchdog.Reported(read);
            }

            time.Advance(Second);
        }

        var age = watchdog.OldestAge(out var held);
        Assert.Equal(1, held);
        // A lower bound with the resolution of one generation: read in the first second, 200 s ago.
        Assert.InRange(age, TimeSpan.FromSeconds(198), TimeSpan.FromSeconds(200));

        watchdog.Reported(stuck);
        Assert.Equal(TimeSpan.Zero, watchdog.OldestAge(out held));
        Assert.Equal(0, held);
    }

    [Fact]
    public void The_oldest_generation_counts_its_lines_and_a_line_not_taken_by_librdkafka_is_not_held()
    {
        var time = new FakeTimeProvider();
        var watchdog = new DeliveryWatchdog(time, Second);
        var first = time.GetTimestamp();
        watchdog.Handed(first);
        watchdog.Handed(first);
        watchdog.Handed(first);
        watchdog.Reported(first); // e.g. refused at produce: no report will follow
        time.Advance(TimeSpan.FromSeconds(30));
        var later = time.GetTimestamp();
        watchdog.Handed(later);
        time.Advance(TimeSpan.FromSeconds(30));

        var age = watchdog.OldestAge(out var held);

        Assert.Equal(2, held);
        Assert.InRange(age, TimeSpan.FromSeconds(59), TimeSpan.FromSeconds(60));
    }

    [Fact]
    public void A_line_held_longer_than_the_ring_is_never_reported_older_than_it_is()
    {
        var time = new FakeTimeProvider();
        var watchdog = new DeliveryWatchdog(time, Second);
        var stuck = time.GetTimestamp();
        watchdog.Handed(stuck);
        var max = TimeSpan.Zero;
        for (var second = 1; second <= 3 * DeliveryWatchdog.Generations; second++)
        {
            time.Advance(Second);
            var read = time.GetTimestamp();
            watchdog.Handed(read);
            watchdog.Reported(read);
            var age = watchdog.OldestAge(out _);
            Assert.True(age <= TimeSpan.FromSeconds(second), $"{age} after {second} s");
            max = age > max ? age : max;
        }

        // Its slot is reused by newer generations, so the age it shows restarts, but it keeps reaching the ring's span.
        Assert.True(max >= TimeSpan.FromSeconds(DeliveryWatchdog.Generations - 2), $"at most {max}");
    }
}
