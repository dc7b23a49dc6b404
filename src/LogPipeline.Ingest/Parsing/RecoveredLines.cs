using LogPipeline.Hosting.Metrics;

namespace LogPipeline.Ingest.Parsing;

/// <summary>
/// <c>logpipeline_ingest_lines_recovered_total{reason}</c>: lines indexed after the parser repaired end-of-line damage
/// (tagged <c>partial_line</c>). Incremented from any processing thread (lock-free counters).
/// </summary>
public sealed class RecoveredLines
{
    public const string MetricName = "logpipeline_ingest_lines_recovered_total";
    private readonly Counter[] _byReason;

    public RecoveredLines(MetricsRegistry registry)
    {
        _byReason = new Counter[Enum.GetValues<ParseRecovery>().Length];
        foreach (var reason in ParseRecoveries.All)
        {
            _byReason[(int)reason] = registry.Counter(
                MetricName,
                "Lines indexed from what was recovered after end-of-line damage (tag partial_line), by reason.",
                ("reason", ParseRecoveries.Keyword(reason)));
        }
    }

    public long this[ParseRecovery reason] => _byReason[(int)reason]?.Value ?? 0;

    public void Count(ParseRecovery reason) => _byReason[(int)reason]?.Increment();
}
