using LogPipeline.Hosting.Metrics;

namespace LogPipeline.Ingest.Enrichment.UserAgents;

/// <summary>
/// The user-agent cache on <c>/metrics</c> (docs/contracts.md): hits, misses, and the time a miss costs (the cold
/// parse through the engine). Updated lock-free from every processing thread.
/// </summary>
public sealed class UserAgentCacheMetrics
{
    /// <summary>Bounds in seconds: a cold parse takes microseconds to a few hundred; the match timeout caps the tail.</summary>
    private static readonly double[] ColdParseBuckets =
        [0.000_005, 0.000_01, 0.000_02, 0.000_05, 0.000_1, 0.000_2, 0.000_5, 0.001, 0.002, 0.005, 0.01, 0.05, 0.25];

    public UserAgentCacheMetrics(MetricsRegistry registry, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(registry);
        Hits = registry.Counter("logpipeline_ingest_user_agent_cache_hits_total", "User agents found in the cache.");
        Misses = registry.Counter("logpipeline_ingest_user_agent_cache_misses_total", "User agents not in the cache (parsed cold).");
        ColdParse = registry.Histogram("logpipeline_ingest_user_agent_cache_cold_parse_seconds", "Time to parse a user agent not in the cache.", ColdParseBuckets);
        Time = time;
    }

    public Counter Hits { get; }

    public Counter Misses { get; }

    public Histogram ColdParse { get; }

    public TimeProvider Time { get; }
}
