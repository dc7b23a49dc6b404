using LogPipeline.Hosting.Metrics;
using Microsoft.Extensions.Logging;

namespace LogPipeline.Hosting.Connectivity;

/// <summary>
/// A <see cref="ConnectionTracker"/> with its log lines and its <c>…_up</c> gauge (1 = reachable or not known
/// to be unreachable, 0 = down since the last reported failure). Thread-safe like the tracker.
/// </summary>
public sealed partial class ConnectionMonitor
{
    private readonly ILogger _logger;

    /// <param name="dependency">What the log lines call it, e.g. "Kafka", "Elasticsearch".</param>
    /// <param name="gaugeName">The gauge, in the worker's metric naming (e.g. <c>shipper_kafka_up</c>).</param>
    public ConnectionMonitor(string dependency, string gaugeName, MetricsRegistry metrics, TimeProvider time, ILogger logger, TimeSpan? reminderInterval = null)
    {
        Dependency = dependency;
        _logger = logger;
        Tracker = new ConnectionTracker(time, reminderInterval);
        metrics.GaugeCallback(gaugeName, $"1 while {dependency} is reachable (or not yet known to be unreachable), 0 while the last attempts failed.", () => IsUp ? 1 : 0);
    }

    public string Dependency { get; }

    public ConnectionTracker Tracker { get; }

    /// <summary>Not known to be down.</summary>
    public bool IsUp => Tracker.State != ConnectionState.Down;

    /// <summary>Null while not down, else what the readiness probe reports.</summary>
    public string? Failure => Tracker.State == ConnectionState.Down ? $"{Dependency} unavailable: {Tracker.Cause}" : null;

    /// <summary>Reports a failure; logs it only on the change to down and as a rate-limited reminder.</summary>
    public void Down(string cause)
    {
        switch (Tracker.ReportDown(cause))
        {
            case ConnectionChange.WentDown:
                Unavailable(_logger, Dependency, cause, Tracker.ReminderInterval);
                break;
            case ConnectionChange.StillDown:
                StillUnavailable(_logger, Dependency, Tracker.DownFor, cause);
                break;
        }
    }

    /// <summary>Reports a success; logs it when it ends an outage.</summary>
    public void Up()
    {
        if (Tracker.State == ConnectionState.Up)
        {
            return; // The hot path (every delivery): no lock, no log.
        }

        var downFor = Tracker.DownFor;
        var cause = Tracker.Cause;
        if (Tracker.ReportUp() == ConnectionChange.Recovered)
        {
            Available(_logger, Dependency, downFor, cause ?? "unknown");
        }
    }

    /// <summary>Writes the reminder when one is due without a new failure report (a probe's timer).</summary>
    public void RemindIfDue()
    {
        if (Tracker.ReminderDue())
        {
            StillUnavailable(_logger, Dependency, Tracker.DownFor, Tracker.Cause ?? "unknown");
        }
    }

    /// <summary>A failure that does not change the state on its own (e.g. one broker of several), at Debug.</summary>
    public void Detail(string what) => FailureDetail(_logger, Dependency, what);

    [LoggerMessage(EventId = 900, Level = LogLevel.Error, Message = "{Dependency} unavailable: {Cause} (retrying; a reminder every {ReminderInterval} while it lasts)")]
    private static partial void Unavailable(ILogger logger, string dependency, string cause, TimeSpan reminderInterval);

    [LoggerMessage(EventId = 901, Level = LogLevel.Error, Message = "{Dependency} still unavailable after {DownFor}: {Cause}")]
    private static partial void StillUnavailable(ILogger logger, string dependency, TimeSpan downFor, string cause);

    [LoggerMessage(EventId = 902, Level = LogLevel.Information, Message = "{Dependency} available again after {DownFor} (was: {Cause})")]
    private static partial void Available(ILogger logger, string dependency, TimeSpan downFor, string cause);

    [LoggerMessage(EventId = 903, Level = LogLevel.Debug, Message = "{Dependency}: {What}")]
    private static partial void FailureDetail(ILogger logger, string dependency, string what);
}
