using LogPipeline.Hosting.Configuration;
using Microsoft.Extensions.Options;

namespace LogPipeline.Ingest.Consuming;

/// <summary>Where the worker reads from and dead-letters to (section <c>Kafka</c>; security is in KafkaSecurityOptions).</summary>
public sealed class KafkaConsumerOptions
{
    public const string Section = "Kafka";

    [KeyRequired("Kafka:BootstrapServers", Purpose = "e.g. kafka:9092")]
    public string? BootstrapServers { get; set; }

    [KeyRequired("Kafka:Topic")]
    public string Topic { get; set; } = "nginx-access";

    [KeyRequired("Kafka:GroupId")]
    public string GroupId { get; set; } = "logpipeline-ingest";

    /// <summary>Defaults to <c>&lt;Topic&gt;-dlq</c>.</summary>
    public string? DeadLetterTopic { get; set; }

    /// <summary>How often librdkafka commits the offsets the worker stored (only ever offsets Elasticsearch accepted).</summary>
    [KeyTimeSpanRange("Kafka:CommitInterval", "00:00:00.0000001", "10675199.02:48:05.4775807", Rule = "must be positive")]
    public TimeSpan CommitInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a partition revoke waits for that partition's in-flight documents before abandoning them.</summary>
    [KeyTimeSpanRange("Kafka:RevokeTimeout", "00:00:00", "10675199.02:48:05.4775807", Rule = "must not be negative")]
    public TimeSpan RevokeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Group session timeout: how long a crashed member keeps its partitions before the group rebalances.
    /// 10 s, not librdkafka's 45 s: heartbeats come from librdkafka's own thread (a busy worker does not miss
    /// them), and librdkafka's mock coordinator holds every rebalance round of an established group for
    /// session timeout − 1 s. With 45 s a second worker joining stalled the whole group ~2 × 44 s (cooperative
    /// rebalancing takes two rounds): 50k lines with 2 workers took 94 s instead of ~10 s.
    /// </summary>
    [KeyTimeSpanRange("Kafka:SessionTimeout", "00:00:01", "10675199.02:48:05.4775807", Rule = "must be at least 1 second")]
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>librdkafka <c>fetch.max.bytes</c> / per-partition fetch size: large fetches keep the consume thread cheap per message.</summary>
    [KeyRange("Kafka:FetchMaxBytes", 1024, int.MaxValue, Rule = "must be at least 1024")]
    public int FetchMaxBytes { get; set; } = 16 * 1024 * 1024;

    [KeyRange("Kafka:MaxPartitionFetchBytes", 1024, int.MaxValue, Rule = "must be at least 1024")]
    public int MaxPartitionFetchBytes { get; set; } = 4 * 1024 * 1024;

    public string EffectiveDeadLetterTopic => string.IsNullOrWhiteSpace(DeadLetterTopic) ? Topic + "-dlq" : DeadLetterTopic;
}

/// <summary>The data annotations of <see cref="KafkaConsumerOptions"/>, checked by generated code.</summary>
[OptionsValidator]
public sealed partial class KafkaConsumerOptionsValidator : IValidateOptions<KafkaConsumerOptions>;

/// <summary>The <c>Kafka</c> section's cross-field rule: the dead-letter topic is not the topic read.</summary>
public sealed class KafkaConsumerOptionsRules : IValidateOptions<KafkaConsumerOptions>
{
    public ValidateOptionsResult Validate(string? name, KafkaConsumerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.EffectiveDeadLetterTopic == options.Topic
            ? ValidateOptionsResult.Fail($"Kafka:DeadLetterTopic '{options.DeadLetterTopic}' must differ from Kafka:Topic.")
            : ValidateOptionsResult.Success;
    }
}
