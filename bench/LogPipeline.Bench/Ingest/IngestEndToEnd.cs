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

/// <summary>Where the workers' <c>_bulk</c> requests go.</summary>
public enum IngestSink
{
    /// <summary><see cref="BulkSink"/>: counts and de-duplicates ids, answers per item, stores nothing (cheap).</summary>
    Bulk,

    /// <summary>The Elasticsearch stand-in of the tests: parses and stores every document (expensive).</summary>
    StandIn,
}

/// <summary>
/// End to end: N lines preloaded in a 3-broker mock cluster → K real ingest worker processes → a <c>_bulk</c>
/// sink in this process. Throughput from worker start to the last document indexed; then latency from
/// produce to indexed for a paced trickle while the workers are caught up. Every wait is bounded.
/// </summary>
public static class IngestEndToEnd
{
    private const string Topic = "nginx-access";
    private const int LatencyRate = 5_000;

    public sealed record Result(
        int Workers,
        int Lines,
        IngestSink Sink,
        int Partitions,
        double Seconds,
        double EventsPerSecond,
        double SteadyEventsPerSecond,
        double CpuSeconds,
        double SteadyCpuSeconds,
        double HarnessCpuSeconds,
        double P50Ms,
        double P99Ms,
        long Missing,
        long Duplicates,
        string? Failure)
    {
        public string Workload { get; init; } = IngestWorkload.FewUserAgents.Name;

        /// <summary>Indexing:ProcessingParallelism given to each worker; null = the worker's default (its core count).</summary>
        public int? Threads { get; init; }

        /// <summary>Worker CPU-seconds per wall second from the first document on: the cores the worker(s) kept busy.</summary>
        public double SteadyCoresUsed => SteadyEventsPerCpuSecond > 0 ? SteadyEventsPerSecond / SteadyEventsPerCpuSecond : double.NaN;

        /// <summary>The workers' user-agent cache over the run (from their /metrics), or null when not read.</summary>
        public UserAgentStats? UserAgents { get; init; }

        /// <summary>The workers' allocations and collections up to the last document (start-up included), or null when not read.</summary>
        public RuntimeStats? Runtime { get; init; }

        /// <summary>
        /// Worker CPU for the second half of the lines, scaled to all lines: a worker whose JIT has settled and whose
        /// user-agent engine has compiled its hot rules (NaN when the interval is too short to measure).
        /// </summary>
        public double LateCpuSeconds { get; init; } = double.NaN;

        /// <summary>Events per worker CPU-second over the second half of the lines.</summary>
        public double LateEventsPerCpuSecond => LateCpuSeconds > 0 ? Lines / LateCpuSeconds : double.NaN;

        /// <summary>µs of worker CPU per event over the second half of the lines.</summary>
        public double LateCpuMicrosPerEvent => LateCpuSeconds > 0 ? LateCpuSeconds * 1e6 / Lines : double.NaN;

        /// <summary>µs of worker CPU per event from the first document on.</summary>
        public double SteadyCpuMicrosPerEvent => SteadyCpuSeconds > 0 ? SteadyCpuSeconds * 1e6 / Lines : double.NaN;

        /// <summary>Events per worker CPU-second, start-up included.</summary>
        public double EventsPerCpuSecond => CpuSeconds > 0 ? Lines / CpuSeconds : double.NaN;

        /// <summary>Events per worker CPU-second from the first document on (start-up, JIT and group join left out).</summary>
        public double SteadyEventsPerCpuSecond => SteadyCpuSeconds > 0 ? Lines / SteadyCpuSeconds : double.NaN;
    }

