using System.Text;
using LogPipeline.Shipper.Tests.Support;
using LogPipeline.Testing;
using LogPipeline.Testing.Kafka;

namespace LogPipeline.Shipper.Tests.Pipeline;

/// <summary>Kafka:Partitioning: spread (no key, every partition) or file (key = file identity, one partition).</summary>
[Collection(LoadCollection.Name)]
[Trait(TestTier.Name, TestTier.Process)]
public sealed class PartitioningTests
{
    private const int Lines = 20_000;

    [Fact]
    public async Task By_default_one_files_lines_reach_every_partition_without_a_key()
    {
        // Written over ~1 s: the sticky partitioner changes partition by time (every 2 × linger), not by batch.
        var records = await ShipAsync("spread", partitioning: null, linesPerSecond: 20_000);

        Assert.Equal(Lines, records.Count);
        Assert.All(records, r => Assert.Null(r.Message.Key));
        Assert.Equal(4, records.Select(r => r.Partition.Value).Distinct().Count());
    }

    [Fact]
    public async Task Partitioning_by_file_keys_every_line_with_its_file_identity_on_one_partition()
    {
        var records = await ShipAsync("by-file", partitioning: "file", linesPerSecond: 20_000);

        Assert.Equal(Lines, records.Count);
        Assert.All(records, r => Assert.Equal(r.Header("lp.file"), Encoding.UTF8.GetString(r.Message.Key)));
        Assert.Single(records.Select(r => r.Partition.Value).Distinct());
        // One partition, one producer: the file's lines arrive in file order.
        var offsets = records.OrderBy(r => r.Offset.Value).Select(r => long.Parse(r.Header("lp.offset")!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(offsets.Order(), offsets);
    }

    private static async Task<List<Confluent.Kafka.ConsumeResult<byte[], byte[]>>> ShipAsync(string topic, string? partitioning, int linesPerSecond)
    {
        using var rig = ShipperRig.Start(topic, brokers: 1, partitions: 4);
        var config = rig.Config();
        if (partitioning is not null)
        {
            config["Kafka:Partitioning"] = partitioning;
        }

        await using var shipper = await InProcessShipper.StartAsync(config);
        await new GeneratedLog(rig.LogPath) { Rotation = RotationMode.None }
            .WriteAsync(0, Lines, linesPerSecond, TestContext.Current.CancellationToken);
        Assert.True(await InProcessShipper.WaitUntilAsync(() => shipper.Metric("shipper_lines_delivered_total") >= Lines, TimeSpan.FromSeconds(60)));
        var records = TopicReader.ReadAll(rig.Cluster.BootstrapServers, topic, Lines, TimeSpan.FromSeconds(30));
        await shipper.StopAsync();
        return records;
    }
}
