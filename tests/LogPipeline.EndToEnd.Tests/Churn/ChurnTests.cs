using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using LogPipeline.EndToEnd.Tests.Harness;
using LogPipeline.Testing.Nginx;

namespace LogPipeline.EndToEnd.Tests.Churn;

/// <summary>
/// Pods come and go as Kubernetes does it: web pods (real nginx + real shipper, each with its own in-memory log
/// volume and state) created and deleted on an HPA-like schedule under steady traffic, while the ingest group is
/// scaled up, loses a worker to SIGKILL and is scaled down. Asserted on data only (the machine is shared): every
/// request nginx answered is indexed exactly once, every pod's shipper exited 0 with its books balanced, the workers'
/// books balance. Schedule: <see cref="ChurnSchedule"/> (LP_CHURN=full for the issue's full-size run).
/// </summary>
public sealed partial class ChurnTests
{
    private static readonly TimeSpan FinalDeliveryTimeout = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task Web_pods_and_ingest_workers_scaled_up_and_down_under_traffic_index_every_logged_request_exactly_once()
    {
        NginxServer.SkipUnlessInstalled();
        var schedule = ChurnSchedule.FromEnvironment();
        var clock = Stopwatch.StartNew();
        await using var pipeline = Pipeline.Start(partitions: 6);
        var live = new List<WebPod>();
        var all = new List<WebPod>();
        var stopping = new List<Task<PodStop>>();
        var workers = new List<WorkerProcess>();
        var lastBooks = new Dictionary<string, MetricsSnapshot>();
        var podCounter = 0;
        string? terminatedWorker = null;
        await using var load = new LoadGenerator(schedule.RequestsPerSecond);
        try
        {
            workers.Add(await StartWorkerAsync(pipeline));
            await ScaleToAsync(schedule.Pods[0]);
            load.Start(concurrency: 16);
            for (var step = 0; step < schedule.Pods.Count; step++)
            {
                await ScaleIngestAsync(step);
                if (step == schedule.Pods.Count - 1 && schedule.KafkaOutage is { } outage)
                {
                    // The last scale-down meets a Kafka outage (say, brokers restarting at the same time): the stopping
                    // shippers get SIGTERM with unacknowledged lines and Kafka comes back within their grace. A drain
                    // cut short, or volumes deleted before it, would lose lines here.
                    pipeline.Kafka.SetAllBrokersDown();
                    await ScaleToAsync(schedule.Pods[step]);
                    await Task.Delay(outage, Scenario.Token);
                    pipeline.Kafka.SetAllBrokersUp();
                    await Task.Delay(schedule.Step - outage, Scenario.Token);
                    continue;
                }

                if (step > 0)
                {
                    await ScaleToAsync(schedule.Pods[step]);
                }

                await Task.Delay(schedule.Step, Scenario.Token);
            }

            await load.StopAsync();
            await ScaleToAsync(0);
            var stops = await Task.WhenAll(stopping);
            var churnSeconds = clock.Elapsed.TotalSeconds;

            // What nginx logged: every 2xx answer. A request without an answer may or may not be in the log.
            var servedByPod = load.ServedByPod;
            var expected = servedByPod.Values.SelectMany(s => s).ToHashSet();
            var unanswered = load.Unanswered;
            var report = await pipeline.WaitForIndexedAsync(expected, FinalDeliveryTimeout);
            var survivors = workers.Where(w => !w.HasExited).ToList();
            foreach (var worker in survivors)
            {
                lastBooks[worker.Name] = await SettledAsync(worker);
            }

            var kafka = pipeline.CountKafka(expected.Count);
            var consumed = lastBooks.Values.Sum(b => b.Sum("logpipeline_ingest_consumed_total"));
            var duplicates = lastBooks.Values.Sum(b => b.Sum("logpipeline_ingest_duplicates_total"));
            var deadLettered = lastBooks.Values.Sum(b => b.Sum("logpipeline_ingest_dead_lettered_total"));
            var rebalances = workers.Sum(w => AssignedPattern().Count(w.StandardOutput));
            var drains = stops.Select(s => s.DrainSeconds).Order().ToList();
            var unackedAtTerm = stops.Sum(s => (s.LastScrapeRead ?? 0) - (s.LastScrapeDelivered ?? 0));
            Measurements.Record(
                $"churn ({schedule.Name})",
                $"{report}; {schedule}; requests sent {load.Sent}, answered 2xx {expected.Count}, unanswered {unanswered.Count} " +
                $"(of those indexed: {report.Unexpected.Count(unanswered.Contains)}); pods started {all.Count}, stopped {stops.Length}, " +
                $"shipper exits {Histogram(stops.Select(s => s.ExitCode))}; rotations {stops.Sum(s => s.LastScrape?.Sum("shipper_rotations_performed_total") ?? 0)} (last scrapes); " +
                $"unacknowledged at SIGTERM (last scrapes) {unackedAtTerm}; drain s min {drains[0]:0.00} / median {drains[drains.Count / 2]:0.00} / max {drains[^1]:0.00}; nginx stop s max {stops.Max(s => s.NginxSeconds):0.00}; " +
                $"ingest workers started {workers.Count} (1 SIGKILL, 1 SIGTERM), partition assignments {rebalances}; " +
                $"ingest consumed {consumed}, duplicates absorbed by _id (409) {duplicates}, dead-lettered {deadLettered}; " +
                $"kafka records {kafka.Records}, kafka duplicates {kafka.Duplicates}; churn {churnSeconds:0} s, total {clock.Elapsed.TotalSeconds:0} s; " +
                $"per-pod drain s: {string.Join(", ", stops.Select(s => $"{s.Pod}={s.DrainSeconds:0.00}"))}");

            // A shipper that exits 3 left lines undelivered at grace end: with the volume deleted next, they are lost.
            var unclean = stops.Where(s => s.ExitCode != 0).ToList();
            Assert.True(unclean.Count == 0, $"pods whose shipper did not exit 0: {string.Join(", ", unclean.Select(s => $"{s.Pod}: {s.ExitCode}"))}\n{Diagnostics(all)}");

            // The shipper's books per pod: its exit log says every line read was delivered, and it read exactly what its
            // nginx logged (every 2xx answer, plus at most the unanswered requests that nginx still logged).
            foreach (var stop in stops)
            {
                var served = servedByPod.TryGetValue(stop.Pod, out var s) ? s.Count : 0;
                Assert.True(stop.LinesThisRun is { } lines && lines >= served && lines <= served + unanswered.Count,
                    $"{stop.Pod}: exit log lines {stop.LinesThisRun?.ToString(CultureInfo.InvariantCulture) ?? "none"}, nginx answered {served}\n{all.Single(p => p.Name == stop.Pod).Shipper.Tail()}");
            }

            var extraLines = stops.Sum(s => s.LinesThisRun ?? 0) - expected.Count;
            Assert.True(extraLines >= 0 && extraLines <= unanswered.Count, $"shippers delivered {extraLines} lines more than nginx answered; {unanswered.Count} unanswered");

            // Exactly once in the index, by seq id; an id beyond the answered ones must be a request nginx logged but
            // the client saw no answer for, never an invented or doubled one.
            Assert.True(report.Missing.Count == 0 && report.Duplicated.Count == 0 && report.WithoutSeq == 0,
                $"{report}\n{pipeline.Diagnostics()}");
            Assert.True(report.Unexpected.All(unanswered.Contains), $"indexed ids nobody sent: {report}");
            Assert.Equal(extraLines, report.Unexpected.Count);

            // The workers' books: each survivor settled with consumed = indexed + duplicates + dead-lettered, none
            // dead-lettered (every line is a valid access log line), and the worker scaled down by SIGTERM exited 0.
            foreach (var worker in survivors)
            {
                var b = lastBooks[worker.Name];
                Assert.True(
                    b.Sum("logpipeline_ingest_in_flight_messages") == 0
                    && b.Sum("logpipeline_ingest_consumed_total") == b.Sum("logpipeline_ingest_indexed_total") + b.Sum("logpipeline_ingest_duplicates_total") + b.Sum("logpipeline_ingest_dead_lettered_total"),
                    $"{worker.Name} books do not balance:\n{b.Text}");
            }

            Assert.Equal(0, deadLettered);
            if (terminatedWorker is not null)
            {
                Assert.Equal(0, workers.Single(w => w.Name == terminatedWorker).ExitCode);
            }
        }
        finally
        {
            pipeline.Kafka.SetAllBrokersUp();
            await load.StopAsync();
            // Background stops may still be draining when an assertion failed: give them their grace, then kill.
            await Task.WhenAny(Task.WhenAll(stopping), Task.Delay(WebPod.ShipperGrace + TimeSpan.FromSeconds(20)));
            foreach (var pod in all)
            {
                await pod.DisposeAsync();
            }
        }

        async Task ScaleToAsync(int target)
        {
            if (target > live.Count)
            {
                var started = await Task.WhenAll(Enumerable.Range(0, target - live.Count)
                    .Select(_ => WebPod.StartAsync(pipeline, $"web-{Interlocked.Increment(ref podCounter):D3}", Scenario.Token)));
                all.AddRange(started);
                live.AddRange(started);
            }
            else if (target < live.Count)
            {
                // The ReplicaSet deletes the youngest pods first. Endpoints first, then the pod's stop runs on its own
                // (the kubelet stops pods concurrently; the HPA does not wait for it).
                var leaving = live.TakeLast(live.Count - target).ToList();
                live.RemoveRange(target, leaving.Count);
                load.SetEndpoints(live);
                stopping.AddRange(leaving.Select(p => p.StopAsync(schedule.PreStop, Scenario.Token)));
                return;
            }

            load.SetEndpoints(live);
        }

        async Task ScaleIngestAsync(int step)
        {
            switch (step)
            {
                case 1:
                    // 1 → 3: a rebalance moves partitions off the first worker while it consumes.
                    workers.AddRange(await Task.WhenAll(StartWorkerAsync(pipeline), StartWorkerAsync(pipeline)));
                    break;
                case 2:
                    // 3 → 2 the hard way: kill -9, its partitions wait for the session timeout, then move.
                    var victim = workers.First(w => !w.HasExited);
                    await RecordBooksAsync(victim);
                    victim.KillHard();
                    break;
                case 3:
                    workers.Add(await StartWorkerAsync(pipeline));
                    break;
                case 4:
                    // 3 → 2 the graceful way: SIGTERM, drain, commit, leave the group.
                    var leaving = workers.First(w => !w.HasExited);
                    await RecordBooksAsync(leaving);
                    leaving.Terminate();
                    terminatedWorker = leaving.Name;
                    await leaving.WaitForExitAsync(TimeSpan.FromSeconds(60));
                    break;
            }
        }

        async Task RecordBooksAsync(WorkerProcess worker) => lastBooks[worker.Name] = await MetricsSnapshot.ScrapeAsync(worker.MetricsUrl);
    }

