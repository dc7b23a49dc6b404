namespace LogPipeline.Ingest.Indexing;

/// <summary>
/// Whether Elasticsearch takes the worker's writes; feeds <c>/readyz</c>. Not ready until the start-up check
/// (version, index template) has passed, then whatever the last <c>_bulk</c> attempt found: a whole-request
/// failure (the batch stalls and is retried) makes the worker unready until a request succeeds again.
/// Written by the start-up check and the indexer tasks, read by the probe thread (a volatile reference is all
/// the consistency needed).
/// </summary>
public sealed class ElasticsearchHealth
{
    private volatile string? _failure = "starting: Elasticsearch version and index template not checked yet";

    /// <summary>Null while Elasticsearch accepts requests, else the last failure.</summary>
    public string? Failure => _failure;

    public void Failed(string reason) => _failure = reason;

    public void Succeeded() => _failure = null;
}
