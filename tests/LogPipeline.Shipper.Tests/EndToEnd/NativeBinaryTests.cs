using LogPipeline.Shipper.Tests.Support;
using LogPipeline.Testing;
using LogPipeline.Testing.Kafka;
using LogPipeline.Testing.Nginx;

namespace LogPipeline.Shipper.Tests.EndToEnd;

/// <summary>
/// The artifact that ships — the Native AOT binary, with its embedded GC budgets and its own librdkafka binding —
/// behind the real nginx, rotating it at 50 KB. The other process tests run the JIT build.
/// </summary>
[Collection(LoadCollection.Name)]
[Trait(TestTier.Name, TestTier.Process)]
public sealed class NativeBinaryTests
{
    private const int Requests = 4000;

    [Fact]
    public async Task The_published_binary_rotates_nginx_and_ships_every_request_exactly_once_then_drains_on_sigterm()
    {
        NginxServer.SkipUnlessInstalled();
        if (ShipperProcess.NativeBinary is not { } binary)
        {
            Assert.Skip("the Native AOT shipper is not published (bash build/publish-shipper.sh artifacts/shipper; .ci/run does this)");
            return;
        }

        var ct = TestContext.Current.CancellationToken;
        await using var nginx = await NginxServer.StartAsync(cancellationToken: ct);
        using var rig = ShipperRig.ForNginx(nginx, "native");
        await using var shipper = ShipperProcess.Start(rig.Config(), binary);
        Assert.True(await shipper.WaitForMetricAsync("shipper_lines_read_total", 0, TimeSpan.FromSeconds(60)), shipper.Output);

        // Warm-up, as in NginxRotationTests: rotation waits for the first lines' acknowledgements.
        await NginxRequests.SendAsync(nginx.BaseAddress, 0, 50, ct);
        Assert.True(await shipper.WaitForMetricAsync("shipper_lines_delivered_total", 50, TimeSpan.FromSeconds(60)), shipper.Output);
        await NginxRequests.SendAsync(nginx.BaseAddress, 50, Requests - 50, ct);
        var delivered = await shipper.WaitForMetricAsync("shipper_lines_delivered_total", Requests, TimeSpan.FromSeconds(90));
        var rotations = await shipper.MetricAsync("shipper_rotations_performed_total");
        var deferred = await shipper.MetricAsync("shipper_rotations_deferred_total");
        var liveBytes = new FileInfo(nginx.AccessLogPath).Length;
        var rss = await shipper.MetricAsync("process_resident_memory_bytes");
        shipper.Terminate();
        var exit = await shipper.WaitForExitAsync(TimeSpan.FromSeconds(60));
        var records = TopicReader.ReadAll(rig.Cluster.BootstrapServers, rig.Topic, Requests, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1));

        var ids = NginxRequests.Ids(records);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{Requests} requests, {records.Count} records, {ids.Distinct().Count()} distinct, {rotations} rotations ({deferred} deferred), live file {liveBytes} B, RSS {rss / 1e6:0.0} MB");
        Assert.True(delivered, shipper.Output);
        Assert.True(rotations >= 3, $"{rotations} rotations");
        Assert.DoesNotContain(-1, ids);
        Assert.Equal(Enumerable.Range(0, Requests), ids.Order());
        Assert.All(records, r => Assert.Equal("nginx-pod", r.Header("lp.source")));
        Assert.True(rss > 0, "process_resident_memory_bytes missing from /metrics");
        Assert.True(exit == 0, $"exit {exit}:\n{shipper.Output}");
    }
}