    private static async Task<WorkerProcess> StartWorkerAsync(Pipeline pipeline)
    {
        var worker = pipeline.StartIngest();
        await worker.WaitUntilReadyAsync(Scenario.ReadyTimeout, "/healthz");
        return worker;
    }

    /// <summary>Scrapes until the worker has nothing in flight and its books balance (or 60 s).</summary>
    private static async Task<MetricsSnapshot> SettledAsync(WorkerProcess worker)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var books = await MetricsSnapshot.ScrapeAsync(worker.MetricsUrl);
            var balanced = books.Sum("logpipeline_ingest_consumed_total")
                == books.Sum("logpipeline_ingest_indexed_total") + books.Sum("logpipeline_ingest_duplicates_total") + books.Sum("logpipeline_ingest_dead_lettered_total");
            if ((balanced && books.Sum("logpipeline_ingest_in_flight_messages") == 0) || DateTime.UtcNow > deadline)
            {
                return books;
            }

            await Task.Delay(200, Scenario.Token);
        }
    }

    private static string Histogram(IEnumerable<int> codes) =>
        string.Join(" ", codes.GroupBy(c => c).OrderBy(g => g.Key).Select(g => $"{g.Key}×{g.Count()}"));

    private static string Diagnostics(IEnumerable<WebPod> pods) =>
        string.Join("\n", pods.Where(p => p.Stopped is { ExitCode: not 0 }).Select(p => $"===== {p.Name} =====\n{p.Shipper.Tail(3000)}"));

    [GeneratedRegex("Partitions assigned")]
    private static partial Regex AssignedPattern();
}
