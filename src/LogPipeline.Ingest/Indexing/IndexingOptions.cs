namespace LogPipeline.Ingest.Indexing;

/// <summary>Batching, concurrency and retry of <c>_bulk</c> requests (section <c>Indexing</c>).</summary>
public sealed class IndexingOptions
{
    public const string Section = "Indexing";

    /// <summary>Documents per <c>_bulk</c> request at most.</summary>
    public int BatchSize { get; set; } = 2000;

    /// <summary>Bytes of NDJSON body per <c>_bulk</c> request at most (a single larger document still goes alone).</summary>
    public int BatchBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>A partial batch is sent after this long, bounding latency at low traffic.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Concurrent <c>_bulk</c> requests.</summary>
    public int MaxConcurrentBulks { get; set; } = 2;

    /// <summary>Parallel parse/enrich workers (partitions are spread over them, each partition stays on one).</summary>
    public int ProcessingParallelism { get; set; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>Consumed but not yet indexed messages at most; above it the consumer pauses its partitions.</summary>
    public int MaxInFlightMessages { get; set; } = 20_000;

    /// <summary>First retry delay after a 429/5xx/connection error; doubles up to <see cref="MaxRetryBackoff"/>, with jitter.</summary>
    public TimeSpan InitialRetryBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxRetryBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Time for one <c>_bulk</c> request before it counts as a connection error and is retried.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>On shutdown: how long in-flight batches may take to finish before they are abandoned (not committed; redelivered).</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Validation errors, each naming its configuration key.</summary>
    public IEnumerable<string> Validate()
    {
        if (BatchSize is < 1 or > 100_000)
        {
            yield return $"Indexing:BatchSize '{BatchSize}' must be between 1 and 100000.";
        }

        if (BatchBytes is < 1024 or > 100 * 1024 * 1024)
        {
            yield return $"Indexing:BatchBytes '{BatchBytes}' must be between 1024 and 104857600.";
        }

        if (FlushInterval <= TimeSpan.Zero)
        {
            yield return $"Indexing:FlushInterval '{FlushInterval}' must be positive.";
        }

        if (MaxConcurrentBulks is < 1 or > 64)
        {
            yield return $"Indexing:MaxConcurrentBulks '{MaxConcurrentBulks}' must be between 1 and 64.";
        }

        if (ProcessingParallelism is < 1 or > 64)
        {
            yield return $"Indexing:ProcessingParallelism '{ProcessingParallelism}' must be between 1 and 64.";
        }

        if (MaxInFlightMessages < BatchSize)
        {
            yield return $"Indexing:MaxInFlightMessages '{MaxInFlightMessages}' must be at least Indexing:BatchSize ({BatchSize}).";
        }

        if (InitialRetryBackoff <= TimeSpan.Zero || MaxRetryBackoff < InitialRetryBackoff)
        {
            yield return $"Indexing:InitialRetryBackoff '{InitialRetryBackoff}' must be positive and at most Indexing:MaxRetryBackoff '{MaxRetryBackoff}'.";
        }

        if (RequestTimeout <= TimeSpan.Zero)
        {
            yield return $"Indexing:RequestTimeout '{RequestTimeout}' must be positive.";
        }

        if (DrainTimeout < TimeSpan.Zero)
        {
            yield return $"Indexing:DrainTimeout '{DrainTimeout}' must not be negative.";
        }
    }
}
