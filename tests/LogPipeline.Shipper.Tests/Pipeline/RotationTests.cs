using System.Diagnostics;
using LogPipeline.Shipper.Tests.Support;
using LogPipeline.Testing.Kafka;

namespace LogPipeline.Shipper.Tests.Pipeline;

/// <summary>Generated writes at nginx-like rates with 50 KB rotation: nothing lost, nothing duplicated.</summary>
[Collection(LoadCollection.Name)]
public sealed class RotationTests
{
    private const int Lines = 200_000;
    private const int Rate = 50_000;

    [Theory]
    [InlineData(0)]
    [InlineData(50)]
    public async Task Rename_rotation_every_50KB_at_50k_lines_per_second_loses_and_duplicates_nothing(int writeAfterRenameMs)
    {
        using var cluster = KafkaMockCluster.Start(brokers: 3);
        cluster.CreateTopic("rename", partitions: 3);
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Combine("logs"));
        var path = dir.Combine("logs", "access.log");

        await using var shipper = await InProcessShipper.StartAsync(TestConfig.For(dir, cluster, "rename"));
        var writer = new GeneratedLog(path) { Rotation = RotationMode.Rename, WriteAfterRename = TimeSpan.FromMilliseconds(writeAfterRenameMs) };
        var clock = Stopwatch.StartNew();
        await writer.WriteAsync(0, Lines, Rate, TestContext.Current.CancellationToken);
        var delivered = await InProcessShipper.WaitUntilAsync(
            () => shipper.Metric("shipper_lines_delivered_total") >= writer.Written, TimeSpan.FromSeconds(60));
        var total = clock.Elapsed;
        await shipper.StopAsync();

        var shipped = ShippedLines.Read(cluster, "rename", writer.Written);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{writer.Written} lines written in {writer.Elapsed.TotalSeconds:F2} s ({writer.Written / writer.Elapsed.TotalSeconds:F0}/s), " +
            $"all delivered after {total.TotalSeconds:F2} s; {writer.Rotations} rotations; " +
            $"followed {shipper.Metric("shipper_rotations_followed_total")}; kafka {shipped.Records.Count} records, " +
            $"missing {shipped.Missing(0, writer.Written)}, duplicates {shipped.Duplicates}");
        TestContext.Current.TestOutputHelper?.WriteLine(shipper.Metrics.Render());
        Assert.True(delivered, $"only {shipper.Metric("shipper_lines_delivered_total")} of {writer.Written} delivered");
        Assert.True(writer.Rotations > 100, $"{writer.Rotations} rotations");
        Assert.True(shipper.Metric("shipper_rotations_followed_total") >= writer.Rotations);
        Assert.Equal(0, shipped.Missing(0, writer.Written));
        Assert.Equal(0, shipped.Duplicates);
        Assert.Equal(0, shipped.Unparsed);
        Assert.Equal(0, shipper.ExitCode);
    }
}
