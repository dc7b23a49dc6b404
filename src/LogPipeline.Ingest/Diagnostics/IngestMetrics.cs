using LogPipeline.Hosting.Connectivity;
using LogPipeline.Hosting.Metrics;
using LogPipeline.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LogPipeline.Ingest.Diagnostics;

/// <summary>
/// The worker's Prometheus instruments. Counters are updated from any stage thread (lock-free);
/// the gauges read fields the consume thread publishes.
/// </summary>
public sealed class IngestMetrics
{
    /// <summary>
    /// Every cause a whole-request failure is counted under: the HTTP status (4xx ones by name, since each needs a
    /// different fix), <c>no_items</c> for a 200 without one result per document, <c>connection</c> for no answer.
    /// </summary>
    public static readonly string[] BulkFailureCauses =
        ["http_400", "http_401", "http_403", "http_404", "http_413", "http_429", "http_5xx", "http_other", "no_items", "connection"];

    private readonly Dictionary<string, Counter> _bulkFailures = new(StringComparer.Ordinal);
    private long _lag;
    private long _inFlight;

    public IngestMetrics(MetricsRegistry registry)
        : this(registry, TimeProvider.System, NullLoggerFactory.Instance)
    {
    }

    public IngestMetrics(MetricsRegistry registry, TimeProvider time, ILoggerFactory loggers)
    {
        // Reachability of both dependencies: one error line per change, a reminder a minute while down, and the
        // logpipeline_ingest_kafka_up / logpipeline_ingest_elasticsearch_up gauges (docs/contracts.md).
        KafkaConnection = new KafkaConnectivity(new ConnectionMonitor(
            "Kafka", "logpipeline_ingest_kafka_up", registry, time, loggers.CreateLogger("LogPipeline.Ingest.Kafka")));
        ElasticsearchConnection = new ConnectionMonitor(
            "Elasticsearch", "logpipeline_ingest_elasticsearch_up", registry, time, loggers.CreateLogger("LogPipeline.Ingest.Elasticsearch"));
        Consumed = registry.Counter("logpipeline_ingest_consumed_total", "Kafka messages consumed.");
        Indexed = registry.Counter("logpipeline_ingest_indexed_total", "Documents Elasticsearch created.");
        Duplicates = registry.Counter("logpipeline_ingest_duplicates_total", "Documents already indexed (409 on create): re-sent or re-consumed lines.");
        DeadLetteredParse = registry.Counter("logpipeline_ingest_dead_lettered_total", "Messages sent to the dead-letter topic, by stage.", ("stage", "parse"));
        DeadLetteredIndex = registry.Counter("logpipeline_ingest_dead_lettered_total", "Messages sent to the dead-letter topic, by stage.", ("stage", "index"));
        BulkRetries = registry.Counter("logpipeline_ingest_retries_total", "Retries, by kind.", ("kind", "request"));
        ItemRetries = registry.Counter("logpipeline_ingest_retries_total", "Retries, by kind.", ("kind", "item"));
        DeadLetterRetries = registry.Counter("logpipeline_ingest_retries_total", "Retries, by kind.", ("kind", "dead_letter"));
        foreach (var cause in BulkFailureCauses)
        {
            _bulkFailures[cause] = registry.Counter("logpipeline_ingest_bulk_failures_total", "_bulk requests that failed as a whole (retried; the batch's offsets are kept), by cause.", ("cause", cause));
        }

        BulkRequests = registry.Counter("logpipeline_ingest_bulk_requests_total", "_bulk requests sent (including retries).");
        Committed = registry.Counter("logpipeline_ingest_offsets_stored_total", "Messages whose offset was stored for commit (everything before them is done).");
        BulkLatency = registry.Histogram("logpipeline_ingest_bulk_duration_seconds", "Duration of one _bulk request.", [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]);
        BulkSize = registry.Histogram("logpipeline_ingest_bulk_documents", "Documents per _bulk request.", [1, 10, 50, 100, 250, 500, 1000, 2000, 5000, 10000]);
        registry.GaugeCallback("logpipeline_ingest_consumer_lag", "Messages behind the high watermark, summed over assigned partitions.", () => Interlocked.Read(ref _lag));
        registry.GaugeCallback("logpipeline_ingest_in_flight_messages", "Consumed messages not yet indexed or dead-lettered.", () => Interlocked.Read(ref _inFlight));
    }

    /// <summary>The consumer's and the dead-letter producer's view of the Kafka cluster (one cluster, one state).</summary>
    public KafkaConnectivity KafkaConnection { get; }

    /// <summary>Fed by <see cref="Elasticsearch.ElasticsearchHealth"/> (every _bulk outcome).</summary>
    public ConnectionMonitor ElasticsearchConnection { get; }

    public Counter Consumed { get; }

    public Counter Indexed { get; }

    public Counter Duplicates { get; }

    public Counter DeadLetteredParse { get; }

    public Counter DeadLetteredIndex { get; }

    public Counter BulkRetries { get; }

    public Counter ItemRetries { get; }

    public Counter DeadLetterRetries { get; }

    public Counter BulkRequests { get; }

    /// <summary>The failure counter of one of <see cref="BulkFailureCauses"/>.</summary>
    public Counter BulkFailures(string cause) => _bulkFailures[cause];

    public Counter Committed { get; }

    public Histogram BulkLatency { get; }

    public Histogram BulkSize { get; }

    public long Lag => Interlocked.Read(ref _lag);

    public long InFlight => Interlocked.Read(ref _inFlight);

    internal void SetLag(long lag) => Interlocked.Exchange(ref _lag, lag);

    internal void SetInFlight(long inFlight) => Interlocked.Exchange(ref _inFlight, inFlight);
}
