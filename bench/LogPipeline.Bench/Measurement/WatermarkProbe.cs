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
            Accepted = _partitions.Sum(p => _consumer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(1)).High.Value);
        }
        catch (KafkaException)
        {
            // A broker did not answer in time: keep the last total.
        }

        return Accepted;
    }

    public void Dispose() => _consumer.Dispose();
}
