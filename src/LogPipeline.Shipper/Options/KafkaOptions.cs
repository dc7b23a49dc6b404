namespace LogPipeline.Shipper.Options;

/// <summary>
/// The <c>Kafka</c> section as the shipper's producer uses it (security settings of the same section bind
/// to <see cref="LogPipeline.Hosting.Kafka.KafkaSecurityOptions"/>).
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
    /// librdkafka's own delivery timeout; 0 = never give up (the default: a line is either delivered,
    /// or still in flight and counted as undelivered at shutdown — never silently expired).
    /// </summary>
    public int MessageTimeoutMs { get; set; }
}
