using LogPipeline.Hosting.Connectivity;
using LogPipeline.Hosting.Metrics;
using LogPipeline.Kafka;
using LogPipeline.Shipper.Lines;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LogPipeline.Shipper.Diagnostics;

/// <summary>
/// Every counter the shipper exports on <c>/metrics</c>. Updated from the tail loop, the publisher and
/// librdkafka's delivery thread; the instruments are lock-free (Interlocked), so any thread may update.
/// </summary>
internal sealed class ShipperMetrics
{
    private readonly Counter[] _linesDropped;

    /// <summary>The running pipeline's budget, read at scrape time (null before start-up).</summary>
    private InFlightBudget? _budget;

    public ShipperMetrics(MetricsRegistry registry)
        : this(registry, TimeProvider.System, NullLoggerFactory.Instance)
    {
    }

    public ShipperMetrics(MetricsRegistry registry, TimeProvider time, ILoggerFactory loggers)
    {
        // Kafka's reachability: one error line when it goes down, a reminder a minute while it stays down, and
        // the shipper_kafka_up gauge (docs/contracts.md); fed by the publisher's callbacks and its probe.
        KafkaConnection = new KafkaConnectivity(new ConnectionMonitor(
            "Kafka", "shipper_kafka_up", registry, time, loggers.CreateLogger("LogPipeline.Shipper.Kafka")));
        LinesRead = registry.Counter("shipper_lines_read_total", "Lines read from the log files and handed to the producer.");
        BytesRead = registry.Counter("shipper_bytes_read_total", "Bytes read from the log files (including newlines and skipped bytes).");
        LinesDelivered = registry.Counter("shipper_lines_delivered_total", "Lines acknowledged by Kafka.");
        BytesDelivered = registry.Counter("shipper_bytes_delivered_total", "Line bytes (message values) acknowledged by Kafka.");
        LinesTruncated = registry.Counter("shipper_lines_truncated_total", "Lines longer than Shipper:MaxLineBytes, cut and flagged lp.truncated.");
        // One series per reason, all present from the start (an alert on a reason does not wait for its first drop).
        _linesDropped = [.. Enum.GetValues<DropReason>().Select(reason => registry.Counter(
            "shipper_lines_dropped_total",
            "Lines Kafka will never accept (a per-record error: too large, invalid), given up and passed by the checkpoint.",
            ("reason", DeliveryErrorClassifier.Label(reason))))];
        BytesDropped = registry.Counter("shipper_bytes_dropped_total", "Bytes given up: unread data let go (backlog limit, unrecoverable truncation) or undeliverable lines.");
        RotationsFollowed = registry.Counter("shipper_rotations_followed_total", "Times the live file was renamed or replaced and followed.");
        RotationsPerformed = registry.Counter("shipper_rotations_performed_total", "Built-in rotations done by the shipper (rename + SIGUSR1).");
        RotationsDeferred = registry.Counter("shipper_rotations_deferred_total", "Built-in rotations held off because the previous rotated file was not yet delivered.");
        RotationSignalErrors = registry.Counter("shipper_rotation_signal_errors_total", "SIGUSR1 could not be sent (pid file missing or invalid, kill failed).");
        Truncations = registry.Counter("shipper_truncations_detected_total", "Copytruncate (or any in-place truncation) of the live file detected.");
        TruncationRecovered = registry.Counter("shipper_truncation_tail_recovered_bytes_total", "Bytes read from the <path>.1 copy after a copytruncate that the live file had lost.");
        FilesReleased = registry.Counter("shipper_files_released_total", "Rotated files read to the end and let go.");
        FilesMissed = registry.Counter("shipper_files_missed_total", "Log files created and renamed over or deleted before the shipper could open them: their lines are lost (an external rotator outran the shipper).");
        KafkaErrors = registry.Counter("shipper_kafka_errors_total", "Errors reported by the Kafka client (connection, broker, delivery).");
        CheckpointWrites = registry.Counter("shipper_checkpoint_writes_total", "Checkpoint registry writes.");
        CheckpointErrors = registry.Counter("shipper_checkpoint_errors_total", "Checkpoint registry writes that failed.");
        LagBytes = registry.Gauge("shipper_lag_bytes", "Bytes written to the tracked files but not read yet.");
        FilesOpen = registry.Gauge("shipper_files_open", "Files the shipper holds open (the live one and renamed ones not yet finished).");
        // Read from the budget when scraped: set from two threads (tail loop adds, delivery reports release), a
        // gauge could keep a stale value — e.g. 0 while lines are in flight — until the next update.
        registry.GaugeCallback("shipper_inflight_bytes", "Bytes handed to the producer and not yet acknowledged.", () => Volatile.Read(ref _budget)?.Bytes ?? 0);
        registry.GaugeCallback("shipper_inflight_lines", "Lines handed to the producer and not yet acknowledged.", () => Volatile.Read(ref _budget)?.Lines ?? 0);
        KafkaOldestUnacknowledged = registry.Gauge("shipper_kafka_oldest_unacknowledged_seconds", "At least how long the oldest line handed to the producer has waited for its delivery report (1 s resolution; 0 when none waited that long).");
        InFlightCapacity = registry.Gauge("shipper_inflight_capacity_bytes", "Shipper:MaxInFlightBytes (reading pauses when in-flight bytes reach it).");
        DeliveryLatency = registry.Histogram(
            "shipper_delivery_latency_seconds",
            "From reading a line to Kafka's acknowledgement.",
            [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]);
    }

    public KafkaConnectivity KafkaConnection { get; }

    /// <summary>Set about once a second by the producer's poll thread (publisher's delivery watchdog).</summary>
    public Gauge KafkaOldestUnacknowledged { get; }

    public Counter LinesRead { get; }

    public Counter BytesRead { get; }

    public Counter LinesDelivered { get; }

    public Counter BytesDelivered { get; }

    public Counter LinesTruncated { get; }

    public Counter LinesDropped(DropReason reason) => _linesDropped[(int)reason];

    /// <summary>Makes <c>shipper_inflight_*</c> report <paramref name="budget"/>.</summary>
    public void Observe(InFlightBudget budget) => Volatile.Write(ref _budget, budget);

    public Counter BytesDropped { get; }

    public Counter RotationsFollowed { get; }

    public Counter RotationsPerformed { get; }

    public Counter RotationsDeferred { get; }

    public Counter RotationSignalErrors { get; }

    public Counter Truncations { get; }

    public Counter TruncationRecovered { get; }

    public Counter FilesReleased { get; }

    public Counter FilesMissed { get; }

    public Counter KafkaErrors { get; }

    public Counter CheckpointWrites { get; }

    public Counter CheckpointErrors { get; }

    public Gauge LagBytes { get; }

    public Gauge FilesOpen { get; }

    public Gauge InFlightCapacity { get; }

    public Histogram DeliveryLatency { get; }
}
