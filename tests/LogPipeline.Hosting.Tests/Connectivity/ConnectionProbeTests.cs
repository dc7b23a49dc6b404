using LogPipeline.Hosting.Connectivity;
using LogPipeline.Hosting.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace LogPipeline.Hosting.Tests.Connectivity;

public sealed class ConnectionProbeTests
{
    [Fact]
    public void Probes_only_while_down_and_marks_up_when_the_probe_succeeds()
    {
        var time = new FakeTimeProvider();
        var monitor = new ConnectionMonitor("Kafka", "k_up", new MetricsRegistry(), time, NullLogger.Instance, TimeSpan.FromSeconds(60));
        var calls = 0;
        string? answer = "connection refused";
        using var probe = new ConnectionProbe(monitor, () => { calls++; return answer; }, time, TimeSpan.FromSeconds(5));

        time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(0, calls); // not known to be down: nothing to probe

        monitor.Down("3/3 brokers are down");
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(2, calls);
        Assert.False(monitor.IsUp);

        answer = null;
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(3, calls);
        Assert.True(monitor.IsUp);
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(3, calls);
    }

    [Fact]
    public void A_failing_probe_writes_the_reminder_without_new_failure_reports_and_none_after_dispose()
    {
        var time = new FakeTimeProvider();
        var monitor = new ConnectionMonitor("Kafka", "k_up", new MetricsRegistry(), time, NullLogger.Instance, TimeSpan.FromSeconds(60));
        var calls = 0;
        var probe = new ConnectionProbe(monitor, () => { calls++; throw new InvalidOperationException("boom"); }, time, TimeSpan.FromSeconds(5));
        monitor.Down("refused");
        time.Advance(TimeSpan.FromSeconds(55));
        Assert.False(monitor.Tracker.ReminderDue()); // the probe at 55 s found none due yet
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.False(monitor.Tracker.ReminderDue()); // the probe at 60 s wrote it (a throwing probe is a failed probe)
        probe.Dispose();
        var before = calls;
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(before, calls);
    }
}