    public static Result Run(int workers, int lines, int latencyLines, string runRoot, IngestSink sink, int partitions, IngestWorkload workload, int? threads = null)
    {
        var dll = IngestWorkers.Dll;
        if (dll is null)
        {
            return Failed(workers, lines, sink, partitions, "logpipeline-ingest not built", workload);
        }

        using var cluster = KafkaMockCluster.Start(3);
        cluster.CreateTopic(Topic, partitions);
        cluster.CreateTopic(Topic + "-dlq", 1);
        var clock = Stopwatch.StartNew();
        var indexed = new IndexedClock(lines + latencyLines, clock);
        ElasticsearchStandIn? es = null;
        BulkSink? bulkSink = null;
        Uri url;
        if (sink == IngestSink.StandIn)
        {
            es = ElasticsearchStandIn.Start();
            es.DocumentStored = indexed.OnStored;
            url = es.Url;
        }
        else
        {
            bulkSink = BulkSink.Start(indexed);
            url = bulkSink.Url;
        }

        try
        {
            var config = LimitProducer.Config(cluster.BootstrapServers);
            if (Environment.GetEnvironmentVariable("LPBENCH_INGEST_BATCH_BYTES") is { Length: > 0 } batchBytes)
            {
                config.BatchSize = int.Parse(batchBytes, CultureInfo.InvariantCulture);
                config.BatchNumMessages = 1_000_000;
                config.LingerMs = 200;
            }

            using var producer = new ProducerBuilder<byte[], byte[]>(config).Build();
            for (var seq = 0; seq < lines; seq++)
            {
                Produce(producer, seq, partitions, workload);
            }

            producer.Flush(TimeSpan.FromMinutes(1));
            // The mock broker silently drops a partition's oldest message sets beyond 5 MiB / 100,000 sets: a
            // preload that does not fit would turn into offset-out-of-range resets, not a throughput number.
            var stored = StoredMessages(cluster.BootstrapServers, partitions);
            if (stored != lines)
            {
                return Failed(workers, lines, sink, partitions, $"the mock cluster kept {stored:N0} of {lines:N0} preloaded lines (use more partitions)", workload);
            }

            var group = "bench-ingest-" + Guid.NewGuid().ToString("N");
            var processes = new List<ToolProcess>();
            var ports = new List<int>();
            var stats = new List<ProcessTreeStats>();
            try
            {
                var start = clock.Elapsed;
                for (var i = 0; i < workers; i++)
                {
                    var port = IngestWorkers.FreePort();
                    var p = IngestWorkers.Start(dll, Path.Combine(runRoot, $"ingest-{workers}w-{i}"), cluster.BootstrapServers, Topic, group, url, port, threads);
                    processes.Add(p);
                    ports.Add(port);
                    stats.Add(new ProcessTreeStats(p.Pid));
                }

                var harnessStart = Process.GetCurrentProcess().TotalProcessorTime;
                var deadline = start + TimeSpan.FromSeconds(60 + (lines / 1_000.0));
                var cpuAtFirst = double.NaN;
                var countAtFirst = 0L;
                var cpuAtHalf = double.NaN;
                var countAtHalf = 0L;
                void OnSample()
                {
                    if (double.IsNaN(cpuAtFirst) && indexed.Count > 0)
                    {
                        cpuAtFirst = stats.Sum(s => s.CpuSeconds);
                        countAtFirst = indexed.Count;
                    }

                    if (double.IsNaN(cpuAtHalf) && indexed.Count >= lines / 2)
                    {
                        cpuAtHalf = stats.Sum(s => s.CpuSeconds);
                        countAtHalf = indexed.Count;
                    }
                }

                if (WaitFor(() => indexed.Count >= lines, deadline, clock, processes, stats, lines, indexed, OnSample) is { } failure)
                {
                    return Failed(workers, lines, sink, partitions, failure + $" ({indexed.Count:N0}/{lines:N0} indexed)", workload);
                }

                foreach (var s in stats)
                {
                    s.Sample();
                }

                var cpu = stats.Sum(s => s.CpuSeconds);
                var userAgents = UserAgentStats.Read(ports);
                var runtime = RuntimeStats.Read(ports);
                var harnessCpu = (Process.GetCurrentProcess().TotalProcessorTime - harnessStart).TotalSeconds;
                // From the first sample that saw a document: the CPU the worker spent on the remaining lines, scaled
                // to all lines (the first sample comes within ~100 ms of the first document).
                // Only when that interval is long enough for /proc's 10 ms CPU ticks and 100 ms samples to mean something.
                var steadyCpu = double.IsNaN(cpuAtFirst) || countAtFirst > lines / 2 || cpu - cpuAtFirst < 0.5
                    ? double.NaN
                    : (cpu - cpuAtFirst) * lines / (lines - countAtFirst);

                var lateCpu = double.IsNaN(cpuAtHalf) || countAtHalf > lines * 3 / 4 || cpu - cpuAtHalf < 0.5
                    ? double.NaN
                    : (cpu - cpuAtHalf) * lines / (lines - countAtHalf);

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
                    Produce(producer, lines + i, partitions, workload);
                    producer.Poll(TimeSpan.Zero);
                }

                producer.Flush(TimeSpan.FromSeconds(30));
                _ = WaitFor(() => indexed.Count >= lines + latencyLines, clock.Elapsed + TimeSpan.FromSeconds(30), clock, processes, stats, lines, indexed, null);
                var latencies = Enumerable.Range(0, latencyLines)
                    .Where(i => indexed.IndexedTicks(lines + i) > 0)
                    .Select(i => TimeSpan.FromTicks(indexed.IndexedTicks(lines + i) - produced[i]).TotalMilliseconds)
                    .Order()
                    .ToList();
                return new Result(
                    workers, lines, sink, partitions, seconds, lines / seconds, steady, cpu, steadyCpu, harnessCpu,
                    Percentile(latencies, 0.50), Percentile(latencies, 0.99), lines + latencyLines - indexed.Count,
                    bulkSink?.Duplicates ?? -1, null)
                {
                    Workload = workload.Name,
                    Threads = threads,
                    UserAgents = userAgents,
                    Runtime = runtime,
                    LateCpuSeconds = lateCpu,
                };
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
            if (es is not null)
            {
                es.DocumentStored = null;
                es.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            bulkSink?.Dispose();
        }
    }

    private static string? WaitFor(
        Func<bool> done, TimeSpan deadline, Stopwatch clock, List<ToolProcess> processes, List<ProcessTreeStats> stats, int lines, IndexedClock indexed, Action? sampled)
    {
        var lastPrint = clock.Elapsed;
        var lastSample = TimeSpan.Zero;
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

            Thread.Sleep(20);
            // A sample walks /proc: every 100 ms keeps the harness's own CPU small next to the worker's.
            if (clock.Elapsed - lastSample >= TimeSpan.FromMilliseconds(100))
            {
                lastSample = clock.Elapsed;
                foreach (var s in stats)
                {
                    s.Sample();
                }

                sampled?.Invoke();
            }

            if (clock.Elapsed - lastPrint > TimeSpan.FromSeconds(2))
            {
                lastPrint = clock.Elapsed;
                Console.WriteLine($"    {processes.Count} worker(s): indexed {indexed.Count:N0} (backlog {lines:N0}) cpu {stats.Sum(s => s.CpuSeconds):0.0}s");
            }
        }

        return null;
    }

