using Confluent.Kafka;
using LogPipeline.Ingest.Consuming;
using LogPipeline.Ingest.Pipeline;
using LogPipeline.Testing;
using LogPipeline.Testing.Kafka;

namespace LogPipeline.Ingest.Tests.Pipeline;

/// <summary>A fatal consumer error (librdkafka's own classification) ends the pipeline: nothing more is committed.</summary>
[Trait(TestTier.Name, TestTier.Process)]
public sealed class KafkaFatalErrorTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_fenced_static_member_stops_the_pipeline_with_a_fatal_error_and_commits_nothing_unindexed()
    {
        await using var h = PipelineHarness.Start();
        await h.ProduceAsync(0, 1000);
        await using var worker = h.NewWorker(kafka: k => k.SessionTimeout = TimeSpan.FromSeconds(6)).Start();
        await PipelineHarness.WaitUntilAsync(() => h.Documents.Count >= 1000 && worker.Metrics.InFlight == 0, Patience, "1000 documents");
        await PipelineHarness.WaitUntilAsync(() => h.CommittedOffsets().Values.Sum() == 1000, Patience, "1000 offsets committed");

        // The coordinator fences this member (another instance with its group.instance.id joined): librdkafka
        // raises FENCED_INSTANCE_ID as a fatal consumer error on the next heartbeat.
        h.Es.Latency = TimeSpan.FromSeconds(30); // what is consumed from now on is in flight, never indexed
        await h.ProduceAsync(1000, 500);
        await PipelineHarness.WaitUntilAsync(() => worker.Metrics.InFlight > 0, Patience, "new lines in flight");
        h.Kafka.PushRequestErrors(KafkaApiKey.Heartbeat, ErrorCode.FencedInstanceId);

        var ended = await Assert.ThrowsAsync<KafkaFatalException>(() => worker.Run.WaitAsync(Patience));
        Assert.Contains("FencedInstanceId", ended.Message, StringComparison.Ordinal);
        Assert.Equal(IngestExitCode.KafkaFatal, IngestWorker.ExitCodeFor(ended));
        Assert.Equal(1000, h.CommittedOffsets().Values.Sum());
        Assert.Equal(1000, h.Documents.Count);
    }
}
