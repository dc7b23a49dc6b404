using LogPipeline.Hosting.Configuration;
using Microsoft.Extensions.Options;

namespace LogPipeline.Ingest.Indexing;

/// <summary>Batching, concurrency and retry of <c>_bulk</c> requests (section <c>Indexing</c>).</summary>
public sealed class IndexingOptions
{
    public const string Section = "Indexing";

    /// <summary>Documents per <c>_bulk</c> request at most.</summary>
    [KeyRange("Indexing:BatchSize", 1, 100_000)]
    public int BatchSize { get; set; } = 2000;

    /// <summary>Bytes of NDJSON body per <c>_bulk</c> request at most (a single larger document still goes alone).</summary>
    [KeyRange("Indexing:BatchBytes", 1024, 100 * 1024 * 1024)]
    public int BatchBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>A partial batch is sent after this long, bounding latency at low traffic.</summary>
    [KeyTimeSpanRange("Indexing:FlushInterval", "00:00:00.0000001", "10675199.02:48:05.4775807", Rule = "must be positive")]
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Concurrent <c>_bulk</c> requests.</summary>
    [KeyRange("Indexing:MaxConcurrentBulks", 1, 64)]
    public int MaxConcurrentBulks { get; set; } = 2;

    /// <summary>
    /// Parallel parse/enrich workers (partitions are spread over them, each partition stays on one). Default: one per
    /// core but one, which the consume thread (and librdkafka's fetch threads) keep busy at high rates; a worker
    /// thread more than that only adds hand-offs and wake-ups (docs/ingest.md, Performance).
    /// </summary>
    [KeyRange("Indexing:ProcessingParallelism", 1, 64)]
    public int ProcessingParallelism { get; set; } = Math.Max(1, Environment.ProcessorCount - 1);

    /// <summary>Consumed but not yet indexed messages at most; above it the consumer pauses its partitions.</summary>
    public int MaxInFlightMessages { get; set; } = 20_000;

    /// <summary>First retry delay after a 429/5xx/connection error; doubles up to <see cref="MaxRetryBackoff"/>, with jitter.</summary>
    public TimeSpan InitialRetryBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxRetryBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Time for one <c>_bulk</c> request before it counts as a connection error and is retried.</summary>
    [KeyTimeSpanRange("Indexing:RequestTimeout", "00:00:00.0000001", "10675199.02:48:05.4775807", Rule = "must be positive")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>On shutdown: how long in-flight batches may take to finish before they are abandoned (not committed; redelivered).</summary>
    [KeyTimeSpanRange("Indexing:DrainTimeout", "00:00:00", "10675199.02:48:05.4775807", Rule = "must not be negative")]
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(20);
}

/// <summary>The data annotations of <see cref="IndexingOptions"/>, checked by generated code.</summary>
[OptionsValidator]
public sealed partial class IndexingOptionsValidator : IValidateOptions<IndexingOptions>;

/// <summary>The <c>Indexing</c> section's cross-field rules, each message naming the keys.</summary>
public sealed class IndexingOptionsRules : IValidateOptions<IndexingOptions>
{
    public ValidateOptionsResult Validate(string? name, IndexingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.MaxInFlightMessages < options.BatchSize)
        {
            errors.Add($"Indexing:MaxInFlightMessages '{options.MaxInFlightMessages}' must be at least Indexing:BatchSize ({options.BatchSize}).");
        }

        if (options.InitialRetryBackoff <= TimeSpan.Zero || options.MaxRetryBackoff < options.InitialRetryBackoff)
        {
            errors.Add($"Indexing:InitialRetryBackoff '{options.InitialRetryBackoff}' must be positive and at most Indexing:MaxRetryBackoff '{options.MaxRetryBackoff}'.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
