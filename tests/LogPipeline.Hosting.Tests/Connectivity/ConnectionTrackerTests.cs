using LogPipeline.Hosting.Connectivity;
using LogPipeline.Hosting.Metrics;
using LogPipeline.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace LogPipeline.Hosting.Tests.Connectivity;

public sealed class ConnectionTrackerTests
{
    private static readonly TimeSpan Reminder = TimeSpan.FromSeconds(60);

    /// <summary>(step, expected change, expected state): "down" / "up" report, "+Ns" advances the clock.</summary>
    public static TheoryData<string, string> Sequences => new()
    {
        // A first success is "connected", later ones are nothing.
        { "up up", "Connected None" },
        // Down from the start, then every reconnect attempt within the minute is silent.
        { "down down +10s down +49s down", "WentDown None None None" },
        // The reminder comes once the interval passed since the last line, then the next one a minute later.
        { "down +30s down +30s down +1s down +59s down", "WentDown None StillDown None StillDown" },
        // Recovery ends the outage; a new failure is a new outage (logged at once, not a reminder).
        { "up down +5s up +1s down", "Connected WentDown Recovered WentDown" },
        // A recovery resets the reminder clock: the next outage's reminder is a full interval after it began.
        { "down +59s up down +30s down +30s down", "WentDown Recovered WentDown None StillDown" },
    };

    [Theory]
    [MemberData(nameof(Sequences))]
    public void Reports_one_line_per_change_and_a_reminder_per_interval(string steps, string expected)
    {
        var time = new FakeTimeProvider();
        var tracker = new ConnectionTracker(time, Reminder);
        var changes = new List<ConnectionChange>();
        foreach (var step in steps.Split(' '))
        {
            switch (step)
            {
                case "down":
                    changes.Add(tracker.ReportDown("refused"));
                    Assert.Equal(ConnectionState.Down, tracker.State);
                    break;
                case "up":
                    changes.Add(tracker.ReportUp());
                    Assert.Equal(ConnectionState.Up, tracker.State);
                    break;
                default:
                    time.Advance(TimeSpan.FromSeconds(int.Parse(step[1..^1], System.Globalization.CultureInfo.InvariantCulture)));
                    break;
            }
        }

        Assert.Equal(expected, string.Join(' ', changes));
    }

    [Fact]
    public void Starts_unknown_and_keeps_the_cause_and_the_outage_duration()
    {
        var time = new FakeTimeProvider();
        var tracker = new ConnectionTracker(time, Reminder);
        Assert.Equal(ConnectionState.Unknown, tracker.State);
        Assert.Null(tracker.Cause);

        tracker.ReportDown("connection refused");
        time.Advance(TimeSpan.FromSeconds(42));
        tracker.ReportDown("name not resolved");
        Assert.Equal("name not resolved", tracker.Cause);
        Assert.Equal(TimeSpan.FromSeconds(42), tracker.DownFor);
        Assert.Equal(1, tracker.FailuresSinceLastLine);

        tracker.ReportUp();
        Assert.Equal(TimeSpan.Zero, tracker.DownFor);
    }

    [Fact]
    public void Reminder_due_without_new_failures_only_while_down_and_once_per_interval()
    {
        var time = new FakeTimeProvider();
        var tracker = new ConnectionTracker(time, Reminder);
        Assert.False(tracker.ReminderDue()); // unknown
        tracker.ReportDown("refused");
        time.Advance(TimeSpan.FromSeconds(59));
        Assert.False(tracker.ReminderDue());
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(tracker.ReminderDue());
        Assert.False(tracker.ReminderDue());
        time.Advance(Reminder);
        Assert.True(tracker.ReminderDue());
        tracker.ReportUp();
        time.Advance(Reminder);
        Assert.False(tracker.ReminderDue());
    }

