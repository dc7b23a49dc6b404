using LogPipeline.Shipper.Tests.Support;
using LogPipeline.Testing;

namespace LogPipeline.Shipper.Tests.EndToEnd;

/// <summary>Exit codes of the real process: config error 2 (key named), SIGTERM drained 0, undelivered 3.</summary>
[Collection(LoadCollection.Name)]
[Trait(TestTier.Name, TestTier.Process)]
public sealed class ProcessLifecycleTests
{
    [Theory]
    [InlineData("Shipper:Rotation:MaxBytes", "-5")]
    [InlineData("Shipper:MaxLineBytes", "12")]
    [InlineData("Shipper:MaxLineBytes", "lots")]
    [InlineData("Kafka:Compression", "rar")]
    [InlineData("Kafka:Partitioning", "round-robin")]
    public async Task A_bad_config_value_exits_2_naming_the_key(string key, string value)
    {
        using var dir = new TempDir();
        var config = new Dictionary<string, string?>
        {
            ["Shipper:Path"] = dir.Combine("logs", "access.log"),
            ["Shipper:StateDirectory"] = dir.Combine("state"),
            ["Kafka:BootstrapServers"] = "127.0.0.1:1",
            [key] = value,
        };
        await using var shipper = ShipperProcess.Start(config);
        var exit = await shipper.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(exit == 2, $"exit {exit}:\n{shipper.Output}");
        Assert.Contains(key, shipper.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_reads_to_the_end_delivers_and_exits_0()
    {
        const int lines = 20_000;
        using var rig = ShipperRig.Start("drain");
        await new GeneratedLog(rig.LogPath) { Rotation = RotationMode.None }
            .WriteAsync(0, lines, 1_000_000, TestContext.Current.CancellationToken);
        await using var shipper = ShipperProcess.Start(rig.Config());
        Assert.True(await shipper.WaitForMetricAsync("shipper_lines_delivered_total", 1, TimeSpan.FromSeconds(60)), shipper.Output);
        shipper.Terminate();
        var exit = await shipper.WaitForExitAsync(TimeSpan.FromSeconds(60));

        var shipped = rig.Shipped(lines, TimeSpan.FromSeconds(60));
        Assert.True(exit == 0, $"exit {exit}:\n{shipper.Output}");
        Assert.Equal(0, shipped.Missing(0, lines));
        Assert.Equal(0, shipped.Duplicates);
    }

    [Fact]
    public async Task Sigterm_while_kafka_is_unreachable_for_the_whole_grace_period_exits_3()
    {
        using var rig = ShipperRig.Start("down", brokers: 1);
        var config = rig.Config();
        config["Shipper:ShutdownGracePeriod"] = "00:00:02";
        await using var shipper = ShipperProcess.Start(config);
        Assert.True(await shipper.WaitForMetricAsync("shipper_lines_read_total", 0, TimeSpan.FromSeconds(60)), shipper.Output);
        rig.Cluster.SetAllBrokersDown();
        await new GeneratedLog(rig.LogPath) { Rotation = RotationMode.None }
            .WriteAsync(0, 1000, 1_000_000, TestContext.Current.CancellationToken);
        Assert.True(await shipper.WaitForMetricAsync("shipper_lines_read_total", 1000, TimeSpan.FromSeconds(60)), shipper.Output);
        shipper.Terminate();
        var exit = await shipper.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(exit == 3, $"exit {exit}:\n{shipper.Output}");
        Assert.Contains("undelivered", shipper.Output, StringComparison.OrdinalIgnoreCase);
    }
}
