using System.Globalization;

namespace LogPipeline.Bench.Ingest;

/// <summary>
/// The workers' managed-heap figures from their /metrics, summed over the workers, start-up included: bytes allocated,
/// collections per generation and the time the collector paused them.
/// </summary>
public sealed record RuntimeStats(double AllocatedBytes, long Gen0, long Gen1, long Gen2, double PauseSeconds)
{
    /// <summary>Scrapes every worker; null when one does not answer (the row then shows n/a).</summary>
    public static RuntimeStats? Read(IEnumerable<int> ports)
    {
        double allocated = 0, pause = 0;
        long gen0 = 0, gen1 = 0, gen2 = 0;
        if (WorkerMetrics.Scrape(ports) is not { } texts)
        {
            return null;
        }

        foreach (var text in texts)
        {
            foreach (var line in text.Split('\n'))
            {
                var space = line.LastIndexOf(' ');
                if (line.StartsWith('#') || space < 0 || !double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                {
                    continue;
                }

                switch (line[..space])
                {
                    case "dotnet_gc_allocated_bytes_total":
                        allocated += value;
                        break;
                    case "dotnet_gc_pause_seconds_total":
                        pause += value;
                        break;
                    case "dotnet_gc_collections_total{generation=\"0\"}":
                        gen0 += (long)value;
                        break;
                    case "dotnet_gc_collections_total{generation=\"1\"}":
                        gen1 += (long)value;
                        break;
                    case "dotnet_gc_collections_total{generation=\"2\"}":
                        gen2 += (long)value;
                        break;
                }
            }
        }

        return new RuntimeStats(allocated, gen0, gen1, gen2, pause);
    }
}
