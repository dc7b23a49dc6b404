using Confluent.Kafka;
using LogPipeline.EndToEnd.Tests.Harness;
using LogPipeline.Testing.Kafka;

namespace LogPipeline.EndToEnd.Tests.Faults;

/// <summary>Broker outages, leader moves, injected request errors and a slow broker, during traffic.</summary>
public sealed class KafkaFaultTests
{
    /// <summary>The scenario: how long the brokers stay down or slow, and the spacing of the request-error rounds.</summary>
    private static readonly TimeSpan AllDown = TimeSpan.FromSeconds(6);
    private static readonly TimeSpan OneDown = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ErrorRoundSpacing = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(4);

    [Fact]
    public async Task All_brokers_down_for_6_seconds_during_traffic_loses_nothing()
    {
        // The anchor row "60k @ 10k/s, all brokers down 5 s" scaled to CI: 12k lines at 2k/s, 6 s outage.
        await RunAsync("all brokers down 6 s", lines: 12_000, rate: 2_000, async p =>
        {
            p.Kafka.SetAllBrokersDown();
            await Task.Delay(AllDown, Scenario.Token);
            p.Kafka.SetAllBrokersUp();
        });
    }

    [Fact]
    public async Task One_broker_down_moves_leadership_and_loses_nothing()
    {
        await RunAsync("one broker down 5 s", lines: 6_000, rate: 2_000, async p =>
        {
            p.Kafka.SetBrokerDown(1);
            await Task.Delay(OneDown, Scenario.Token);
            p.Kafka.SetBrokerUp(1);
        });
    }

    [Fact]
    public async Task Produce_and_fetch_request_errors_are_retried_without_loss()
    {
        await RunAsync("Produce + Fetch request errors", lines: 6_000, rate: 2_000, async p =>
        {
            for (var round = 0; round < 3; round++)
            {
                p.Kafka.PushRequestErrors(KafkaApiKey.Produce,
                    ErrorCode.NotEnoughReplicas, ErrorCode.LeaderNotAvailable, ErrorCode.RequestTimedOut, ErrorCode.NotLeaderForPartition);
                p.Kafka.PushRequestErrors(KafkaApiKey.Fetch,
                    ErrorCode.NotLeaderForPartition, ErrorCode.UnknownTopicOrPart, ErrorCode.RequestTimedOut);
                await Task.Delay(ErrorRoundSpacing, Scenario.Token);
            }
        });
    }

    [Fact]
    public async Task A_slow_broker_delays_but_loses_nothing()
    {
        await RunAsync("broker 1 RTT 500 ms", lines: 4_000, rate: 2_000, async p =>
        {
            p.Kafka.SetBrokerRtt(1, TimeSpan.FromMilliseconds(500));
            await Task.Delay(Slow, Scenario.Token);
            p.Kafka.SetBrokerRtt(1, TimeSpan.Zero);
        });
    }

    private static async Task RunAsync(string name, int lines, int rate, Func<Pipeline, Task> fault)
    {
        await using var pipeline = Pipeline.Start();
        var (shipper, ingest) = await Scenario.StartWorkersAsync(pipeline);
        var generator = new AccessLogGenerator(pipeline.LogPath, rotateAtBytes: 50 * 1024);
        var writing = generator.WriteAsync(1, lines, rate, Scenario.Token);
        // The fault lands mid-run: once documents are arriving, with most of the lines still to be written.
        await Scenario.WaitUntilAsync(() => pipeline.Documents().Count >= 500, Scenario.DeliveryTimeout, "the first 500 documents", pipeline);
        await fault(pipeline);
        await writing;
        await Scenario.AssertExactlyOnceAsync(name, pipeline, generator);
        var books = await Accounting.SettledAsync(shipper, ingest, TimeSpan.FromSeconds(30));
        Measurements.Record(name + " (books)", books.ToString());
        Assert.Equal(generator.Written.Count, books.LinesRead);
        Assert.Equal(generator.Written.Count, books.LinesDelivered);
        Assert.Equal(0, books.LinesDropped);
        Assert.Equal(books.Consumed, books.Indexed + books.Duplicates + books.DeadLettered);
        Assert.Equal(0, books.DeadLettered);
    }
}
