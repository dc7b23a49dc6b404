using LogPipeline.Shipper.Tests.Support;
using LogPipeline.Testing;
using LogPipeline.Testing.Kafka;
using LogPipeline.Testing.Nginx;

namespace LogPipeline.Shipper.Tests.EndToEnd;

/// <summary>The real shipper process, killed with SIGKILL mid-run and started again on the same state.</summary>
[Collection(LoadCollection.Name)]
[Trait(TestTier.Name, TestTier.Process)]
public sealed class CrashRestartTests
{
    private const int Requests = 6000;

    [Fact]
    public async Task Kill_9_mid_run_and_restart_loses_nothing_and_resends_only_same_positions()
    {
        NginxServer.SkipUnlessInstalled();
        var ct = TestContext.Current.CancellationToken;
        await using var nginx = await NginxServer.StartAsync(cancellationToken: ct);
        using var rig = ShipperRig.ForNginx(nginx, "crash");
        var config = rig.Config();

        var first = ShipperProcess.Start(config);
        var sending = NginxRequests.SendAsync(nginx.BaseAddress, 0, Requests / 2, ct);
        Assert.True(
            await first.WaitForMetricAsync("shipper_lines_delivered_total", Requests / 4, TimeSpan.FromSeconds(120)),
            "the first shipper delivered too little before the kill:\n" + first.Output);
        // Kill only after a checkpoint covering delivered lines was written, so the restart must resume from it.
        // (Checkpoints are written only when they change: if everything was already delivered and written,
        // no further write comes, and the last one is what counts.)
        var writes = await first.MetricAsync("shipper_checkpoint_writes_total") ?? 0;
        await first.WaitForMetricAsync("shipper_checkpoint_writes_total", writes + 1, TimeSpan.FromSeconds(3));
        Assert.True(await first.MetricAsync("shipper_checkpoint_writes_total") >= 1, "no checkpoint written:\n" + first.Output);
        // The second half is being written by nginx (and read by the shipper) when the kill lands.
        await sending;
        sending = NginxRequests.SendAsync(nginx.BaseAddress, Requests / 2, Requests / 2, ct);
        await first.WaitForMetricAsync("shipper_lines_read_total", (Requests / 2) + 100, TimeSpan.FromSeconds(30));
        first.KillHard();
        Assert.NotNull(await first.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        await first.DisposeAsync();

        // nginx keeps writing while no shipper runs: the live file grows, nothing rotates it away.
        await using var second = ShipperProcess.Start(config);
        await sending;
        var idle = await second.WaitUntilIdleAsync(TimeSpan.FromSeconds(120));
        second.Terminate();
        var exit = await second.WaitForExitAsync(TimeSpan.FromSeconds(60));

        var records = TopicReader.ReadAll(rig.Cluster.BootstrapServers, rig.Topic, Requests, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1));
        var ids = NginxRequests.Ids(records);
        var duplicates = records.Zip(ids).GroupBy(x => x.Second, x => x.First).Where(g => g.Count() > 1).ToList();
        var resentElsewhere = duplicates.Count(g => g.Select(ShippedLines.Position).Distinct().Count() > 1);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{Requests} requests, {records.Count} records, {ids.Distinct().Count()} distinct, " +
            $"{duplicates.Sum(g => g.Count() - 1)} re-sent after the kill (same position: {duplicates.Count - resentElsewhere})");
        Assert.True(idle, "the restarted shipper did not catch up:\n" + second.Output);
        Assert.Equal(0, exit);
        Assert.DoesNotContain(-1, ids);
        Assert.Equal(Enumerable.Range(0, Requests), ids.Distinct().Order());
        Assert.Equal(0, resentElsewhere);
        // The restart resumed from the checkpoint: not everything that survived on disk was sent again.
        Assert.True(duplicates.Count < Requests / 2, $"{duplicates.Count} lines re-sent: the checkpoint was not used");
    }
}
