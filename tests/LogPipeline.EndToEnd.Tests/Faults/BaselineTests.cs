using LogPipeline.EndToEnd.Tests.Harness;

namespace LogPipeline.EndToEnd.Tests.Faults;

/// <summary>No fault: the reference every fault scenario is compared with, books included.</summary>
public sealed class BaselineTests
{
    [Fact]
    public async Task Every_line_is_indexed_exactly_once_and_both_workers_account_for_it()
    {
        await using var pipeline = Pipeline.Start();
        var shipper = pipeline.StartShipper();
        var ingest = pipeline.StartIngest();
        await shipper.WaitUntilReadyAsync(TimeSpan.FromSeconds(30), "/healthz");
        await ingest.WaitUntilReadyAsync(TimeSpan.FromSeconds(30), "/healthz");

        var generator = new AccessLogGenerator(pipeline.LogPath, rotateAtBytes: 50 * 1024);
        await generator.WriteAsync(1, 3000, linesPerSecond: 3000, TestContext.Current.CancellationToken);

        var report = await pipeline.WaitForIndexedAsync(generator.Written, TimeSpan.FromSeconds(60));
        Assert.True(report.ExactlyOnce, $"{report}\n{pipeline.Diagnostics()}");
        var books = await Accounting.SettledAsync(shipper, ingest, TimeSpan.FromSeconds(20));
        var kafka = pipeline.CountKafka(generator.Written.Count);
        Measurements.Record("baseline", $"{report}; kafka records {kafka.Records}, dup {kafka.Duplicates}; rotations {generator.Rotations}; {books}");

        Assert.Equal(generator.Written.Count, books.LinesRead);
        Assert.Equal(generator.Written.Count, books.LinesDelivered);
        Assert.Equal(0, books.LinesDropped);
        Assert.Equal(kafka.Records, books.Consumed);
        Assert.Equal(report.Documents, books.Indexed);
        Assert.Equal(0, books.DeadLettered);
        Assert.Equal(books.Consumed, books.Indexed + books.Duplicates + books.DeadLettered);
        Assert.Equal(0, kafka.Duplicates);
        Assert.True(generator.Rotations > 3, $"only {generator.Rotations} rotations");
    }
}
