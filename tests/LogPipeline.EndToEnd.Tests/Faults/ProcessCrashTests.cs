using LogPipeline.EndToEnd.Tests.Harness;

namespace LogPipeline.EndToEnd.Tests.Faults;

/// <summary>kill -9 of either worker at arbitrary points: restart, resume from the last acknowledged position.</summary>
public sealed class ProcessCrashTests
{
    [Fact]
    public async Task Shipper_killed_9_at_random_points_and_restarted_loses_nothing()
    {
        const int Seed = 4242;
        var random = new Random(Seed);
        await using var pipeline = Pipeline.Start();
        // Keep enough rotated files that the restarted shipper still finds what was written while it was down.
        var shipperEnv = new Dictionary<string, string?> { ["Shipper__Rotation__Keep"] = "20" };
        var (shipper, _) = await Scenario.StartWorkersAsync(pipeline, shipperEnv);
        var generator = new AccessLogGenerator(pipeline.LogPath, rotateAtBytes: 50 * 1024, keep: 20);
        var writing = generator.WriteAsync(1, 6000, linesPerSecond: 1500, Scenario.Token);

        var kills = 0;
        while (!writing.IsCompleted && kills < 4)
        {
            await Task.Delay(random.Next(300, 1200), Scenario.Token);
            shipper.KillHard();
            kills++;
            shipper = pipeline.StartShipper(shipperEnv);
        }

        await writing;
        await Scenario.AssertExactlyOnceAsync("kill -9 shipper ×" + kills, pipeline, generator, $"; seed {Seed}");
        Assert.True(kills >= 2, $"only {kills} kills happened during the write");
    }

    [Fact]
    public async Task Ingest_killed_9_mid_batch_and_restarted_indexes_everything_once()
    {
        await using var pipeline = Pipeline.Start();
        var (_, ingest) = await Scenario.StartWorkersAsync(pipeline);
        var generator = new AccessLogGenerator(pipeline.LogPath, rotateAtBytes: 50 * 1024);
        var writing = generator.WriteAsync(1, 6000, linesPerSecond: 3000, Scenario.Token);

        await Scenario.WaitUntilAsync(() => pipeline.Documents().Count >= 1500, TimeSpan.FromSeconds(60), "1500 documents before the kill", pipeline);
        ingest.KillHard();
        var before = pipeline.Documents().Count;
        await writing;
        var restarted = pipeline.StartIngest();
        var report = await Scenario.AssertExactlyOnceAsync("kill -9 ingest mid-batch", pipeline, generator, $"; indexed before kill {before}");
        var books = await MetricsSnapshot.ScrapeAsync(restarted.MetricsUrl);
        Measurements.Record("kill -9 ingest mid-batch (restarted worker books)",
            $"consumed {books.Sum("logpipeline_ingest_consumed_total")}, indexed {books.Sum("logpipeline_ingest_indexed_total")}, 409 duplicates {books.Sum("logpipeline_ingest_duplicates_total")}");
        // Bulk requests already on the wire when the worker died can still land after `before` was sampled, so the
        // restarted worker created at most the rest; everything it consumed is either created or a 409.
        var indexed = books.Sum("logpipeline_ingest_indexed_total");
        Assert.InRange(indexed, 0, report.Documents - before);
        Assert.Equal(books.Sum("logpipeline_ingest_consumed_total"), indexed + books.Sum("logpipeline_ingest_duplicates_total") + books.Sum("logpipeline_ingest_dead_lettered_total"));
    }

    [Fact]
    public async Task Two_ingest_workers_one_killed_the_other_takes_over_its_partitions()
    {
        await using var pipeline = Pipeline.Start();
        var (_, first) = await Scenario.StartWorkersAsync(pipeline);
        var second = pipeline.StartIngest();
        await second.WaitUntilReadyAsync(Scenario.ReadyTimeout, "/healthz");
        var generator = new AccessLogGenerator(pipeline.LogPath, rotateAtBytes: 50 * 1024);
        var writing = generator.WriteAsync(1, 6000, linesPerSecond: 3000, Scenario.Token);

        await Scenario.WaitUntilAsync(() => pipeline.Documents().Count >= 1500, TimeSpan.FromSeconds(60), "1500 documents before the kill", pipeline);
        first.KillHard();
        await writing;
        await Scenario.AssertExactlyOnceAsync("two ingest workers, one kill -9 (rebalance)", pipeline, generator);
        Assert.False(second.HasExited, second.Tail());
    }
}
