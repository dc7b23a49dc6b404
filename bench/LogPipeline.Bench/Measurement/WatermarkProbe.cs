using Confluent.Kafka;
using LogPipeline.Testing.Kafka;

namespace LogPipeline.Bench.Measurement;

/// <summary>
/// How many messages the brokers have accepted (sum of the partitions' high watermarks), without reading them:
/// a preloaded burst is timed by this, so nothing competes with the tool for the CPU while it runs.
/// Used from the run's thread only.
/// </summary>
public sealed class WatermarkProbe : IDisposable
{
    private readonly IConsumer<Ignore, Ignore> _consumer;
    private readonly TopicPartition[] _partitions;

    public WatermarkProbe(string bootstrap, string topic, int partitions)
    {
        KafkaMockCluster.EnsureConfluentLoaded();
        _consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "bench-probe-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
        }).SetErrorHandler((_, _) => { }).Build();
        _partitions = [.. Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p))];
    }

    /// <summary>Messages accepted so far (duplicates included); the last answer when a broker does not reply.</summary>
    public long Accepted { get; private set; }

    public long Refresh()
    {
        try
        {
            Accepted = Totals(TimeSpan.FromSeconds(1)).High;
        }
        catch (KafkaException)
        {
            // A broker did not answer in time: keep the last total.
        }

        return Accepted;
    }

    /// <summary>
    /// Sums of the partitions' low and high watermarks: High = messages ever appended, Low = messages the mock
    /// broker has deleted (its retention keeps 5 MiB per partition), High − Low = what it still holds.
    /// Throws <see cref="KafkaException"/> when a broker does not answer within <paramref name="timeout"/>.
    /// </summary>
    public (long Low, long High) Totals(TimeSpan timeout)
    {
        long low = 0, high = 0;
        foreach (var partition in _partitions)
        {
            var marks = _consumer.QueryWatermarkOffsets(partition, timeout);
            low += marks.Low.Value;
            high += marks.High.Value;
        }

        return (low, high);
    }

    public void Dispose() => _consumer.Dispose();
}
