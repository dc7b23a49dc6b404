using System.Text;
using LogPipeline.Shipper.Tests.Support;
using LogPipeline.Testing;
using LogPipeline.Testing.Kafka;

namespace LogPipeline.Shipper.Tests.Pipeline;

/// <summary>Files that are not there yet, directories that vanish, and hostile content, end to end.</summary>
[Collection(LoadCollection.Name)]
[Trait(TestTier.Name, TestTier.Process)]
public sealed class EdgeCaseTests
{
    [Fact]
    public async Task A_missing_file_and_directory_that_appear_later_are_followed_from_their_start()
    {
        var ct = TestContext.Current.CancellationToken;
        using var rig = ShipperRig.Start("late", brokers: 1, createLogDirectory: false);
        await using var shipper = await InProcessShipper.StartAsync(rig.Config());
        // The shipper runs (its loop has passed at least once) while neither the directory nor the file exist.
        Assert.True(await InProcessShipper.WaitUntilAsync(() => shipper.Metric("shipper_files_open") == 0 && Ticked(shipper), TimeSpan.FromSeconds(30)));

        Directory.CreateDirectory(rig.LogDirectory);
        await new GeneratedLog(rig.LogPath) { Rotation = RotationMode.None }.WriteAsync(0, 500, 100_000, ct);
        Assert.True(await InProcessShipper.WaitUntilAsync(() => shipper.Metric("shipper_lines_delivered_total") >= 500, TimeSpan.FromSeconds(60)));
        await shipper.StopAsync();

        var shipped = rig.Shipped(500);
        Assert.Equal(0, shipped.Missing(0, 500));
        Assert.Equal(0, shipped.Duplicates);
    }

    [Fact]
    public async Task A_deleted_and_recreated_directory_is_followed_again()
    {
        var ct = TestContext.Current.CancellationToken;
        using var rig = ShipperRig.Start("redo", brokers: 1);
        var path = rig.LogPath;
        await using var shipper = await InProcessShipper.StartAsync(rig.Config());
        await new GeneratedLog(path) { Rotation = RotationMode.None }.WriteAsync(0, 300, 100_000, ct);
        Assert.True(await InProcessShipper.WaitUntilAsync(() => shipper.Metric("shipper_lines_delivered_total") >= 300, TimeSpan.FromSeconds(60)));

        Directory.Delete(rig.LogDirectory, recursive: true);
        Assert.True(await InProcessShipper.WaitUntilAsync(() => shipper.Metric("shipper_rotations_followed_total") >= 1, TimeSpan.FromSeconds(30)));
        Directory.CreateDirectory(rig.LogDirectory);
        await new GeneratedLog(path) { Rotation = RotationMode.None }.WriteAsync(300, 300, 100_000, ct);
        Assert.True(await InProcessShipper.WaitUntilAsync(() => shipper.Metric("shipper_lines_delivered_total") >= 600, TimeSpan.FromSeconds(60)));
        await shipper.StopAsync();

        var shipped = rig.Shipped(600);
        Assert.Equal(0, shipped.Missing(0, 600));
        Assert.Equal(0, shipped.Duplicates);
        Assert.Equal(0, shipper.ExitCode);
    }

    [Fact]
    public async Task On_a_first_start_a_file_nginx_already_rotated_is_shipped_too()
    {
        // nginx can rotate before the sidecar is up: with no checkpoint registry yet, access.log.1 is unshipped.
        using var rig = ShipperRig.Start("first-start", brokers: 1);
        var path = rig.LogPath;
        using (var rotated = new AppendFile(path + ".1"))
        {
            rotated.Write("rotated before start 1\nrotated before start 2\n"u8);
        }

        using (var live = new AppendFile(path))
        {
            live.Write("live 1\n"u8);
        }

        await using var shipper = await InProcessShipper.StartAsync(rig.Config());
        Assert.True(await InProcessShipper.WaitUntilAsync(() => shipper.Metric("shipper_lines_delivered_total") >= 3, TimeSpan.FromSeconds(60)));
        var records = TopicReader.ReadAll(rig.Cluster.BootstrapServers, rig.Topic, 3, TimeSpan.FromSeconds(30));
        await shipper.StopAsync();

        Assert.Equal(
            ["live 1", "rotated before start 1", "rotated before start 2"],
            records.Select(r => Encoding.UTF8.GetString(r.Message.Value)).Order());
    }

    [Fact]
    public async Task Garbage_invalid_utf8_and_a_5MB_line_are_shipped_byte_exact_or_truncated_and_flagged()
    {
        using var rig = ShipperRig.Start("hostile", brokers: 1);
        var garbage = new byte[] { 0x00, 0xff, 0xfe, 0xc3, 0x28, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0xe2, 0x82 };
        var huge = new byte[5 * 1024 * 1024];
        huge.AsSpan().Fill((byte)'x');
        using (var file = new AppendFile(rig.LogPath))
        {
            file.Write("first line\n"u8);
            file.Write(garbage);
            file.Write("\n"u8);
            file.Write(huge);
            file.Write("\nlast line\npartial without newline"u8);
        }

        await using var shipper = await InProcessShipper.StartAsync(rig.Config());
        Assert.True(await InProcessShipper.WaitUntilAsync(() => shipper.Metric("shipper_lines_delivered_total") >= 4, TimeSpan.FromSeconds(60)));
        var records = TopicReader.ReadAll(rig.Cluster.BootstrapServers, rig.Topic, 4, TimeSpan.FromSeconds(30));
        await shipper.StopAsync();

        Assert.Equal(4, records.Count); // The partial last line waits for its newline.
        var byOffset = records.ToDictionary(r => long.Parse(r.Header("lp.offset")!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("first line", Encoding.UTF8.GetString(byOffset[0].Message.Value));
        Assert.Equal(garbage, byOffset[11].Message.Value);
        var cut = byOffset[11 + garbage.Length + 1];
        Assert.Equal(65536, cut.Message.Value.Length);
        Assert.Equal("1", cut.Header("lp.truncated"));
        Assert.Equal("last line", Encoding.UTF8.GetString(byOffset[11 + garbage.Length + 1 + huge.Length + 1].Message.Value));
        Assert.Equal(1, shipper.Metric("shipper_lines_truncated_total"));
        Assert.All(records.Where(r => r != cut), r => Assert.Null(r.Header("lp.truncated")));
    }

    private static bool Ticked(InProcessShipper shipper) => shipper.Metrics.Render().Contains("shipper_lag_bytes 0", StringComparison.Ordinal);
}
