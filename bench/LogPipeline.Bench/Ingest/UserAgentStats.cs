using System.Globalization;

namespace LogPipeline.Bench.Ingest;

/// <summary>
/// The workers' user-agent cache as their /metrics report it: hits, misses and the cold-parse histogram, summed over
/// the workers. The p99 is the upper bound of the histogram bucket it falls in (the worker exports buckets, not samples).
/// </summary>
public sealed record UserAgentStats(long Hits, long Misses, double ColdSeconds, long ColdCount, IReadOnlyList<(double Le, long Cumulative)> Buckets)
{
    private const string Prefix = "logpipeline_ingest_user_agent_cache_";

    /// <summary>Mean µs of one cold parse (wall time inside the worker, which on a busy machine includes waiting for a core).</summary>
    public double ColdMeanMicros => ColdCount > 0 ? ColdSeconds * 1e6 / ColdCount : double.NaN;

    /// <summary>Bucket bound in µs that 99 % of the cold parses are at or under.</summary>
    public double ColdP99Micros
    {
        get
        {
            foreach (var (le, cumulative) in Buckets)
            {
                if (cumulative >= 0.99 * ColdCount)
                {
                    return le * 1e6;
                }
            }

            return double.PositiveInfinity;
        }
    }

    /// <summary>Scrapes every worker; null when one does not answer (the row then shows n/a).</summary>
    public static UserAgentStats? Read(IEnumerable<int> ports)
    {
        long hits = 0, misses = 0, count = 0;
        double sum = 0;
        var buckets = new SortedDictionary<double, long>();
        if (WorkerMetrics.Scrape(ports) is not { } texts)
        {
            return null;
        }

        foreach (var text in texts)
        {
            foreach (var line in text.Split('\n'))
            {
                if (!line.StartsWith(Prefix, StringComparison.Ordinal))
                {
                    continue;
                }

                var space = line.LastIndexOf(' ');
                var name = line[Prefix.Length..space];
                var value = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
                switch (name)
                {
                    case "hits_total":
                        hits += (long)value;
                        break;
                    case "misses_total":
                        misses += (long)value;
                        break;
                    case "cold_parse_seconds_sum":
                        sum += value;
                        break;
                    case "cold_parse_seconds_count":
                        count += (long)value;
                        break;
                    default:
                        const string Bucket = "cold_parse_seconds_bucket{le=\"";
                        if (name.StartsWith(Bucket, StringComparison.Ordinal) && name.EndsWith("\"}", StringComparison.Ordinal))
                        {
                            var le = name[Bucket.Length..^2];
                            var bound = le == "+Inf" ? double.PositiveInfinity : double.Parse(le, CultureInfo.InvariantCulture);
                            buckets[bound] = buckets.GetValueOrDefault(bound) + (long)value;
                        }

                        break;
                }
            }
        }

        return new UserAgentStats(hits, misses, sum, count, [.. buckets.Select(b => (b.Key, b.Value))]);
    }
}
