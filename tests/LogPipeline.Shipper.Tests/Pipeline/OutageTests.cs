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
        // External rename rotation keeps one old file, so a file is deleted by the second rotation after its own. A
        // writer held up on a loaded box would otherwise catch up by filling and rotating files within a millisecond,
        // faster than any reader can open them (whole files lost, counted in shipper_files_missed_total; see
        // docs/reliability.md). A periodic rotator lets a file live at least its period; this test is about Kafka.
        var writer = new GeneratedLog(rig.LogPath) { Rotation = RotationMode.Rename, MinRotationInterval = TimeSpan.FromMilliseconds(50) };
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
        var read = shipper.Metric("shipper_lines_read_total");
        var inFlight = shipper.Metric("shipper_inflight_lines");
        var missedFiles = shipper.Metric("shipper_files_missed_total");
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{written} lines, {writer.Rotations} rotations (shortest gap {writer.ShortestRotationGap.TotalMilliseconds:F1} ms), " +
            $"delivered during the outage {deliveredDuringOutage}, read {read}, unacknowledged at the stop {inFlight}, files missed {missedFiles}, " +
            $"dropped {shipper.Metric("shipper_bytes_dropped_total")} B; kafka {shipped.Records.Count}, " +
            $"missing {shipped.Missing(0, written)} [{shipped.MissingRanges(0, written)}], duplicates {shipped.Duplicates}");
        Assert.True(writer.Rotations > 50, $"{writer.Rotations} rotations");
        // Where undelivered lines are: never read (a file gone before it was opened), or read and still held by the
        // producer (handed to librdkafka, no delivery report) — the first is the tail's, the second Kafka's.
        Assert.True(missedFiles == 0, $"{missedFiles} files were rotated away before the shipper opened them");
        Assert.True(read == written, $"{read} of {written} lines read");
        Assert.True(delivered, $"only {shipper.Metric("shipper_lines_delivered_total")} of {written} delivered, {inFlight} read and unacknowledged");
        Assert.Equal(0, shipped.Missing(0, written));
        Assert.Equal(0, shipped.Duplicates);
        Assert.Equal(0, shipper.Metric("shipper_bytes_dropped_total"));
    }
}
