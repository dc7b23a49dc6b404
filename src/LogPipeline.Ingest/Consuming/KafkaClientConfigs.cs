using Confluent.Kafka;
using LogPipeline.Kafka;

namespace LogPipeline.Ingest.Consuming;

/// <summary>librdkafka settings for the worker's consumer and dead-letter producer.</summary>
internal static class KafkaClientConfigs
{
    public static ConsumerConfig Consumer(KafkaConsumerOptions options, KafkaSecurityOptions security)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = options.BootstrapServers,
            GroupId = options.GroupId,
            ClientId = "logpipeline-ingest-" + Environment.MachineName,
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
            // At-least-once: librdkafka commits in the background, but only offsets the worker stored, and it
            // stores an offset only once Elasticsearch (or the dead-letter topic) took everything before it.
            EnableAutoCommit = true,
            AutoCommitIntervalMs = (int)options.CommitInterval.TotalMilliseconds,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = false,
            SessionTimeoutMs = (int)options.SessionTimeout.TotalMilliseconds,
            // Large fetches, short broker wait: throughput without adding much to nginx→searchable latency.
            FetchMaxBytes = options.FetchMaxBytes,
            MaxPartitionFetchBytes = options.MaxPartitionFetchBytes,
            FetchWaitMaxMs = 100,
            QueuedMaxMessagesKbytes = 64 * 1024,
            AllowAutoCreateTopics = false,
            // Only the headers are read from each message besides key, value and position: the topic (one, the
            // subscribed one) and the timestamp would otherwise be marshalled into a string and struct per message
            // on the consume thread.
            ConsumeResultFields = "headers",
        };
        security.ApplyTo(config);
        return config;
    }

    public static ProducerConfig DeadLetterProducer(KafkaConsumerOptions options, KafkaSecurityOptions security)
    {
        var config = new ProducerConfig
        {
            BootstrapServers = options.BootstrapServers,
            ClientId = "logpipeline-ingest-dlq-" + Environment.MachineName,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
            CompressionType = CompressionType.Lz4,
        };
        security.ApplyTo(config);
        return config;
    }
}
