using System.Globalization;
using System.Text;

namespace LogPipeline.Bench.Ingest;

/// <summary>Runs the end-to-end ingest measurement with one and two workers and renders the table.</summary>
public static class IngestSection
{
    /// <summary>A component that fails (worker, stand-in, cluster) becomes a "not available" row, not a crashed run.</summary>
    private static IngestEndToEnd.Result RunGuarded(int workers, int lines, int trickle, string root)
    {
        try
        {
            return IngestEndToEnd.Run(workers, lines, trickle, root);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or Confluent.Kafka.KafkaException
                                      or System.Net.HttpListenerException or System.ComponentModel.Win32Exception)
        {
            return new IngestEndToEnd.Result(workers, lines, 0, 0, 0, 0, 0, 0, lines, e.GetType().Name + ": " + e.Message);
        }
    }

    public static string Run(bool quick)
    {
        var lines = quick ? 10_000 : 50_000;
        var trickle = quick ? 2_000 : 10_000;
        // Quick (CI smoke) measures one worker only: a second worker's group rebalance alone can take tens of seconds.
        int[] workerCounts = quick ? [1] : [1, 2];
        var root = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"lpbench-ingest-{Environment.ProcessId}");
        var results = new List<IngestEndToEnd.Result>();
        try
        {
            foreach (var workers in workerCounts)
            {
                Console.WriteLine($"== ingest end to end: {lines:N0} preloaded lines, {workers} worker(s)");
                var r = RunGuarded(workers, lines, trickle, root);
                Console.WriteLine(r.Failure is null
                    ? $"  {r.EventsPerSecond:N0} events/s, p50 {r.P50Ms:0} ms, p99 {r.P99Ms:0} ms, cpu {r.CpuSeconds:0.0}s"
                    : $"  failed: {r.Failure}");
                results.Add(r);
            }
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }

        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"""
            ## Ingest: end to end

            {lines:N0} lines preloaded in a 3-broker mock cluster (6 partitions, with the shipper's headers) → the real
            `logpipeline-ingest` worker process(es) (one consumer group) → the Elasticsearch stand-in (in this process).
            events/s = lines ÷ (last document indexed − worker start, start-up included); "from first document" leaves
            out the worker's start-up and group join. Latency: then {trickle:N0} more
            lines produced at {5000:N0}/s while the workers are caught up, produce → stored by the stand-in.
            Everything (mock Kafka, the stand-in — which parses and stores every document in this process — and the
            workers) shares the same 2 cores, so these numbers are a floor for the worker. Target: ≥ 50k events/s.

            | workers | events/s | events/s from first document | seconds | worker CPU s | latency p50 ms | latency p99 ms | not indexed |
            |---:|---:|---:|---:|---:|---:|---:|---:|

            """);
        foreach (var r in results)
        {
            sb.Append(r.Failure is null
                ? string.Create(CultureInfo.InvariantCulture, $"| {r.Workers} | {r.EventsPerSecond:N0}{(r.EventsPerSecond >= 50_000 ? string.Empty : " (**below target**)")} | {r.SteadyEventsPerSecond:N0} | {r.Seconds:0.00} | {r.CpuSeconds:0.0} | {r.P50Ms:0} | {r.P99Ms:0} | {r.Missing:N0} |\n")
                : string.Create(CultureInfo.InvariantCulture, $"| {r.Workers} | not available: {Reporting.MarkdownReport.Escape(r.Failure)} | | | | | | |\n"));
        }

        return sb.Append('\n').ToString();
    }
}
