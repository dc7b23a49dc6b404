using LogPipeline.Shipper.Lines;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Confluent.Kafka;
using LogPipeline.Contracts;
using LogPipeline.Kafka;
using LogPipeline.Shipper.Diagnostics;
using LogPipeline.Shipper.Options;
using Microsoft.Extensions.Logging;

namespace LogPipeline.Shipper.Publishing;

/// <summary>
/// Takes line batches off the channel (its own task is the only reader) and hands each line to an
/// idempotent, acks=all producer. Delivery reports arrive on the producer's poll thread, which completes
/// the line's checkpoint entry and releases its share of the in-flight budget. Per line, nothing is allocated
/// here: headers are formatted on the stack and copied into librdkafka with the value.
/// What an error costs is decided by <see cref="DeliveryErrorClassifier"/>: a per-record error drops the line
/// (counted, logged rate-limited); anything else is a refusal: the line is never completed (the checkpoint stays
/// behind it), producing stops, and <see cref="Refused"/> tells the service to stop with exit code 4.
/// A line librdkafka holds for <see cref="StallAfter"/> while Kafka is reachable, with no delivery report, stops the
/// shipper the same way (<see cref="DeliveryWatchdog"/>): the restart's new producer re-sends it from the checkpoint.
/// </summary>
internal sealed class KafkaPublisher : IDisposable, IProducerEvents
{
    private readonly RdKafkaProducer _producer;
    private readonly byte[] _source;

    /// <summary>The encoded <c>lp.meta</c> value, the same on every line (built once); null when nothing is known.</summary>
    private readonly byte[]? _metadata;
    private readonly bool _keyByFile;
    private readonly InFlightBudget _budget;
    private readonly ShipperMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly DroppedLineLog _drops;
    private readonly DeliveryWatchdog _watchdog;

    // Poll thread only (OnPolled): when the watchdog was last looked at, since when Kafka has been reachable, and the
    // oldest generation still held with its line count and when it last got a report (or became the oldest).
    private long _lastCheck;
    private long _reachableSince;
    private long _oldestGeneration = -1;
    private long _oldestLines;
    private long _oldestProgressAt;

    /// <summary>Messages handed to librdkafka whose delivery report has not arrived (Interlocked).</summary>
    private long _outstanding;

    /// <summary>The first refusal's cause; set once (CompareExchange), from the poll thread or the publisher task.</summary>
    private string? _refusal;

