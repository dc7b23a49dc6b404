
namespace LogPipeline.Ingest.Indexing;

/// <summary>Exponential backoff with jitter ("equal jitter": half fixed, half random), on the injected clock.</summary>
internal sealed class Backoff(IndexingOptions options, TimeProvider time)
{
    public TimeSpan Delay(int attempt)
    {
        var exponential = options.InitialRetryBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30));
        var capped = Math.Min(exponential, options.MaxRetryBackoff.TotalMilliseconds);
        return TimeSpan.FromMilliseconds((capped / 2) + (Random.Shared.NextDouble() * capped / 2));
    }

    public Task DelayAsync(int attempt, CancellationToken cancellationToken) =>
        Task.Delay(Delay(attempt), time, cancellationToken);
}
