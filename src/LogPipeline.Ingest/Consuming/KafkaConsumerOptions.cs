namespace LogPipeline.Ingest.Consuming;

/// <summary>Where the worker reads from and dead-letters to (section <c>Kafka</c>; security is in KafkaSecurityOptions).</summary>
public sealed class KafkaConsumerOptions
{
    public const string Section = "Kafka";

    public string? BootstrapServers { get; set; }

    public string Topic { get; set; } = "nginx-access";

    public string GroupId { get; set; } = "logpipeline-ingest";

    /// <summary>Defaults to <c>&lt;Topic&gt;-dlq</c>.</summary>
    public string? DeadLetterTopic { get; set; }

    /// <summary>How often librdkafka commits the offsets the worker stored (only ever offsets Elasticsearch accepted).</summary>
    public TimeSpan CommitInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a partition revoke waits for that partition's in-flight documents before abandoning them.</summary>
    public TimeSpan RevokeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Group session timeout: how long a crashed member keeps its partitions before the group rebalances.
    /// 10 s, not librdkafka's 45 s: heartbeats come from librdkafka's own thread (a busy worker does not miss
    /// them), and librdkafka's mock coordinator holds every rebalance round of an established group for
    /// session timeout − 1 s. With 45 s a second worker joining stalled the whole group ~2 × 44 s (cooperative
    /// rebalancing takes two rounds): 50k lines with 2 workers took 94 s instead of ~10 s.
    /// </summary>
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>librdkafka <c>fetch.max.bytes</c> / per-partition fetch size: large fetches keep the consume thread cheap per message.</summary>
    public int FetchMaxBytes { get; set; } = 16 * 1024 * 1024;

    public int MaxPartitionFetchBytes { get; set; } = 4 * 1024 * 1024;

    public string EffectiveDeadLetterTopic => string.IsNullOrWhiteSpace(DeadLetterTopic) ? Topic + "-dlq" : DeadLetterTopic;

    /// <summary>Validation errors, each naming its configuration key.</summary>
    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(BootstrapServers))
        {
            yield return "Kafka:BootstrapServers is required (e.g. kafka:9092).";
        }

        if (string.IsNullOrWhiteSpace(Topic))
        {
            yield return "Kafka:Topic is required.";
        }

        if (string.IsNullOrWhiteSpace(GroupId))
        {
            yield return "Kafka:GroupId is required.";
        }

        if (EffectiveDeadLetterTopic == Topic)
        {
            yield return $"Kafka:DeadLetterTopic '{DeadLetterTopic}' must differ from Kafka:Topic.";
        }

        if (CommitInterval <= TimeSpan.Zero)
        {
            yield return $"Kafka:CommitInterval '{CommitInterval}' must be positive.";
        }

        if (RevokeTimeout < TimeSpan.Zero)
        {
            yield return $"Kafka:RevokeTimeout '{RevokeTimeout}' must not be negative.";
        }

        if (SessionTimeout < TimeSpan.FromSeconds(1))
        {
            yield return $"Kafka:SessionTimeout '{SessionTimeout}' must be at least 1 second.";
        }

        if (FetchMaxBytes < 1024)
        {
            yield return $"Kafka:FetchMaxBytes '{FetchMaxBytes}' must be at least 1024.";
        }

        if (MaxPartitionFetchBytes < 1024)
        {
            yield return $"Kafka:MaxPartitionFetchBytes '{MaxPartitionFetchBytes}' must be at least 1024.";
        }
    }
}
