using System.Diagnostics;
using LogPipeline.Ingest.Consuming;
using LogPipeline.Ingest.DeadLetters;
using LogPipeline.Testing;
using LogPipeline.Testing.Kafka;

namespace LogPipeline.Ingest.Tests.Pipeline;

/// <summary>Consumer → processing → _bulk → offsets, against the mock Kafka cluster and the Elasticsearch stand-in.</summary>
[Trait(TestTier.Name, TestTier.Process)]
public sealed class IngestPipelineTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Every_message_is_indexed_once_with_its_source_id_and_offsets_are_committed_after_indexing()
    {
        await using var h = PipelineHarness.Start();
        await h.ProduceAsync(0, 3000);
        await using (var worker = h.NewWorker().Start())
        {
            await PipelineHarness.WaitUntilAsync(() => h.Documents.Count >= 3000, Patience, "3000 documents");
            await worker.StopAsync();
            Assert.Equal(3000, worker.Metrics.Indexed.Value);
            Assert.Equal(0, worker.Metrics.Duplicates.Value);
        }

        var docs = h.Documents;
        Assert.Equal(3000, docs.Count);
        Assert.All(Enumerable.Range(0, 3000), i => Assert.Equal($"line {i}", docs[PipelineHarness.ExpectedId(i)]["message"]!.GetValue<string>()));
        Assert.Equal(h.EndOffsets(), h.CommittedOffsets());
    }

    [Fact]
    public async Task Re_sent_lines_are_counted_as_duplicates_not_errors()
    {
        await using var h = PipelineHarness.Start();
        await h.ProduceAsync(0, 500);
        await h.ProduceAsync(0, 500); // the shipper re-sent the same positions
        await using var worker = h.NewWorker().Start();
        await PipelineHarness.WaitUntilAsync(() => worker.Metrics.Indexed.Value + worker.Metrics.Duplicates.Value >= 1000, Patience, "1000 outcomes");
        await worker.StopAsync();

        Assert.Equal(500, h.Documents.Count);
        Assert.Equal(500, worker.Metrics.Indexed.Value);
        Assert.Equal(500, worker.Metrics.Duplicates.Value);
        Assert.Equal(0, worker.Metrics.DeadLetteredIndex.Value);
        Assert.Equal(h.EndOffsets(), h.CommittedOffsets());
    }

    [Fact]
    public async Task Bursts_of_429_periods_of_503_and_dropped_connections_lose_nothing()
    {
        await using var h = PipelineHarness.Start();
        h.Es.FailNextBulkRequests(5, 429);
        await h.ProduceAsync(0, 2000);
        await using var worker = h.NewWorker().Start();
        await PipelineHarness.WaitUntilAsync(() => h.Documents.Count >= 100, Patience, "first documents");

        h.Es.FailNextBulkRequests(8, 503);
        h.Es.RejectDocuments(d => d["n"]!.GetValue<long>() % 50 == 0, status: 429, times: 40);
        await h.ProduceAsync(2000, 2000);
        await PipelineHarness.WaitUntilAsync(() => h.Documents.Count >= 3000, Patience, "3000 documents");

        await PipelineHarness.WaitUntilAsync(() => worker.Metrics.InFlight == 0, Patience, "quiet before the drops");
        h.Es.DropNextConnections(3);
        await h.ProduceAsync(4000, 2000);
        await PipelineHarness.WaitUntilAsync(() => h.Documents.Count >= 6000 && worker.Metrics.InFlight == 0, Patience, "6000 documents");
        await worker.StopAsync();

        Assert.Equal(6000, h.Documents.Count);
        Assert.True(worker.Metrics.BulkRetries.Value >= 13 + 3, $"request retries {worker.Metrics.BulkRetries.Value}");
        Assert.Equal(40, worker.Metrics.ItemRetries.Value);
        // A dropped answer means the node may have indexed the bulk: its retry is answered 409.
        Assert.True(worker.Metrics.Duplicates.Value > 0);
        // Every document ends created exactly once: by this worker (indexed) or by a bulk whose answer was lost (409).
        Assert.Equal(6000, worker.Metrics.Indexed.Value + worker.Metrics.Duplicates.Value);
        Assert.Equal(0, worker.Metrics.DeadLetteredIndex.Value + worker.Metrics.DeadLetteredParse.Value);
        Assert.Equal(h.EndOffsets(), h.CommittedOffsets());
    }

    [Fact]
    public async Task Rejected_documents_and_unparseable_lines_go_to_the_dead_letter_topic_with_reason_and_stage()
    {
        await using var h = PipelineHarness.Start();
        h.Es.RejectDocuments(d => d["n"]!.GetValue<long>() % 100 == 7, status: 400);
        await h.ProduceAsync(0, 1000, bad: i => i % 100 == 3);
        await using var worker = h.NewWorker().Start();
        await PipelineHarness.WaitUntilAsync(
            () => worker.Metrics.Indexed.Value + worker.Metrics.DeadLetteredIndex.Value + worker.Metrics.DeadLetteredParse.Value >= 1000,
            Patience,
            "1000 outcomes");
        await worker.StopAsync();

        Assert.Equal(980, h.Documents.Count);
        Assert.Equal(10, worker.Metrics.DeadLetteredParse.Value);
        Assert.Equal(10, worker.Metrics.DeadLetteredIndex.Value);
        var dlq = TopicReader.ReadAll(h.Kafka.BootstrapServers, PipelineHarness.DeadLetterTopic, 20, TimeSpan.FromSeconds(30));
        Assert.Equal(20, dlq.Count);
        var parse = dlq.Where(r => r.Header(DeadLetterPublisher.StageHeader) == "parse").ToList();
        var index = dlq.Where(r => r.Header(DeadLetterPublisher.StageHeader) == "index").ToList();
        Assert.Equal(10, parse.Count);
        Assert.Equal(10, index.Count);
        Assert.All(parse, r => Assert.StartsWith("BAD line ", System.Text.Encoding.UTF8.GetString(r.Message.Value)));
        Assert.All(parse, r => Assert.Equal("unparseable: contains BAD", r.Header(DeadLetterPublisher.ErrorHeader)));
        Assert.All(index, r => Assert.Contains("mapper_parsing_exception", r.Header(DeadLetterPublisher.ErrorHeader)));
        Assert.All(dlq, r => Assert.Equal("pod-a", r.Header("lp.source")));
        Assert.All(dlq, r => Assert.NotNull(r.Header("lp.offset")));
        Assert.Equal(h.EndOffsets(), h.CommittedOffsets());
    }

    [Fact]
    public async Task A_worker_killed_mid_batch_loses_nothing_and_its_successor_completes_exactly_once()
    {
        await using var h = PipelineHarness.Start();
        await h.ProduceAsync(0, 6000);
        h.Es.Latency = TimeSpan.FromMilliseconds(150);
        await using (var first = h.NewWorker().Start())
        {
            await PipelineHarness.WaitUntilAsync(() => h.Documents.Count >= 1000, Patience, "some documents");
            await first.KillAsync();
        }

        var committed = h.CommittedOffsets();
        var end = h.EndOffsets();
        Assert.True(committed.Values.Sum() < end.Values.Sum(), "the kill left work uncommitted");
        // Offsets were committed only for what is in Elasticsearch.
        Assert.True(committed.Values.Sum() <= h.Documents.Count);

        h.Es.Latency = TimeSpan.Zero;
        await using var second = h.NewWorker().Start();
        await PipelineHarness.WaitUntilAsync(() => h.Documents.Count >= 6000 && second.Metrics.InFlight == 0 && second.Metrics.Consumed.Value > 0, Patience, "6000 documents");
        await second.StopAsync();
        Assert.Equal(6000, h.Documents.Count);
        Assert.Equal(Enumerable.Range(0, 6000).Select(i => PipelineHarness.ExpectedId(i)).Order(), h.Documents.Keys.Order());
        Assert.Equal(end, h.CommittedOffsets());
    }

    [Fact]
    public async Task Two_workers_share_the_partitions_and_a_rebalance_loses_nothing()
    {
        await using var h = PipelineHarness.Start(partitions: 6);
        await h.ProduceAsync(0, 3000);
        h.Es.Latency = TimeSpan.FromMilliseconds(20);
        await using var a = h.NewWorker().Start();
        await PipelineHarness.WaitUntilAsync(() => h.Documents.Count >= 500, Patience, "first documents");
        await using var b = h.NewWorker().Start();
        await h.ProduceAsync(3000, 3000);
        await PipelineHarness.WaitUntilAsync(() => h.Documents.Count >= 6000, Patience, "6000 documents");
        await a.StopAsync();
        await h.ProduceAsync(6000, 1000);
        await PipelineHarness.WaitUntilAsync(() => h.Documents.Count >= 7000, Patience, "7000 documents after a left");
        await b.StopAsync();

        Assert.Equal(7000, h.Documents.Count);
        Assert.True(b.Metrics.Consumed.Value > 0 && a.Metrics.Consumed.Value > 0);
        Assert.Equal(h.EndOffsets(6), h.CommittedOffsets(6));
    }

    [Fact]
    public async Task An_outage_at_the_in_flight_limit_holds_then_pauses_and_keeps_polling()
    {
        const int limit = 1000;
        await using var h = PipelineHarness.Start();
        h.Es.FailNextBulkRequests(int.MaxValue, 503);
        await h.ProduceAsync(0, 4000);
        await using var worker = h.NewWorker(o => o.MaxInFlightMessages = limit).Start();
        await PipelineHarness.WaitUntilAsync(() => worker.Metrics.InFlight >= limit, Patience, "the in-flight limit");

        // Saturated: the loop stops polling for at most HoldBeforePause, then pauses the partitions and polls again
        // (a loop that kept holding would stop polling for good and overrun max.poll.interval.ms).
        await Task.Delay(ConsumeLoop.HoldBeforePause + TimeSpan.FromSeconds(2));
        var sinceLastPoll = worker.Pipeline.SinceLastPoll;
        Assert.NotNull(sinceLastPoll);
        Assert.True(sinceLastPoll < TimeSpan.FromSeconds(1), $"last poll {sinceLastPoll} ago");
        Assert.True(worker.Metrics.InFlight <= limit, $"in flight {worker.Metrics.InFlight} above the limit {limit}");
        Assert.Empty(h.Documents);

        h.Es.ClearFaults();
        await PipelineHarness.WaitUntilAsync(() => h.Documents.Count >= 4000 && worker.Metrics.InFlight == 0, Patience, "4000 documents after the outage");
        await worker.StopAsync();
        Assert.Equal(4000, h.Documents.Count);
        Assert.Equal(h.EndOffsets(), h.CommittedOffsets());
    }

    [Fact]
    public async Task Throughput_with_the_fake_factory_is_logged()
    {
        const int count = 100_000;
        await using var h = PipelineHarness.Start();
        await h.ProduceAsync(0, count);
        await using var worker = h.NewWorker(o =>
        {
            o.BatchSize = 2000;
            o.MaxInFlightMessages = 20_000;
            o.FlushInterval = TimeSpan.FromMilliseconds(200);
        }).Start();
        var watch = Stopwatch.StartNew();
        await PipelineHarness.WaitUntilAsync(() => worker.Metrics.Indexed.Value >= count, TimeSpan.FromMinutes(3), $"{count} indexed");
        watch.Stop();
        await worker.StopAsync();
        Assert.Equal(count, h.Documents.Count);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{count} messages Kafka → _bulk (fake factory, stand-in ES) in {watch.Elapsed.TotalSeconds:F2} s = {count / watch.Elapsed.TotalSeconds:F0} events/s");
    }
}
