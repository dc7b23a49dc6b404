using LogPipeline.Hosting.Configuration;
using Microsoft.Extensions.Options;

namespace LogPipeline.Shipper.Options;

/// <summary>
/// The <c>Kafka</c> section as the shipper's producer uses it (security settings of the same section bind
/// to <see cref="LogPipeline.Kafka.KafkaSecurityOptions"/>).
/// </summary>
public sealed class KafkaOptions
{
    public const string Section = "Kafka";

    [KeyRequired("Kafka:BootstrapServers", Purpose = "host:port[,host:port…]")]
    public string BootstrapServers { get; set; } = string.Empty;

    [KeyRequired("Kafka:Topic")]
    public string Topic { get; set; } = "nginx-access";

    /// <summary>none, gzip, snappy, lz4 or zstd.</summary>
    public string Compression { get; set; } = "lz4";

    [KeyRange("Kafka:LingerMs", 0, 1000)]
    public int LingerMs { get; set; } = 10;

    [KeyRange("Kafka:BatchSize", 1024, 16 * 1024 * 1024)]
    public int BatchSize { get; set; } = 256 * 1024;

    /// <summary>
    /// How lines are spread over partitions. <c>spread</c> (default): no message key, so librdkafka's sticky
    /// partitioner fills a batch for one partition and moves on — a busy pod's lines reach every partition and
    /// therefore every ingest worker of the group. <c>file</c>: key = file identity, one file's lines in order on
    /// one partition (a single busy pod then feeds a single ingest worker). Nothing downstream needs the order:
    /// documents carry their own time and an id from the source position.
    /// </summary>
    public string Partitioning { get; set; } = "spread";

    /// <summary>
    /// librdkafka's own delivery timeout; 0 = never give up (the default: a line is either delivered,
    /// or still in flight and counted as undelivered at shutdown — never silently expired).
    /// </summary>
    [KeyRange("Kafka:MessageTimeoutMs", 0, int.MaxValue, Rule = "must be 0 (never expire) or positive")]
    public int MessageTimeoutMs { get; set; }
}

/// <summary>The data annotations of <see cref="KafkaOptions"/>, checked by generated code.</summary>
[OptionsValidator]
public sealed partial class KafkaOptionsValidator : IValidateOptions<KafkaOptions>;
