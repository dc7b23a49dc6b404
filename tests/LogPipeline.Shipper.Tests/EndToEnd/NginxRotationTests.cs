using LogPipeline.Shipper.Tests.Support;
using LogPipeline.Testing;
using LogPipeline.Testing.Kafka;
using LogPipeline.Testing.Nginx;

namespace LogPipeline.Shipper.Tests.EndToEnd;

/// <summary>The real nginx, rotated by the shipper itself (rename + SIGUSR1), into the mock cluster.</summary>
[Collection(LoadCollection.Name)]
[Trait(TestTier.Name, TestTier.Process)]
public sealed class NginxRotationTests
{
    // Enough for about ten 50 KB files of these short lines: a rotation is deferred while the file it would delete still holds
    // undelivered lines, so on a loaded box some of them merge and the test must still see at least five.
    private const int Requests = 12_000;

    [Fact]
    public async Task Built_in_rotation_at_50KB_ships_every_request_exactly_once()
    {
        NginxServer.SkipUnlessInstalled();
        var ct = TestContext.Current.CancellationToken;
        using var cluster = KafkaMockCluster.Start(brokers: 3);
        cluster.CreateTopic("nginx", partitions: 3);
        using var state = new TempDir();
        await using var nginx = await NginxServer.StartAsync(cancellationToken: ct);
        await using var shipper = await InProcessShipper.StartAsync(TestConfig.ForNginx(nginx, state, cluster, "nginx"));

        // Warm-up: the first lines cross a cold producer (JIT, broker connections); rotation is held off
        // while they are unacknowledged, which under load could leave too few rotations to test.
        await NginxRequests.SendAsync(nginx.BaseAddress, 0, 50, ct);
        Assert.True(await InProcessShipper.WaitUntilAsync(
            () => shipper.Metric("shipper_lines_delivered_total") >= 50, TimeSpan.FromSeconds(60)), "warm-up lines not delivered");
        await NginxRequests.SendAsync(nginx.BaseAddress, 50, Requests - 50, ct);
        var delivered = await InProcessShipper.WaitUntilAsync(
            () => shipper.Metric("shipper_lines_delivered_total") >= Requests, TimeSpan.FromSeconds(90));
        await shipper.StopAsync();
        var records = TopicReader.ReadAll(cluster.BootstrapServers, "nginx", Requests, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1));

        var ids = NginxRequests.Ids(records);
        var rotations = shipper.Metric("shipper_rotations_performed_total");
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{Requests} requests, {records.Count} records, {ids.Distinct().Count()} distinct, {rotations} rotations, " +
            $"signal errors {shipper.Metric("shipper_rotation_signal_errors_total")}, deferred {shipper.Metric("shipper_rotations_deferred_total")}, " +
            $"live file {new FileInfo(nginx.AccessLogPath).Length} B");
        Assert.True(delivered, $"only {shipper.Metric("shipper_lines_delivered_total")} of {Requests} delivered");
        Assert.True(rotations >= 5, $"{rotations} rotations");
        Assert.Equal(0, shipper.Metric("shipper_rotation_signal_errors_total"));
        Assert.DoesNotContain(-1, ids);
        Assert.Equal(Enumerable.Range(0, Requests), ids.Order());
        Assert.All(records, r => Assert.Equal("nginx-pod", r.Header("lp.source")));
        Assert.Equal(0, shipper.ExitCode);
        Assert.True(new FileInfo(nginx.AccessLogPath).Length < 3 * 51200, "the live file was rotated, not left to grow");
    }
}
