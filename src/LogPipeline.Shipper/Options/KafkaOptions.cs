namespace LogPipeline.Shipper.Options;

/// <summary>
/// The <c>Kafka</c> section as the shipper's producer uses it (security settings of the same section bind
/// to <see cref="LogPipeline.Kafka.KafkaSecurityOptions"/>).
/// </summary>
public sealed class KafkaOptions
{
    public const string Section = "Kafka";

    public string BootstrapServers { get; set; } = string.Empty;

    public string Topic { get; set; } = "nginx-access";

    /// <summary>none, gzip, snappy, lz4 or zstd.</summary>
    public string Compression { get; set; } = "lz4";

    public int LingerMs { get; set; } = 10;

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
    public int MessageTimeoutMs { get; set; }
}