    public KafkaPublisher(
        KafkaOptions kafka,
        KafkaSecurityOptions security,
        ShipperOptions shipper,
        SourceMetadata metadata,
        InFlightBudget budget,
        ShipperMetrics metrics,
        TimeProvider time,
        ILogger logger)
    {
        _source = Encoding.UTF8.GetBytes(shipper.ResolveSourceName());
        _metadata = metadata.IsEmpty ? null : metadata.Encode();
        _keyByFile = string.Equals(kafka.Partitioning, "file", StringComparison.OrdinalIgnoreCase);
        _budget = budget;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _drops = new DroppedLineLog(logger, time);
        StallAfter = DefaultStallAfter(kafka.MessageTimeoutMs);
        // A ring of 1024 generations spans at least four stall periods, so a held line's age can reach StallAfter.
        _watchdog = new DeliveryWatchdog(time, TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, StallAfter.Ticks / 256)));
        _reachableSince = time.GetTimestamp();
        var config = new ProducerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            ClientId = "logpipeline-shipper",
            EnableIdempotence = true,
            Acks = Acks.All,
            CompressionType = Enum.Parse<CompressionType>(kafka.Compression, ignoreCase: true),
            LingerMs = kafka.LingerMs,
            BatchSize = kafka.BatchSize,
            // librdkafka's queue is bounded a little above our own budget, so Produce never sees
            // QUEUE_FULL in practice and its memory never exceeds what Shipper:MaxInFlightBytes allows.
            QueueBufferingMaxKbytes = (int)Math.Max(1024, (shipper.MaxInFlightBytes * 2 / 1024) + shipper.MaxLineBytes / 1024),
            QueueBufferingMaxMessages = (int)Math.Clamp(shipper.MaxInFlightBytes / 16, 10_000, 1_000_000),
            MessageTimeoutMs = kafka.MessageTimeoutMs,
            MessageMaxBytes = Math.Max(1_000_000, shipper.MaxLineBytes + 64 * 1024),
            SocketKeepaliveEnable = true,
            // A request nobody answers (a partition: the connection stays open, nothing comes back) is timed out after
            // this long; librdkafka then drops the connection, reconnects and retries the batch with the same sequence
            // (idempotence: no duplicate). It bounds how long such an outage outlasts the network (librdkafka's default,
            // pinned so it is not raised by accident; docs/shipper.md, failure handling).
            SocketTimeoutMs = (int)SocketTimeout.TotalMilliseconds,
            // Come back within a second after an outage instead of librdkafka's 10 s back-off ceiling.
            ReconnectBackoffMaxMs = 1000,
        };
        security.ApplyTo(config);
        _producer = new RdKafkaProducer(config, kafka.Topic, this);
    }

    /// <summary>
    /// Raised once when Kafka refused delivery or the producer became unusable, on the thread that saw it
    /// (librdkafka's poll thread or the publisher task): handlers must only signal, never block.
    /// </summary>
    public event Action? Refused;

    /// <summary>
    /// A line librdkafka has held this long (since it was read, counted only while Kafka was reachable) without a
    /// delivery report stops the shipper with exit code 4. The default is <see cref="DefaultStallAfter"/>; tests set a
    /// shorter one while the publisher runs (read by the poll thread; a TimeSpan is one 64-bit word).
    /// </summary>
    internal TimeSpan StallAfter { get; set; }

    /// <summary>
    /// librdkafka times out an unanswered request after <c>socket.timeout.ms</c> and re-sends it, so a reachable cluster
    /// acknowledges a line within about two of those; three leave a margin. With <c>Kafka:MessageTimeoutMs</c> set,
    /// librdkafka reports the line as timed out itself first, and the watchdog only covers a report that never comes.
    /// </summary>
    internal static TimeSpan DefaultStallAfter(int messageTimeoutMs) =>
        messageTimeoutMs > 0 ? TimeSpan.FromMilliseconds(messageTimeoutMs) + (2 * SocketTimeout) : 3 * SocketTimeout;

    /// <summary>librdkafka's <c>socket.timeout.ms</c> as the shipper pins it.</summary>
    internal static TimeSpan SocketTimeout { get; } = TimeSpan.FromSeconds(60);

    /// <summary>Why Kafka refused the shipper (liveness and readiness report it); null while it has not.</summary>
    public string? Refusal => Volatile.Read(ref _refusal);

    /// <summary>Runs until the channel is completed and emptied (after a refusal, batches are released unsent).</summary>
    public async Task RunAsync(ChannelReader<LineBatch> reader, CancellationToken cancellationToken)
    {
        while (await reader.WaitToReadAsync(cancellationToken))
        {
            while (reader.TryRead(out var batch))
            {
                await PublishAsync(batch, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Waits for the delivery reports of what librdkafka holds; returns false if some are still pending at the
    /// deadline. Lines never handed over (still in the channel, or held back after a refusal) are not waited for.
    /// </summary>
    public bool Flush(TimeSpan timeout)
    {
        var deadline = _time.GetTimestamp() + (long)(timeout.TotalSeconds * _time.TimestampFrequency);
        while (Interlocked.Read(ref _outstanding) > 0)
        {
            var left = TimeSpan.FromSeconds((deadline - _time.GetTimestamp()) / (double)_time.TimestampFrequency);
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            _producer.Flush(left < TimeSpan.FromMilliseconds(100) ? left : TimeSpan.FromMilliseconds(100));
        }

        return true;
    }

    /// <summary>Writes the rate-limited drop summaries that are due (tail loop; <paramref name="force"/> at shutdown).</summary>
    public void ReportDrops(bool force = false) => _drops.Report(force);

    /// <summary>Test only: see <see cref="RdKafkaProducer.RaiseFatalErrorForTests"/>.</summary>
    internal int RaiseFatalErrorForTests(int code, string reason) => _producer.RaiseFatalErrorForTests(code, reason);

    public void Dispose() => _producer.Dispose();

    private async ValueTask PublishAsync(LineBatch batch, CancellationToken cancellationToken)
    {
        foreach (var line in batch.Lines)
        {
            if (Refusal is not null)
            {
                // Not offered to Kafka: the lines stay tracked and unfinished, so the checkpoint stays behind them.
                break;
            }

            while (true)
            {
                Interlocked.Increment(ref _outstanding);
                _watchdog.Handed(line.Pending.Timestamp);
                var code = Produce(batch.File.Utf8, batch.Value(line), line);
                if (code == 0)
                {
                    break;
                }

                // Not enqueued: no delivery report follows.
                _watchdog.Reported(line.Pending.Timestamp);
                Interlocked.Decrement(ref _outstanding);
                var decision = DeliveryErrorClassifier.Classify(code);
                if (decision.Verdict == DeliveryVerdict.Retry && Refusal is null)
                {
                    // Only reachable if the budget and the queue limits disagree: wait for room, never drop.
                    await Task.Delay(5, cancellationToken);
                    continue;
                }

                if (decision.Verdict == DeliveryVerdict.Drop)
                {
                    Drop(line.Pending, decision.Reason, code);
                }
                else if (decision.Verdict != DeliveryVerdict.Retry)
                {
                    Refuse(code, "at produce");
                }

                break;
            }
        }

        // librdkafka copied every line (RD_KAFKA_MSG_F_COPY): the buffer can serve the next batch.
        batch.Release();
    }

    private int Produce(byte[] file, ReadOnlySpan<byte> value, in OutboundLine line)
    {
        Span<byte> offset = stackalloc byte[20];
        line.Offset.TryFormat(offset, out var length, provider: CultureInfo.InvariantCulture);
        var headers = _producer.NewHeaders(_metadata is null ? 4 : 5);
        _producer.AddHeader(headers, HeaderNames.SourceUtf8, _source);
        _producer.AddHeader(headers, HeaderNames.FileUtf8, file);
        _producer.AddHeader(headers, HeaderNames.OffsetUtf8, offset[..length]);
        if (_metadata is not null)
        {
            _producer.AddHeader(headers, HeaderNames.MetadataUtf8, _metadata);
        }

        if (line.Truncated)
        {
            _producer.AddHeader(headers, HeaderNames.TruncatedUtf8, "1"u8);
        }

        return _producer.Produce(_keyByFile ? file : default, value, headers, line.Pending);
    }

    void IProducerEvents.OnDelivered(object state, int error) => OnDelivered((Checkpointing.PendingLine)state, error);

    void IProducerEvents.OnError(int code, string reason, bool fatal)
    {
        _metrics.KafkaErrors.Increment();
        if (DeliveryErrorClassifier.StopsOnClientError(code, fatal))
        {
            Refuse(code, "from the client", reason);
        }
        else if (!_metrics.KafkaConnection.OnError((ErrorCode)code, reason, fatal))
        {
            // Not a connection failure (those are logged by the connection monitor on change and as a reminder).
            Log.KafkaError(_logger, (ErrorCode)code, reason);
        }
    }

    void IProducerEvents.OnLog(int level, string facility, string message)
    {
        KafkaConnectivity.OnLog(_logger, level, "producer", facility, message);
    }

    void IProducerEvents.OnPolled()
    {
        var now = _time.GetTimestamp();
        if (!_metrics.KafkaConnection.Monitor.IsUp)
        {
            // While Kafka is known to be down, holding lines is what the shipper is meant to do (kafka_up says so).
            _reachableSince = now;
        }

        if (now - _lastCheck < _time.TimestampFrequency)
        {
            return; // Once a second is enough for a watchdog counted in seconds.
        }

        _lastCheck = now;
        var age = _watchdog.OldestAge(out var lines, out var generation);
        _metrics.KafkaOldestUnacknowledged.Set((long)age.TotalSeconds);
        if (generation != _oldestGeneration || lines < _oldestLines)
        {
            _oldestProgressAt = now;
        }

        (_oldestGeneration, _oldestLines) = (generation, lines);
        var reachable = _time.GetElapsedTime(_reachableSince, now);
        // A cluster slower than the in-flight budget (a quota, a thin link) keeps old lines waiting too, but reports
        // some of the oldest ones all the time; held lines that get no report for a third of the limit are stuck.
        var stuck = _time.GetElapsedTime(_oldestProgressAt, now) >= StallAfter / 3;
        if (lines > 0 && age >= StallAfter && reachable >= StallAfter && stuck && Refusal is null)
        {
            var held = age < reachable ? age : reachable;
            Stop(
                string.Create(CultureInfo.InvariantCulture, $"delivery stalled: {lines} lines handed to librdkafka have had no delivery report for at least {held.TotalSeconds:F0} s while Kafka was reachable"),
                stalled: true);
        }
    }

    private void OnDelivered(Checkpointing.PendingLine pending, int error)
    {
        _watchdog.Reported(pending.Timestamp);
        Interlocked.Decrement(ref _outstanding);
        var decision = DeliveryErrorClassifier.Classify(error);
        switch (decision.Verdict)
        {
            case DeliveryVerdict.Delivered:
                // Kafka is back once a line is acknowledged. (No metadata probe while down: an application metadata
                // request for the topic during an outage left an idempotent producer's batch stuck in the mock
                // cluster tests; the sidecar's own traffic is the probe.)
                _metrics.KafkaConnection.OnSuccess();
                _metrics.LinesDelivered.Increment();
                _metrics.BytesDelivered.Increment(pending.Bytes - InFlightBudget.PerLineOverhead);
                _metrics.DeliveryLatency.Observe(_time.GetElapsedTime(pending.Timestamp).TotalSeconds);
                Finish(pending);
                break;
            case DeliveryVerdict.Drop:
                Drop(pending, decision.Reason, error);
                break;
            case DeliveryVerdict.Purged:
                // Purged at shutdown or after a fatal error: unacknowledged, the checkpoint stays behind it.
                break;
            default:
                _metrics.KafkaErrors.Increment();
                Refuse(error, "in a delivery report");
                break;
        }
    }

    private void Drop(Checkpointing.PendingLine pending, DropReason reason, int code)
    {
        _metrics.KafkaErrors.Increment();
        _metrics.LinesDropped(reason).Increment();
        _metrics.BytesDropped.Increment(pending.Bytes - InFlightBudget.PerLineOverhead);
        _drops.Record(reason, pending.Owner.Identity, pending.CommitOffset, _producer.Describe(code));
        Finish(pending);
    }

    /// <summary>
    /// Delivered or dropped: the line no longer holds the checkpoint back and leaves the in-flight budget. Refused
    /// and purged lines never get here: they keep their budget share, which is what the shutdown reports as undelivered.
    /// </summary>
    private void Finish(Checkpointing.PendingLine pending)
    {
        pending.Owner.Complete(pending);
        _budget.Release(pending.Bytes, 1);
    }

    private void Refuse(int code, string where, string? reason = null)
    {
        if (Volatile.Read(ref _refusal) is not null)
        {
            return; // Only the first refusal is described and logged; thousands of refused reports may follow it.
        }

        // Reports refused because the producer is in a fatal state carry the fatal error's code, or a purge:
        // name the fatal error itself, as the error callback would.
        // The error callback can fire on the poll thread before the constructor has assigned _producer (an
        // authentication failure right at start): then there is no fatal state to ask for yet.
        RdKafkaProducer? producer = _producer;
        var fatalReason = string.Empty;
        var fatal = producer?.FatalError(out fatalReason) ?? 0;
        var cause = fatal != 0
            ? $"fatal producer error {(ErrorCode)fatal}: {fatalReason}"
            : $"{(ErrorCode)code} {where}: {reason ?? producer?.Describe(code) ?? code.ToString(CultureInfo.InvariantCulture)}";
        Stop(cause, stalled: false);
    }

    /// <summary>The first cause wins (set once, from the poll thread or the publisher task) and is logged once.</summary>
    private void Stop(string cause, bool stalled)
    {
        if (Interlocked.CompareExchange(ref _refusal, cause, null) is null)
        {
            if (stalled)
            {
                Log.DeliveryStalled(_logger, cause, StallAfter, ShipperExitCode.KafkaRefused);
            }
            else
            {
                Log.DeliveryRefused(_logger, cause, ShipperExitCode.KafkaRefused);
            }

            Refused?.Invoke();
        }
    }
}
