using LogPipeline.Ingest.Diagnostics;

namespace LogPipeline.Ingest.Indexing;

/// <summary>
/// Whether the last <c>_bulk</c> attempt reached a working cluster; feeds <c>/readyz</c>. Written by the
/// indexer tasks, read by the probe thread (a volatile reference is all the consistency needed).
/// </summary>
public sealed class ElasticsearchHealth
{
    private readonly IngestMetrics? _metrics;
    private volatile string? _failure;

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
