using LogPipeline.Shipper.Tests.Support;
using LogPipeline.Testing;

namespace LogPipeline.Shipper.Tests.Publishing;

/// <summary>
/// Lines librdkafka holds with no delivery report while Kafka is reachable: with <c>message.timeout.ms=0</c> it never
/// gives them up, so without the delivery watchdog the shipper would hold them (and its checkpoint) forever, silently.
/// The deterministic case: the broker leading every partition unreachable from the shipper while the cluster keeps it
/// as the leader (a network partition between the pod and that broker only; the mock moves no leader when a broker is
/// set down). Every line waits, the other brokers stay reachable, and no "all brokers down" is raised. (A leaderless
/// partition would be the other natural case, but the mock cluster crashes the process when a Produce request
/// reaches one.)
/// </summary>
[Collection(LoadCollection.Name)]
[Trait(TestTier.Name, TestTier.Process)]
public sealed class DeliveryStallTests
{
    private const int Partitions = 3;
    private static readonly TimeSpan StallAfter = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Lines_held_without_a_report_while_Kafka_is_reachable_stop_the_shipper_with_exit_4_and_the_restart_delivers_them()
    {
        const int head = 200;
        const int lines = 2200;
        var ct = TestContext.Current.CancellationToken;
        using var rig = ShipperRig.Start("stalled", partitions: Partitions);
        for (var partition = 0; partition < Partitions; partition++)
        {
            rig.Cluster.SetPartitionLeader(rig.Topic, partition, 1);
        }

        var writer = new GeneratedLog(rig.LogPath) { Rotation = RotationMode.None };
        await using var first = await InProcessShipper.StartAsync(rig.Config());
        await writer.WriteAsync(0, head, 10_000, ct);
        Assert.True(await InProcessShipper.WaitUntilAsync(() => first.Metric("shipper_lines_delivered_total") >= head, TimeSpan.FromSeconds(60)));
        first.Service.Publisher!.StallAfter = StallAfter; // running (it delivered): the publisher exists

        rig.Cluster.SetBrokerDown(1);
        await writer.WriteAsync(head, lines - head, 10_000, ct);
        string? cause = null;
        var publisher = first.Service.Publisher!;
        // Four times the limit: without the watchdog nothing ever ends the wait (no report, no error).
        var refused = await InProcessShipper.WaitUntilAsync(() => (cause = publisher.Refusal) is not null, 4 * StallAfter);
        if (!refused)
        {
            var held = first.Metric("shipper_inflight_lines");
            Assert.Fail($"the shipper kept holding {held} lines without a delivery report (oldest {first.Metric("shipper_kafka_oldest_unacknowledged_seconds")} s, kafka_up {first.Metric("shipper_kafka_up")})");
        }

        var stoppedByItself = await InProcessShipper.WaitUntilAsync(() => first.StoppingByItself, TimeSpan.FromSeconds(30));
        var oldest = first.Metric("shipper_kafka_oldest_unacknowledged_seconds");
        var kafkaUp = first.Metric("shipper_kafka_up");
        var deliveredFirst = first.Metric("shipper_lines_delivered_total");
        var exit = first.ExitCode;
        await first.DisposeAsync();
        var checkpoint = CheckpointedLines.Read(rig.StateDirectory, rig.LogPath);

        rig.Cluster.SetAllBrokersUp();

        await using var second = await InProcessShipper.StartAsync(rig.Config());
        var idle = await InProcessShipper.WaitUntilAsync(
            () => second.Metric("shipper_lines_delivered_total") > 0 && second.Metric("shipper_lag_bytes") == 0
                  && second.Metric("shipper_inflight_lines") == 0,
            TimeSpan.FromSeconds(60));
        await second.StopAsync();
        var shipped = rig.Shipped(lines, TimeSpan.FromSeconds(30));

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"first run: '{cause}', stopped by itself {stoppedByItself}, exit {exit}, delivered {deliveredFirst}, oldest unacknowledged {oldest} s, " +
            $"kafka_up {kafkaUp}, checkpoint covers {checkpoint.Covered.Count} lines; after the restart: exit {second.ExitCode}, " +
            $"kafka {shipped.Records.Count}, missing {shipped.Missing(0, lines)} [{shipped.MissingRanges(0, lines)}], duplicates {shipped.Duplicates}");
        Assert.StartsWith("delivery stalled: ", cause, StringComparison.Ordinal); // not a refusal librdkafka reported
        Assert.True(stoppedByItself, "the shipper did not stop by itself after the stall");
        Assert.Equal(ShipperExitCode.KafkaRefused, exit);
        Assert.Equal(1, kafkaUp); // two brokers reachable all along: not an outage the backlog is meant to ride out
        Assert.True(oldest >= StallAfter.TotalSeconds, $"oldest unacknowledged {oldest} s");
        Assert.Equal(head, deliveredFirst); // the leader was unreachable for every line after the warm-up
        Assert.True(checkpoint.Covered.Count <= deliveredFirst, "the checkpoint passed lines Kafka never acknowledged");
        Assert.True(idle, "the restarted shipper did not deliver the held lines");
        Assert.Equal(0, second.ExitCode);
        Assert.Equal(0, shipped.Missing(0, lines));
        Assert.Equal(0, shipped.DuplicatesWithOtherPosition);
    }

    [Fact]
    public async Task A_cluster_slower_than_the_stall_limit_that_keeps_acknowledging_is_not_stopped_for()
    {
        const int head = 200;
        const int lines = 600;
        var slowStallAfter = TimeSpan.FromSeconds(9);
        var ct = TestContext.Current.CancellationToken;
        using var rig = ShipperRig.Start("slow", partitions: Partitions);
        var config = rig.Config();
        config["Kafka:BatchSize"] = "1024"; // a few lines per request: many round trips
        var writer = new GeneratedLog(rig.LogPath) { Rotation = RotationMode.None };
        await using var shipper = await InProcessShipper.StartAsync(config);
        await writer.WriteAsync(0, head, 10_000, ct);
        Assert.True(await InProcessShipper.WaitUntilAsync(() => shipper.Metric("shipper_lines_delivered_total") >= head, TimeSpan.FromSeconds(60)));
        shipper.Service.Publisher!.StallAfter = slowStallAfter;

        for (var broker = 1; broker <= rig.Cluster.BrokerCount; broker++)
        {
            rig.Cluster.SetBrokerRtt(broker, TimeSpan.FromSeconds(1));
        }

        await writer.WriteAsync(head, lines - head, 10_000, ct);
        var oldest = 0.0;
        var delivered = await InProcessShipper.WaitUntilAsync(
            () =>
            {
                oldest = Math.Max(oldest, shipper.Metric("shipper_kafka_oldest_unacknowledged_seconds"));
                return shipper.Metric("shipper_lines_delivered_total") >= lines || shipper.StoppingByItself;
            },
            TimeSpan.FromSeconds(120));
        var stopped = shipper.StoppingByItself;
        var deliveredCount = shipper.Metric("shipper_lines_delivered_total");
        await shipper.StopAsync();

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"delivered {deliveredCount} of {lines}, oldest unacknowledged up to {oldest} s, stopped by itself {stopped}, exit {shipper.ExitCode}");
        Assert.True(oldest >= slowStallAfter.TotalSeconds, $"the oldest line waited only {oldest} s: the cluster was not slow enough to test anything");
        Assert.False(stopped, "the shipper stopped although Kafka kept acknowledging the oldest lines");
        Assert.True(delivered && deliveredCount >= lines, $"{deliveredCount} of {lines} delivered");
        Assert.Equal(0, shipper.ExitCode);
    }

    [Fact]
    public async Task An_outage_longer_than_the_stall_limit_is_ridden_out_not_stopped_for()
    {
        const int head = 200;
        const int lines = 2000;
        var ct = TestContext.Current.CancellationToken;
        using var rig = ShipperRig.Start("long-outage", partitions: Partitions);
        var writer = new GeneratedLog(rig.LogPath) { Rotation = RotationMode.None };
        await using var shipper = await InProcessShipper.StartAsync(rig.Config());
        await writer.WriteAsync(0, head, 10_000, ct);
        Assert.True(await InProcessShipper.WaitUntilAsync(() => shipper.Metric("shipper_lines_delivered_total") >= head, TimeSpan.FromSeconds(60)));
        shipper.Service.Publisher!.StallAfter = StallAfter; // running (it delivered): the publisher exists

        rig.Cluster.SetAllBrokersDown();
        await writer.WriteAsync(head, lines - head, 1000, ct); // 1.8 s of lines into the outage
        await Task.Delay(StallAfter * 2, ct);
        var oldestWhileDown = shipper.Metric("shipper_kafka_oldest_unacknowledged_seconds");
        var stoppedWhileDown = shipper.StoppingByItself;
        rig.Cluster.SetAllBrokersUp();
        var delivered = await InProcessShipper.WaitUntilAsync(
            () => shipper.Metric("shipper_lines_delivered_total") >= lines, TimeSpan.FromSeconds(60));
        // Past the limit once more after the outage: held lines counted from the moment Kafka came back, not before.
        await Task.Delay(StallAfter + TimeSpan.FromSeconds(2), ct);
        var stopped = shipper.StoppingByItself;
        await shipper.StopAsync();

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"oldest unacknowledged while down {oldestWhileDown} s, stopped while down {stoppedWhileDown}, delivered {shipper.Metric("shipper_lines_delivered_total")} of {lines}, " +
            $"stopped after {stopped}, exit {shipper.ExitCode}");
        Assert.True(oldestWhileDown >= StallAfter.TotalSeconds, $"oldest unacknowledged {oldestWhileDown} s: the outage held nothing past the limit");
        Assert.False(stoppedWhileDown, "the shipper stopped during an outage");
        Assert.True(delivered, "the lines held during the outage were not delivered");
        Assert.False(stopped, "the shipper stopped after the outage");
        Assert.Equal(0, shipper.ExitCode);
    }
}
