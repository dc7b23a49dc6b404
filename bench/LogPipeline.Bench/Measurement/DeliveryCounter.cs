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
    private int _disposed;
    private volatile string? _firstError;

    private readonly ManualResetEventSlim _begin;

    /// <param name="deferred">Do not read until <see cref="Begin"/>: for bursts, where a consumer reading alongside
    /// would compete with the tool for the CPU and fall behind the mock broker's retention.</param>
    public DeliveryCounter(string bootstrap, string topic, int partitions, int expected, Stopwatch clock, bool deferred = false)
    {
        _seen = new BitArray(expected);
        _clock = clock;
        _begin = new ManualResetEventSlim(!deferred);
        KafkaMockCluster.EnsureConfluentLoaded();
        _loop = Task.Factory.StartNew(() => Consume(bootstrap, topic, partitions), TaskCreationOptions.LongRunning);
    }

    public long Distinct => Interlocked.Read(ref _distinct);

    /// <summary>Starts reading (a deferred counter).</summary>
    public void Begin() => _begin.Set();

    public long Received => Interlocked.Read(ref _received);

    /// <summary>Messages without a parsable sequence number (e.g. a peer that rewrote the line).</summary>
    public long Foreign => Interlocked.Read(ref _foreign);

    /// <summary>Consume errors (e.g. an offset that fell off the broker's log); each one makes "lost" uncertain.</summary>
    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>The first consume error, for the report.</summary>
    public string? FirstError => _firstError;

    /// <summary>When (on the run clock) the last not-yet-seen line arrived.</summary>
    public TimeSpan LastNewAt => TimeSpan.FromTicks(Interlocked.Read(ref _lastNewTicks));

    /// <summary>Stops counting (idempotent: the run stops it to read the totals, <c>using</c> again).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        _begin.Set();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // The loop ends by cancellation; nothing else to report here.
        }

        _stop.Dispose();
        _begin.Dispose();
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
            // Keep up with a 1M-line burst: the mock broker deletes a partition's oldest data beyond 5 MiB, and a
            // shipper keys every line of a file alike, so one partition takes the whole burst. Skip what is not
            // counted (headers, timestamps) and fetch big.
            ConsumeResultFields = "none",
            MaxPartitionFetchBytes = 16 * 1024 * 1024,
            FetchMaxBytes = 64 * 1024 * 1024,
        };
        // Client-level errors (a broker down during an outage workload) are expected and retried by librdkafka;
        // only errors that reach Consume (the position itself is bad) are recorded.
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(config).SetErrorHandler((_, _) => { }).Build();
        _begin.Wait();
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
