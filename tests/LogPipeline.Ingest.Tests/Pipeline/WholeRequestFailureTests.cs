using System.Text;
using LogPipeline.Ingest.DeadLetters;
using LogPipeline.Testing;
using LogPipeline.Testing.Kafka;

namespace LogPipeline.Ingest.Tests.Pipeline;

/// <summary>
/// A <c>_bulk</c> refused as a whole says nothing about its documents: the batch stalls (retried, offsets kept,
/// counted, readiness false) and nothing goes to the dead-letter topic; only per-item rejections do.
/// </summary>
[Trait(TestTier.Name, TestTier.Process)]
public sealed class WholeRequestFailureTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Five_whole_request_400s_dead_letter_nothing_and_every_line_is_indexed()
    {
        await using var h = PipelineHarness.Start();
        h.Es.FailNextBulkRequests(5, 400);
        await h.ProduceAsync(0, 3000);
        await using var worker = h.NewWorker().Start();
        await PipelineHarness.WaitUntilAsync(() => h.Documents.Count >= 3000 && worker.Metrics.InFlight == 0, Patience, "3000 documents");
        await worker.StopAsync();

        Assert.Equal(3000, h.Documents.Count);
        Assert.Equal(0, worker.Metrics.DeadLetteredIndex.Value);
        Assert.Equal(5, worker.Metrics.BulkFailures("http_400").Value);
        Assert.Contains("logpipeline_ingest_bulk_failures_total{cause=\"http_400\"} 5", worker.RenderMetrics(), StringComparison.Ordinal);
        Assert.Empty(TopicReader.ReadAll(h.Kafka.BootstrapServers, PipelineHarness.DeadLetterTopic, 1, TimeSpan.FromSeconds(3)));
        Assert.Equal(h.EndOffsets(), h.CommittedOffsets());
    }

    [Theory]
    [InlineData(400, "http_400", "illegal_argument_exception")]
    [InlineData(401, "http_401", "security_exception")]
    [InlineData(403, "http_403", "security_exception")]
    [InlineData(404, "http_404", "index_not_found_exception")]
    [InlineData(200, "no_items", "without one result per document")]
    public async Task While_requests_are_refused_the_batches_stall_uncommitted_and_unready_then_complete(int status, string cause, string named)
    {
        await using var h = PipelineHarness.Start();
        await h.ProduceAsync(0, 1000);
        h.Es.FailNextBulkRequests(int.MaxValue, status);
        await using var worker = h.NewWorker().Start();
        await PipelineHarness.WaitUntilAsync(() => worker.Metrics.BulkFailures(cause).Value >= 4, Patience, $"4 failures counted as {cause}");

        // Stalled: nothing indexed, dead-lettered or committed; readiness says why.
        Assert.Empty(h.Documents);
        Assert.Equal(0, worker.Metrics.DeadLetteredIndex.Value + worker.Metrics.Indexed.Value);
        Assert.Equal(0, h.CommittedOffsets().Values.Sum());
        var failure = worker.Health.Failure;
        Assert.NotNull(failure);
        Assert.Contains(named, failure, StringComparison.Ordinal);

        h.Es.ClearFaults();
        await PipelineHarness.WaitUntilAsync(() => h.Documents.Count >= 1000 && worker.Metrics.InFlight == 0, Patience, "1000 documents after the refusals");
        Assert.Null(worker.Health.Failure);
        await worker.StopAsync();
        Assert.Equal(1000, h.Documents.Count);
        Assert.Equal(0, worker.Metrics.DeadLetteredIndex.Value);
        Assert.Equal(h.EndOffsets(), h.CommittedOffsets());
    }

    [Fact]
    public async Task A_refusal_is_logged_as_an_error_naming_status_type_and_reason_at_most_once_per_interval()
    {
        await using var h = PipelineHarness.Start();
        await h.ProduceAsync(0, 500);
        h.Es.FailNextBulkRequests(int.MaxValue, 403);
        var loggers = new CapturingLoggers();
        await using var worker = h.NewWorker(o => o.MaxRetryBackoff = o.InitialRetryBackoff, loggers: loggers).Start();
        await PipelineHarness.WaitUntilAsync(() => worker.Metrics.BulkFailures("http_403").Value >= 20, Patience, "20 refused requests");

        // 20 refusals within a few seconds, logged once (the interval is 10 s): the first names the cause.
        var refusals = loggers.Entries.Where(e => e.EventId == 206).ToList();
        var first = Assert.Single(refusals);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Error, first.Level);
        Assert.Contains("http_403", first.Message, StringComparison.Ordinal);
        Assert.Contains("HTTP 403 security_exception: action [", first.Message, StringComparison.Ordinal);
        Assert.Contains("is unauthorized", first.Message, StringComparison.Ordinal);
        Assert.Equal(0, worker.Metrics.DeadLetteredIndex.Value);
        h.Es.ClearFaults();
    }

    [Fact]
    public async Task A_413_splits_the_batch_until_it_fits_and_dead_letters_only_the_document_that_never_fits()
    {
        const int count = 1200;
        const int huge = 777;
        await using var h = PipelineHarness.Start();
        // ~100 bytes per document: a 500-document batch (~50 KB) is split down to ~40-document requests.
        h.Es.MaxContentLength = 4096;
        await h.ProduceAsync(0, count, line: i => i == huge ? "line " + new string('x', 8000) + " " + i : null);
        await using var worker = h.NewWorker().Start();
        await PipelineHarness.WaitUntilAsync(
            () => worker.Metrics.Indexed.Value + worker.Metrics.DeadLetteredIndex.Value >= count && worker.Metrics.InFlight == 0, Patience, $"{count} outcomes");
        await worker.StopAsync();

        Assert.Equal(count - 1, h.Documents.Count);
        Assert.DoesNotContain(PipelineHarness.ExpectedId(huge), h.Documents.Keys);
        Assert.Equal(1, worker.Metrics.DeadLetteredIndex.Value);
        Assert.True(worker.Metrics.BulkFailures("http_413").Value > 10, $"413s: {worker.Metrics.BulkFailures("http_413").Value}");
        var dlq = Assert.Single(TopicReader.ReadAll(h.Kafka.BootstrapServers, PipelineHarness.DeadLetterTopic, 1, TimeSpan.FromSeconds(30)));
        Assert.EndsWith(" " + huge, Encoding.UTF8.GetString(dlq.Message.Value), StringComparison.Ordinal);
        Assert.StartsWith("413 ", dlq.Header(DeadLetterPublisher.ErrorHeader), StringComparison.Ordinal);
        Assert.Equal("index", dlq.Header(DeadLetterPublisher.StageHeader));
        Assert.Equal(h.EndOffsets(), h.CommittedOffsets());
    }
}
