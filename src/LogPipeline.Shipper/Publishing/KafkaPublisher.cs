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
/// idempotent, acks=all producer. Delivery reports arrive on librdkafka's poll thread, which completes
/// the line's checkpoint entry and releases its share of the in-flight budget.
/// </summary>
internal sealed class KafkaPublisher : IDisposable
{
    private static readonly byte[] One = "1"u8.ToArray();

    private readonly IProducer<byte[], byte[]> _producer;
    private readonly string _topic;
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
        _topic = kafka.Topic;
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
            // Delivery reports need only the status: no copying of key, value and headers back to .NET.
            DeliveryReportFields = "status",
            MessageMaxBytes = Math.Max(1_000_000, shipper.MaxLineBytes + 64 * 1024),
            SocketKeepaliveEnable = true,
            // Come back within a second after an outage instead of librdkafka's 10 s back-off ceiling.
            ReconnectBackoffMaxMs = 1000,
        };
        security.ApplyTo(config);
        _producer = new ProducerBuilder<byte[], byte[]>(config)
            .SetErrorHandler((_, error) => OnClientError(error))
            .SetLogHandler((_, message) =>
            {
                if (message.Level <= SyslogLevel.Warning)
                {
                    Log.KafkaLog(_logger, message.Facility, message.Message);
                }
            })
            .Build();
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
        var fileHeader = batch.File.Utf8;
        var key = _keyByFile ? fileHeader : null;
        foreach (var line in batch.Lines)
        {
            var headers = new Headers
            {
                { "lp.source", _source },
                { "lp.file", fileHeader },
                { "lp.offset", Encoding.ASCII.GetBytes(line.Offset.ToString(CultureInfo.InvariantCulture)) },
            };
            if (line.Truncated)
            {
                headers.Add("lp.truncated", One);
            }

            var message = new Message<byte[], byte[]> { Key = key!, Value = line.Value, Headers = headers };
            var pending = line.Pending;
            while (true)
            {
                try
                {
                    _producer.Produce(_topic, message, report => OnDelivered(pending, report.Error));
                    break;
                }
                catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                {
                    // Only reachable if the budget and the queue limits disagree: wait for room, never drop.
                    await Task.Delay(5, cancellationToken);
                }
                catch (ProduceException<byte[], byte[]> ex)
                {
                    OnDelivered(pending, ex.Error);
                    break;
                }
            }
        }
    }

    private void OnDelivered(Checkpointing.PendingLine pending, Error error)
    {
        if (error.IsError)
        {
            // With message.timeout.ms=0 librdkafka retries transient errors forever; what arrives here is
            // permanent (too large, not authorised, fatal) or a purge at shutdown.
            if (error.Code != ErrorCode.Local_PurgeQueue && error.Code != ErrorCode.Local_PurgeInflight)
            {
                _metrics.KafkaErrors.Increment();
                _metrics.LinesDropped.Increment();
                _metrics.BytesDropped.Increment(pending.Bytes - InFlightBudget.PerLineOverhead);
                Log.DeliveryFailed(_logger, pending.Owner.Identity, pending.CommitOffset, error.Reason);
                pending.Owner.Complete(pending);
            }
        }
        else
        {
            _metrics.LinesDelivered.Increment();
            _metrics.BytesDelivered.Increment(pending.Bytes - InFlightBudget.PerLineOverhead);
            _metrics.DeliveryLatency.Observe(_time.GetElapsedTime(pending.Timestamp).TotalSeconds);
            pending.Owner.Complete(pending);
        }

        _budget.Release(pending.Bytes, 1);
        _metrics.InFlightBytes.Set(_budget.Bytes);
        _metrics.InFlightLines.Set(_budget.Lines);
    }

    private void OnClientError(Error error)
    {
        _metrics.KafkaErrors.Increment();
        if (error.IsFatal)
        {
            _fatal = $"{error.Code}: {error.Reason}";
            Log.KafkaFatal(_logger, error.Code, error.Reason);
        }
        else
        {
            Log.KafkaError(_logger, error.Code, error.Reason);
        }
    }
}
