using LogPipeline.Shipper.Tests.Support;
using LogPipeline.Testing;

namespace LogPipeline.Shipper.Tests.Pipeline;

/// <summary>All brokers down for 8 s in the middle of a rotating write load.</summary>
[Collection(LoadCollection.Name)]
[Trait(TestTier.Name, TestTier.Process)]
public sealed class OutageTests
{
    private const int Lines = 150_000;
    private const int Rate = 10_000;

    /// <summary>The scenario: how long every broker stays down.</summary>
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(8);

    [Fact]
    public async Task All_brokers_down_8_s_mid_run_loses_and_duplicates_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        using var rig = ShipperRig.Start("outage");
        await using var shipper = await InProcessShipper.StartAsync(rig.Config());
        var writer = new GeneratedLog(rig.LogPath) { Rotation = RotationMode.Rename };
        await writer.WriteAsync(0, 200, 1000, ct);
        Assert.True(await InProcessShipper.WaitUntilAsync(() => shipper.Metric("shipper_lines_delivered_total") >= 200, TimeSpan.FromSeconds(60)));

        var writing = writer.WriteAsync(200, Lines - 200, Rate, ct);
        // Down mid-run: once the shipper is delivering the live traffic (rotating), with most of it still to be written.
        Assert.True(await InProcessShipper.WaitUntilAsync(() => shipper.Metric("shipper_lines_delivered_total") >= 200 + 30_000, TimeSpan.FromSeconds(60)));
        rig.Cluster.SetAllBrokersDown();
        var deliveredAtDown = shipper.Metric("shipper_lines_delivered_total");
        await Task.Delay(Outage, ct);
        var deliveredDuringOutage = shipper.Metric("shipper_lines_delivered_total") - deliveredAtDown;
        rig.Cluster.SetAllBrokersUp();
        await writing;
        var written = 200 + writer.Written;
        var delivered = await InProcessShipper.WaitUntilAsync(
            () => shipper.Metric("shipper_lines_delivered_total") >= written, TimeSpan.FromSeconds(120));
        await shipper.StopAsync();

        var shipped = rig.Shipped(written, TimeSpan.FromSeconds(delivered ? 60 : 10));
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{written} lines, {writer.Rotations} rotations, delivered during the outage {deliveredDuringOutage}, " +
            $"dropped {shipper.Metric("shipper_bytes_dropped_total")} B; kafka {shipped.Records.Count}, " +
            $"missing {shipped.Missing(0, written)} [{shipped.MissingRanges(0, written)}], duplicates {shipped.Duplicates}");
        Assert.True(writer.Rotations > 50, $"{writer.Rotations} rotations");
        Assert.True(delivered, $"only {shipper.Metric("shipper_lines_delivered_total")} of {written} delivered");
        Assert.Equal(0, shipped.Missing(0, written));
        Assert.Equal(0, shipped.Duplicates);
        Assert.Equal(0, shipper.Metric("shipper_bytes_dropped_total"));
    }
}
