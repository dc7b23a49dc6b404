using System.Text;
using LogPipeline.EndToEnd.Tests.Harness;
using LogPipeline.Testing.Kafka;

namespace LogPipeline.EndToEnd.Tests.Faults;

/// <summary>Elasticsearch refusing, failing, cutting connections and rejecting single documents.</summary>
public sealed class ElasticsearchFaultTests
{
    /// <summary>The scenario: the spacing of the 429 bursts, and how long Elasticsearch answers 503.</summary>
    private static readonly TimeSpan BurstSpacing = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Unavailable = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The scenario: faults are armed this far into the write, as the first documents flow. Armed later, once
    /// documents flow, consecutive 429 bursts push one request's retry backoff (doubling from 100 ms, capped at 30 s)
    /// beyond the 20 s the harness waits without progress, and the run ends before the retry.
    /// </summary>
    private static readonly TimeSpan ArmAfter = TimeSpan.FromMilliseconds(500);

    /// <summary>How long the bulk request count is watched for a retry loop once everything is settled.</summary>
    private static readonly TimeSpan QuietWindow = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task Bursts_of_429_are_retried_and_everything_is_indexed_once()
    {
        await RunAsync("ES 429 bursts", async p =>
        {
            for (var burst = 0; burst < 3; burst++)
            {
                p.Elasticsearch.FailNextBulkRequests(8, 429);
                await Task.Delay(BurstSpacing, Scenario.Token);
            }
        });
    }

    [Fact]
    public async Task Five_seconds_of_503_are_ridden_out()
    {
        await RunAsync("ES 503 for 5 s", async p =>
        {
            p.Elasticsearch.FailNextBulkRequests(int.MaxValue, 503);
            await Task.Delay(Unavailable, Scenario.Token);
            p.Elasticsearch.ClearFaults();
        });
    }

    [Fact]
    public async Task Connections_reset_mid_response_are_retried_and_409s_count_as_done()
    {
        // The stand-in stores the documents and then cuts the answer: the retry meets 409s, which mean "indexed".
        await RunAsync(
            "ES connection reset mid-response ×6",
            p =>
            {
                p.Elasticsearch.DropNextConnections(6);
                return Task.CompletedTask;
            },
            responsesCut: true);
    }

    [Fact]
    public async Task Partial_bulk_failures_retry_only_the_failed_items()
    {
        await RunAsync("ES per-item 429 on every 7th line (300×)", p =>
        {
            p.Elasticsearch.RejectDocuments(d => DeliveryReport.TryExtractSeq(d, out var s) && s % 7 == 0, 429, times: 300);
            return Task.CompletedTask;
        });
    }

    [Fact]
    public async Task A_mapping_rejection_goes_to_the_dead_letter_topic_not_a_retry_loop()
    {
        await using var pipeline = Pipeline.Start();
        pipeline.Elasticsearch.RejectDocuments(d => DeliveryReport.TryExtractSeq(d, out var s) && s % 50 == 0, 400);
        var (_, ingest) = await Scenario.StartWorkersAsync(pipeline);
        var generator = new AccessLogGenerator(pipeline.LogPath, rotateAtBytes: 50 * 1024);
        await generator.WriteAsync(1, 3000, 3000, Scenario.Token);

        var rejected = generator.Written.Where(s => s % 50 == 0).ToHashSet();
        var accepted = generator.Written.Where(s => !rejected.Contains(s)).ToList();
        var report = await pipeline.WaitForIndexedAsync(accepted, Scenario.DeliveryTimeout);
        Assert.True(report.Missing.Count == 0 && report.Duplicated.Count == 0, $"{report}\n{pipeline.Diagnostics()}");
        Assert.DoesNotContain(report.PerSeq.Keys, rejected.Contains);

        var dead = TopicReader.ReadAll(pipeline.Kafka.BootstrapServers, Pipeline.DeadLetterTopic, rejected.Count, TimeSpan.FromSeconds(60));
        var deadSeqs = dead.Select(r => DeliveryReport.TryExtractSeq(r.Message.Value, out var s) ? s : -1).ToList();
        Assert.Equal(rejected.Order(), deadSeqs.Distinct().Order());
        Assert.All(dead, r =>
        {
            Assert.Equal("index", r.Header("lp.stage"));
            Assert.Contains("mapper_parsing_exception", r.Header("lp.error") ?? string.Empty, StringComparison.Ordinal);
            Assert.NotNull(r.Header("lp.offset"));
        });

        // No retry loop: once everything is settled the bulk request count stops growing.
        var books = await MetricsSnapshot.ScrapeAsync(ingest.MetricsUrl);
        var bulks = pipeline.Elasticsearch.BulkRequestCount;
        await Task.Delay(QuietWindow, Scenario.Token);
        Assert.Equal(bulks, pipeline.Elasticsearch.BulkRequestCount);
        Measurements.Record("ES mapping rejection (400) of every 50th line",
            $"{report}; dead-lettered {dead.Count} (distinct {deadSeqs.Distinct().Count()}) of {rejected.Count} rejected; metrics dead_lettered{{stage=index}} {books.Sum("logpipeline_ingest_dead_lettered_total", "stage=\"index\"")}; bulk requests {bulks}");
        Assert.Equal(rejected.Count, books.Sum("logpipeline_ingest_dead_lettered_total", "stage=\"index\""));
    }

    /// <param name="responsesCut">
    /// The fault stores documents and loses the answer: their retry meets 409s. With as few batches as cut answers
    /// (one processing thread cuts 2,000-line batches) every document may be such a 409, so none need be counted as
    /// created, but some must be counted as already indexed.
    /// </param>
    private static async Task RunAsync(string name, Func<Pipeline, Task> fault, bool responsesCut = false)
    {
        await using var pipeline = Pipeline.Start();
        var (shipper, ingest) = await Scenario.StartWorkersAsync(pipeline);
        var generator = new AccessLogGenerator(pipeline.LogPath, rotateAtBytes: 50 * 1024);
        var writing = generator.WriteAsync(1, 4000, 2000, Scenario.Token);
        await Task.Delay(ArmAfter, Scenario.Token);
        await fault(pipeline);
        await writing;
        await Scenario.AssertExactlyOnceAsync(name, pipeline, generator);
        var books = await Accounting.SettledAsync(shipper, ingest, TimeSpan.FromSeconds(30));
        var ingestBooks = books.Ingest;
        Measurements.Record(name + " (books)",
            $"{books}; retries request {ingestBooks.Sum("logpipeline_ingest_retries_total", "kind=\"request\"")}, item {ingestBooks.Sum("logpipeline_ingest_retries_total", "kind=\"item\"")}; bulk requests seen by ES {pipeline.Elasticsearch.BulkRequestCount}");
        // Without this the scenario passes whether or not the fault ever reached the worker (e.g. injected after the
        // last bulk request, or a burst consumed by a health probe).
        Assert.True(pipeline.Elasticsearch.InjectedFaultsServed > 0, $"{name}: no injected fault was served to the worker; the scenario tested nothing");
        Assert.Equal(0, books.DeadLettered);
        Assert.Equal(books.Consumed, books.Indexed + books.Duplicates + books.DeadLettered);
        // A document stored behind a cut response is counted as a 409 "already indexed" on the retry, not as created.
        var documents = pipeline.Documents().Count;
        if (responsesCut)
        {
            Assert.InRange(books.Duplicates, 1, documents);
        }
        else
        {
            Assert.InRange(books.Indexed, 1, documents);
        }

        Assert.Equal(documents, books.Indexed + books.Duplicates);
    }
}
