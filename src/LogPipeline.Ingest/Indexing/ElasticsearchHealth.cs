namespace LogPipeline.Ingest.Indexing;

/// <summary>
/// Whether the last <c>_bulk</c> attempt reached a working cluster; feeds <c>/readyz</c>. Written by the
/// indexer tasks, read by the probe thread (a volatile reference is all the consistency needed).
/// </summary>
public sealed class ElasticsearchHealth
{
    private volatile string? _failure;

    /// <summary>Null while Elasticsearch accepts requests, else the last failure.</summary>
    public string? Failure => _failure;

    public void Failed(string reason) => _failure = reason;

    public void Succeeded() => _failure = null;
}
