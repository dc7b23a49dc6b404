using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Confluent.Kafka;
using LogPipeline.Hosting.Kafka;
using LogPipeline.Shipper.Diagnostics;
using LogPipeline.Shipper.Options;
using Microsoft.Extensions.Logging;

namespace LogPipeline.Shipper.Publishing;

/// <summary>
/// Takes line batches off the channel (its own task is the only reader) and hands each line to an
/// idempotent, acks=all producer. Delivery reports arrive on the producer's poll thread, which completes
/// the line's checkpoint entry and releases its share of the in-flight budget. Per line, nothing is allocated
/// here: headers are formatted on the stack and copied into librdkafka with the value.
/// </summary>
internal sealed class KafkaPublisher : IDisposable, IProducerEvents
{
    private readonly RdKafkaProducer _producer;
    private readonly byte[] _source;
    private readonly bool _keyByFile;
    private readonly InFlightBudget _budget;
    private readonly ShipperMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private volatile string? _fatal;

    public KafkaPublisher(
        KafkaOptions kafka,
        KafkaSecurityOptions security,
        ShipperOptions shipper,
        InFlightBudget budget,
        ShipperMetrics metrics,
        TimeProvider time,
        ILogger logger)
    {
        _source = Encoding.UTF8.GetBytes(shipper.ResolveSourceName());
        _keyByFile = string.Equals(kafka.Partitioning, "file", StringComparison.OrdinalIgnoreCase);
        _budget = budget;
        _metrics = metrics;
        _time = time;
        _logger = logger;
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
            // Come back within a second after an outage instead of librdkafka's 10 s back-off ceiling.
            ReconnectBackoffMaxMs = 1000,
        };
        security.ApplyTo(config);
        _producer = new RdKafkaProducer(config, kafka.Topic, this);
    }

    /// <summary>Set when the producer hit a fatal error (readiness reports it).</summary>
    public string? FatalError => _fatal;

    /// <summary>Runs until the channel is completed and emptied.</summary>
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

    /// <summary>Waits for outstanding deliveries; returns false if some are still pending at the deadline.</summary>
    public bool Flush(TimeSpan timeout)
    {
        var deadline = _time.GetTimestamp() + (long)(timeout.TotalSeconds * _time.TimestampFrequency);
        while (_budget.Lines > 0)
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

    public void Dispose() => _producer.Dispose();

    private async ValueTask PublishAsync(LineBatch batch, CancellationToken cancellationToken)
    {
        foreach (var line in batch.Lines)
        {
            while (true)
            {
                var code = Produce(batch.File.Utf8, batch.Value(line), line);
                if (code == 0)
                {
                    break;
                }

                if (code == (int)ErrorCode.Local_QueueFull)
                {
                    // Only reachable if the budget and the queue limits disagree: wait for room, never drop.
                    await Task.Delay(5, cancellationToken);
                    continue;
                }

                OnDelivered(line.Pending, code);
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
        var headers = _producer.NewHeaders(4);
        _producer.AddHeader(headers, "lp.source"u8, _source);
        _producer.AddHeader(headers, "lp.file"u8, file);
        _producer.AddHeader(headers, "lp.offset"u8, offset[..length]);
        if (line.Truncated)
        {
            _producer.AddHeader(headers, "lp.truncated"u8, "1"u8);
        }

        return _producer.Produce(_keyByFile ? file : default, value, headers, line.Pending);
    }

    void IProducerEvents.OnDelivered(object state, int error) => OnDelivered((Checkpointing.PendingLine)state, error);

    void IProducerEvents.OnError(int code, string reason, bool fatal)
    {
        _metrics.KafkaErrors.Increment();
        if (_metrics.KafkaConnection.OnError((ErrorCode)code, reason, fatal))
        {
            return; // A connection failure: logged by the connection monitor on change and as a reminder.
        }

        if (fatal)
        {
            _fatal = $"{(ErrorCode)code}: {reason}";
            Log.KafkaFatal(_logger, (ErrorCode)code, reason);
        }
        else
        {
            Log.KafkaError(_logger, (ErrorCode)code, reason);
        }
    }

    void IProducerEvents.OnLog(int level, string facility, string message)
    {
        KafkaConnectivity.OnLog(_logger, level, "producer", facility, message);
    }

    private void OnDelivered(Checkpointing.PendingLine pending, int error)
    {
        if (error != 0)
        {
            // With message.timeout.ms=0 librdkafka retries transient errors forever; what arrives here is
            // permanent (too large, not authorised, fatal) or a purge at shutdown.
            if (error != (int)ErrorCode.Local_PurgeQueue && error != (int)ErrorCode.Local_PurgeInflight)
            {
                _metrics.KafkaErrors.Increment();
                _metrics.LinesDropped.Increment();
                _metrics.BytesDropped.Increment(pending.Bytes - InFlightBudget.PerLineOverhead);
                Log.DeliveryFailed(_logger, pending.Owner.Identity, pending.CommitOffset, _producer.Describe(error));
                pending.Owner.Complete(pending);
            }
        }
        else
        {
            // Kafka is back once a line is acknowledged. (No metadata probe while down: an application metadata
            // request for the topic during an outage left an idempotent producer's batch stuck in the mock cluster
            // tests; the sidecar's own traffic is the probe.)
            _metrics.KafkaConnection.OnSuccess();
            _metrics.LinesDelivered.Increment();
            _metrics.BytesDelivered.Increment(pending.Bytes - InFlightBudget.PerLineOverhead);
            _metrics.DeliveryLatency.Observe(_time.GetElapsedTime(pending.Timestamp).TotalSeconds);
            pending.Owner.Complete(pending);
        }

        _budget.Release(pending.Bytes, 1);
        _metrics.InFlightBytes.Set(_budget.Bytes);
        _metrics.InFlightLines.Set(_budget.Lines);
    }
}
