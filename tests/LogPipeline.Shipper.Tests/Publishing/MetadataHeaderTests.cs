using LogPipeline.Shipper.Tests.Support;
using LogPipeline.Testing;
using LogPipeline.Testing.Kafka;
using Microsoft.Extensions.Options;

namespace LogPipeline.Shipper.Tests.Publishing;

/// <summary>Shipper:Metadata → the lp.meta header on every line the real producer sends (issue #16).</summary>
[Collection(LoadCollection.Name)]
[Trait(TestTier.Name, TestTier.Process)]
public sealed class MetadataHeaderTests
{
    private const int Lines = 200;

    [Fact]
    public async Task Every_line_carries_the_configured_metadata_next_to_the_source_headers()
    {
        using var dir = new TempDir();
        var labels = dir.Combine("labels");
        await File.WriteAllTextAsync(labels, "app=\"legacy\"\napp.kubernetes.io/name=\"storefront\"\npod-template-hash=\"7d9f\"\n", TestContext.Current.CancellationToken);

        var records = await ShipAsync(dir, new()
        {
            ["Shipper:Metadata:Orchestrator"] = "kubernetes",
            ["Shipper:Metadata:Namespace"] = "shop",
            ["Shipper:Metadata:PodName"] = "web-7d9f-abcde",
            ["Shipper:Metadata:PodUid"] = "8f2c4c1e-5b7a-4d0e-9a53-2f2b0f7c6d11",
            ["Shipper:Metadata:NodeName"] = "node-3",
            ["Shipper:Metadata:ContainerName"] = "nginx",
            ["Shipper:Metadata:LabelsFile"] = labels,
        });

        Assert.Equal(Lines, records.Count);
        Assert.All(records, r =>
        {
            Assert.Equal("1|kubernetes|shop|web-7d9f-abcde|8f2c4c1e-5b7a-4d0e-9a53-2f2b0f7c6d11|node-3|nginx|app=legacy,app.kubernetes.io/name=storefront", r.Header("lp.meta"));
            Assert.NotNull(r.Header("lp.source"));
            Assert.NotNull(r.Header("lp.file"));
            Assert.NotNull(r.Header("lp.offset"));
        });
    }

    [Fact]
    public async Task Without_metadata_no_header_is_sent()
    {
        using var dir = new TempDir();

        var records = await ShipAsync(dir, []);

        Assert.Equal(Lines, records.Count);
        Assert.All(records, r => Assert.Null(r.Header("lp.meta")));
    }

    [Fact]
    public async Task A_value_the_encoding_cannot_carry_stops_the_start_naming_the_key()
    {
        using var cluster = KafkaMockCluster.Start(brokers: 1);
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Combine("logs"));
        var config = TestConfig.For(dir, cluster, "bad-meta");
        config["Shipper:Metadata:Namespace"] = "shop|prod";

        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () => await InProcessShipper.StartAsync(config));

        Assert.Contains("Shipper:Metadata:Namespace 'shop|prod'", error.Message, StringComparison.Ordinal);
    }

    private static async Task<List<Confluent.Kafka.ConsumeResult<byte[], byte[]>>> ShipAsync(TempDir dir, Dictionary<string, string?> metadata)
    {
        const string Topic = "metadata";
        using var cluster = KafkaMockCluster.Start(brokers: 1);
        cluster.CreateTopic(Topic, partitions: 1);
        Directory.CreateDirectory(dir.Combine("logs"));
        var config = TestConfig.For(dir, cluster, Topic);
        foreach (var (key, value) in metadata)
        {
            config[key] = value;
        }

        await using var shipper = await InProcessShipper.StartAsync(config);
        await new GeneratedLog(dir.Combine("logs", "access.log")) { Rotation = RotationMode.None }
            .WriteAsync(0, Lines, 2_000, TestContext.Current.CancellationToken);
        Assert.True(await InProcessShipper.WaitUntilAsync(() => shipper.Metric("shipper_lines_delivered_total") >= Lines, TimeSpan.FromSeconds(60)));
        var records = TopicReader.ReadAll(cluster.BootstrapServers, Topic, Lines, TimeSpan.FromSeconds(30));
        await shipper.StopAsync();
        return records;
    }
}
