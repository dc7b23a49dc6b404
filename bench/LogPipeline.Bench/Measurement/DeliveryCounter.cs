using System.Collections;
using System.Diagnostics;
using Confluent.Kafka;
using LogPipeline.Bench.Workloads;
using LogPipeline.Testing.Kafka;

namespace LogPipeline.Bench.Measurement;

/// <summary>
/// Consumes the topic from the beginning on its own thread and counts distinct sequence numbers:
/// lost = expected − distinct, duplicated = received − distinct. Fields are written only by the consumer
/// thread and read by others through Interlocked/Volatile.
/// </summary>
public sealed class DeliveryCounter : IDisposable
{
    private readonly BitArray _seen;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Stopwatch _clock;
    private long _distinct;
    private long _received;
    private long _foreign;
    private long _lastNewTicks;
    private long _errors;
    private volatile string? _firstError;

    public DeliveryCounter(string bootstrap, string topic, int partitions, int expected, Stopwatch clock)
    {
        _seen = new BitArray(expected);
        _clock = clock;
        KafkaMockCluster.EnsureConfluentLoaded();
        _loop = Task.Factory.StartNew(() => Consume(bootstrap, topic, partitions), TaskCreationOptions.LongRunning);
    }

    public long Distinct => Interlocked.Read(ref _distinct);

    public long Received => Interlocked.Read(ref _received);

    /// <summary>Messages without a parsable sequence number (e.g. a peer that rewrote the line).</summary>
    public long Foreign => Interlocked.Read(ref _foreign);

    /// <summary>Consume errors (e.g. an offset that fell off the broker's log); each one makes "lost" uncertain.</summary>
    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>The first consume error, for the report.</summary>
    public string? FirstError => _firstError;

    /// <summary>When (on the run clock) the last not-yet-seen line arrived.</summary>
    public TimeSpan LastNewAt => TimeSpan.FromTicks(Interlocked.Read(ref _lastNewTicks));

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // The loop ends by cancellation; nothing else to report here.
        }

        _stop.Dispose();
    }

    private void Consume(string bootstrap, string topic, int partitions)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "bench-counter-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            AllowAutoCreateTopics = false,
            FetchWaitMaxMs = 50,
        };
        // Client-level errors (a broker down during an outage workload) are expected and retried by librdkafka;
        // only errors that reach Consume (the position itself is bad) are recorded.
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(config).SetErrorHandler((_, _) => { }).Build();
        // Assigned, not subscribed: no group rebalance delay at the start of a run.
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                ConsumeResult<Ignore, byte[]>? result;
                try
                {
                    result = consumer.Consume(TimeSpan.FromMilliseconds(100));
                }
                catch (ConsumeException ex)
                {
                    // Before: this ended the loop silently and every later line was scored as lost.
                    Interlocked.Increment(ref _errors);
                    _firstError ??= $"{ex.Error.Code}: {ex.Error.Reason}";
                    continue;
                }

                if (result?.Message?.Value is not { } value)
                {
                    continue;
                }

                Interlocked.Increment(ref _received);
                var seq = LineGenerator.ParseSeq(value);
                if (seq < 0 || seq >= _seen.Length)
                {
                    Interlocked.Increment(ref _foreign);
                }
                else if (!_seen[(int)seq])
                {
                    _seen[(int)seq] = true;
                    Interlocked.Increment(ref _distinct);
                    Interlocked.Exchange(ref _lastNewTicks, _clock.Elapsed.Ticks);
                }
            }
        }
        finally
        {
            consumer.Close();
        }
    }
}
