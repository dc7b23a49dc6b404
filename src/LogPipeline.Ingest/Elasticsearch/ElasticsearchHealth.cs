using LogPipeline.Ingest.Diagnostics;

namespace LogPipeline.Ingest.Elasticsearch;

/// <summary>
/// Whether Elasticsearch takes the worker's writes; feeds <c>/readyz</c>. Not ready until the start-up check
/// (version, index template) has passed, then whatever the last <c>_bulk</c> attempt found: a whole-request
/// failure (the batch stalls and is retried) makes the worker unready until a request succeeds again.
/// Written by the start-up check and the indexer tasks, read by the probe thread (a volatile reference is all
/// the consistency needed).
/// </summary>
public sealed class ElasticsearchHealth
{
    private readonly IngestMetrics? _metrics;
    private volatile string? _failure = "starting: Elasticsearch version and index template not checked yet";

    public ElasticsearchHealth()
    {
    }

    /// <summary>Also feeds the connection monitor (state-change logs, <c>logpipeline_ingest_elasticsearch_up</c>).</summary>
    public ElasticsearchHealth(IngestMetrics metrics) => _metrics = metrics;

    /// <summary>Null while Elasticsearch accepts requests, else the last failure.</summary>
    public string? Failure => _failure;

    public void Failed(string reason)
    {
        _failure = reason;
        _metrics?.ElasticsearchConnection.Down(reason);
    }

    public void Succeeded()
    {
        _failure = null;
        _metrics?.ElasticsearchConnection.Up();
    }
}