    /// <summary>Sum of high − low watermarks over the topic's partitions: what the mock broker still holds.</summary>
    private static long StoredMessages(string bootstrap, int partitions)
    {
        using var probe = new WatermarkProbe(bootstrap, Topic, partitions);
        var (low, high) = probe.Totals(TimeSpan.FromSeconds(10));
        return high - low;
    }

    private static void Produce(IProducer<byte[], byte[]> producer, long seq, int partitions, IngestWorkload workload)
    {
        // One file per partition, written to that partition explicitly: key hashing would spread a handful of
        // keys unevenly and leave some partitions (and so one worker's share) larger than others.
        var partition = (int)(seq % partitions);
        var file = "1:" + partition.ToString(CultureInfo.InvariantCulture) + ":bench";
        var message = new Message<byte[], byte[]>
        {
            Key = Encoding.UTF8.GetBytes(file),
            Value = workload.Line(seq),
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
                producer.Produce(new TopicPartition(Topic, partition), message);
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

    public static Result Failed(int workers, int lines, IngestSink sink, int partitions, string why, IngestWorkload workload) =>
        new(workers, lines, sink, partitions, 0, 0, 0, 0, 0, 0, 0, 0, lines, 0, why) { Workload = workload.Name };

    public static Result Failed(int workers, int lines, IngestSink sink, int partitions, string why, IngestWorkload workload, int? threads) =>
        Failed(workers, lines, sink, partitions, why, workload) with { Threads = threads };
}