    [Fact]
    public void Monitor_logs_changes_and_reminders_only_and_exports_the_gauge()
    {
        var time = new FakeTimeProvider();
        var registry = new MetricsRegistry();
        var logger = new ListLogger();
        var monitor = new ConnectionMonitor("Kafka", "test_kafka_up", registry, time, logger, Reminder);
        Assert.Contains("test_kafka_up 1\n", registry.Render(), StringComparison.Ordinal); // not known to be down

        // An outage of three minutes with a reconnect attempt every second.
        for (var second = 0; second < 180; second++)
        {
            monitor.Down("Connect to 10.0.0.1:9092 failed: Connection refused");
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Contains("test_kafka_up 0\n", registry.Render(), StringComparison.Ordinal);
        Assert.Equal("Kafka unavailable: Connect to 10.0.0.1:9092 failed: Connection refused", monitor.Failure);
        monitor.Up();
        monitor.Up();

        string[] expected =
        [
            "Error: Kafka unavailable: Connect to 10.0.0.1:9092 failed",
            "Error: Kafka still unavailable after 00:01:00: Connect",
            "Error: Kafka still unavailable after 00:02:00: Connect",
            "Information: Kafka available again after 00:03:00 (was: Connect",
        ];
        Assert.Equal(expected.Length, logger.Lines.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.StartsWith(expected[i], logger.Lines[i], StringComparison.Ordinal);
        }

        Assert.Contains("test_kafka_up 1\n", registry.Render(), StringComparison.Ordinal);
        Assert.Null(monitor.Failure);
    }

    [Fact]
    public void Kafka_all_brokers_down_marks_down_one_broker_failure_does_not_and_fatal_errors_are_left_to_the_caller()
    {
        var time = new FakeTimeProvider();
        var logger = new ListLogger();
        var kafka = new KafkaConnectivity(new ConnectionMonitor("Kafka", "k_up", new MetricsRegistry(), time, logger, Reminder));

        Assert.True(kafka.OnError(Confluent.Kafka.ErrorCode.Local_Transport, "broker 2: Disconnected", fatal: false));
        Assert.True(kafka.Monitor.IsUp); // librdkafka fails over to the other brokers
        Assert.False(kafka.OnError(Confluent.Kafka.ErrorCode.Local_Fatal, "idempotence sequence", fatal: true));
        Assert.False(kafka.OnError(Confluent.Kafka.ErrorCode.TopicAuthorizationFailed, "not authorised", fatal: false));
        Assert.True(kafka.OnError(Confluent.Kafka.ErrorCode.Local_AllBrokersDown, "3/3 brokers are down", fatal: false));
        Assert.False(kafka.Monitor.IsUp);
        Assert.Equal("Kafka unavailable: 3/3 brokers are down (last: broker 2: Disconnected)", kafka.Monitor.Failure);
        kafka.OnSuccess();
        Assert.True(kafka.Monitor.IsUp);
        Assert.Equal(2, logger.Lines.Count(l => !l.StartsWith("Debug", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData(0, LogLevel.Error)]
    [InlineData(3, LogLevel.Error)]
    [InlineData(4, LogLevel.Warning)]
    [InlineData(5, LogLevel.Information)]
    [InlineData(6, LogLevel.Information)]
    [InlineData(7, LogLevel.Debug)]
    public void Librdkafka_syslog_levels_map_to_log_levels(int syslog, LogLevel expected) =>
        Assert.Equal(expected, LibrdkafkaEvents.LevelOf(syslog));

    [Fact]
    public void Librdkafka_fail_lines_drop_to_debug_other_lines_keep_their_severity()
    {
        var logger = new ListLogger();
        LibrdkafkaEvents.Log(logger, 3, "producer", "FAIL", "127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed");
        LibrdkafkaEvents.Log(logger, 4, "producer", "CONFWARN", "Configuration property x is a consumer property");
        LibrdkafkaEvents.Log(logger, 3, "consumer", "COMMITFAIL", "Offset commit failed");
        Assert.Equal(
            ["Debug: librdkafka FAIL (producer): 127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed",
             "Warning: librdkafka CONFWARN (producer): Configuration property x is a consumer property",
             "Error: librdkafka COMMITFAIL (consumer): Offset commit failed"],
            logger.Lines);
    }

    private sealed class ListLogger : ILogger
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add($"{logLevel}: {formatter(state, exception)}");
    }
}
