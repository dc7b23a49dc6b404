using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using LogPipeline.Bench.Measurement;
using LogPipeline.Bench.Peers;
using LogPipeline.Bench.Workloads;
using LogPipeline.Testing.Elasticsearch;
using LogPipeline.Testing.Kafka;

namespace LogPipeline.Bench.Ingest;

/// <summary>
/// End to end: N lines preloaded in a 3-broker mock cluster → K real ingest worker processes → the
/// Elasticsearch stand-in. Throughput from worker start to the last document indexed; then latency from
/// produce to indexed for a paced trickle while the workers are caught up. Every wait is bounded.
/// </summary>
public static class IngestEndToEnd
{
    private const string Topic = "nginx-access";
    private const int Partitions = 6;
    private const int LatencyRate = 5_000;

    public sealed record Result(int Workers, int Lines, double Seconds, double EventsPerSecond, double SteadyEventsPerSecond, double CpuSeconds, double P50Ms, double P99Ms, long Missing, string? Failure);

    public static Result Run(int workers, int lines, int latencyLines, string runRoot)
    {
        var dll = IngestWorkers.Dll;
        if (dll is null)
        {
            return Failed(workers, lines, "logpipeline-ingest not built");
        }

        using var cluster = KafkaMockCluster.Start(3);
        cluster.CreateTopic(Topic, Partitions);
        cluster.CreateTopic(Topic + "-dlq", 1);
        var clock = Stopwatch.StartNew();
        var indexed = new IndexedClock(lines + latencyLines, clock);
        var es = ElasticsearchStandIn.Start();
        try
        {
            es.DocumentStored = indexed.OnStored;
            using var producer = new ProducerBuilder<byte[], byte[]>(LimitProducer.Config(cluster.BootstrapServers)).Build();
            for (var seq = 0; seq < lines; seq++)
            {
                Produce(producer, seq);
            }

            producer.Flush(TimeSpan.FromMinutes(1));
            var group = "bench-ingest-" + Guid.NewGuid().ToString("N");
            var processes = new List<ToolProcess>();
            var stats = new List<ProcessTreeStats>();
            try
            {
                var start = clock.Elapsed;
                for (var i = 0; i < workers; i++)
                {
                    var p = IngestWorkers.Start(dll, Path.Combine(runRoot, $"ingest-{workers}w-{i}"), cluster.BootstrapServers, Topic, group, es.Url);
                    processes.Add(p);
                    stats.Add(new ProcessTreeStats(p.Pid));
                }

                var deadline = start + TimeSpan.FromSeconds(60 + (lines / 1_000.0));
                if (WaitFor(() => indexed.Count >= lines, deadline, clock, processes, stats, lines, indexed) is { } failure)
                {
                    return Failed(workers, lines, failure + $" ({indexed.Count:N0}/{lines:N0} indexed)");
                }

                var last = TimeSpan.FromTicks(Enumerable.Range(0, lines).Max(s => indexed.IndexedTicks(s)));
                var first = TimeSpan.FromTicks(Enumerable.Range(0, lines).Min(s => indexed.IndexedTicks(s)));
                var seconds = (last - start).TotalSeconds;
                var steady = last > first ? lines / (last - first).TotalSeconds : double.NaN;

                // Latency: a paced trickle while the workers are caught up.
                var produced = new long[latencyLines];
                var trickle = Stopwatch.StartNew();
                for (var i = 0; i < latencyLines; i++)
                {
                    while (trickle.Elapsed.TotalSeconds * LatencyRate < i)
                    {
                        Thread.Sleep(1);
                    }

                    produced[i] = clock.Elapsed.Ticks;
                    Produce(producer, lines + i);
                    producer.Poll(TimeSpan.Zero);
                }

                producer.Flush(TimeSpan.FromSeconds(30));
                _ = WaitFor(() => indexed.Count >= lines + latencyLines, clock.Elapsed + TimeSpan.FromSeconds(30), clock, processes, stats, lines, indexed);
                foreach (var s in stats)
                {
                    s.Sample();
                }

                var latencies = Enumerable.Range(0, latencyLines)
                    .Where(i => indexed.IndexedTicks(lines + i) > 0)
                    .Select(i => TimeSpan.FromTicks(indexed.IndexedTicks(lines + i) - produced[i]).TotalMilliseconds)
                    .Order()
                    .ToList();
                return new Result(
                    workers, lines, seconds, lines / seconds, steady, stats.Sum(s => s.CpuSeconds),
                    Percentile(latencies, 0.50), Percentile(latencies, 0.99), lines + latencyLines - indexed.Count, null);
            }
            finally
            {
                foreach (var p in processes)
                {
                    p.Dispose();
                }
            }
        }
        finally
        {
            es.DocumentStored = null;
            es.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static string? WaitFor(
        Func<bool> done, TimeSpan deadline, Stopwatch clock, List<ToolProcess> processes, List<ProcessTreeStats> stats, int lines, IndexedClock indexed)
    {
        var lastPrint = clock.Elapsed;
        while (!done())
        {
            if (clock.Elapsed > deadline)
            {
                return "timed out";
            }

            if (processes.FirstOrDefault(p => p.HasExited) is { } dead)
            {
                return $"worker exited (code {dead.ExitCode}): {dead.Tail()}";
            }

            Thread.Sleep(50);
            foreach (var s in stats)
            {
                s.Sample();
            }

            if (clock.Elapsed - lastPrint > TimeSpan.FromSeconds(2))
            {
                lastPrint = clock.Elapsed;
                Console.WriteLine($"    {processes.Count} worker(s): indexed {indexed.Count:N0} (backlog {lines:N0}) cpu {stats.Sum(s => s.CpuSeconds):0.0}s");
            }
        }

        return null;
    }

    private static void Produce(IProducer<byte[], byte[]> producer, long seq)
    {
        var file = "1:" + (seq % Partitions).ToString(CultureInfo.InvariantCulture) + ":bench";
        var line = LineGenerator.LineBytes(seq);
        var message = new Message<byte[], byte[]>
        {
            Key = Encoding.UTF8.GetBytes(file),
            Value = line[..^1],
            Headers =
            [
                new Header("lp.source", "bench"u8.ToArray()),
                new Header("lp.file", Encoding.UTF8.GetBytes(file)),
                new Header("lp.offset", Encoding.UTF8.GetBytes(seq.ToString(CultureInfo.InvariantCulture))),
            ],
        };
        while (true)
        {
            try
            {
                producer.Produce(Topic, message);
                return;
            }
            catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(10));
            }
        }
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static Result Failed(int workers, int lines, string why) => new(workers, lines, 0, 0, 0, 0, 0, 0, lines, why);
}
