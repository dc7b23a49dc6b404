using System.Text;
using Confluent.Kafka;
using LogPipeline.Testing;
using LogPipeline.Testing.Kafka;
using LogPipeline.Testing.Nginx;

namespace LogPipeline.Shipper.Tests.Infrastructure;

/// <summary>The fixtures every pipeline test stands on: the mock Kafka cluster and the real nginx.</summary>
[Trait(TestTier.Name, TestTier.Process)]
public sealed class TestInfrastructureTests
{
    [Fact]
    public async Task Mock_cluster_round_trips_messages_with_headers()
    {
        using var cluster = KafkaMockCluster.Start(brokers: 3);
        cluster.CreateTopic("smoke", partitions: 3);
        using (var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig
               {
                   BootstrapServers = cluster.BootstrapServers,
                   EnableIdempotence = true,
                   Acks = Acks.All,
               }).Build())
        {
            for (var i = 0; i < 100; i++)
            {
                await producer.ProduceAsync("smoke", new Message<byte[], byte[]>
                {
                    Key = Encoding.UTF8.GetBytes("k" + (i % 7)),
                    Value = Encoding.UTF8.GetBytes("line " + i),
                    Headers = [new Header("lp.offset", Encoding.UTF8.GetBytes(i.ToString()))],
                });
            }
        }

        var read = TopicReader.ReadAll(cluster.BootstrapServers, "smoke", 100, TimeSpan.FromSeconds(30));
        Assert.Equal(100, read.Count);
        Assert.Equal(
            Enumerable.Range(0, 100).Select(i => "line " + i).Order(),
            read.Select(r => Encoding.UTF8.GetString(r.Message.Value)).Order());
        Assert.All(read, r => Assert.NotNull(r.Header("lp.offset")));
    }

    [Fact]
    public async Task Mock_cluster_injects_produce_errors_that_the_idempotent_producer_retries()
    {
        using var cluster = KafkaMockCluster.Start(brokers: 3);
        cluster.CreateTopic("faults", partitions: 1);
        cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.NotEnoughReplicas, ErrorCode.NotEnoughReplicas);
        using var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            EnableIdempotence = true,
        }).Build();
        var result = await producer.ProduceAsync("faults", new Message<byte[], byte[]> { Value = "x"u8.ToArray() });
        Assert.Equal(PersistenceStatus.Persisted, result.Status);
        Assert.Single(TopicReader.ReadAll(cluster.BootstrapServers, "faults", 1, TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task Nginx_serves_and_writes_combined_lines_to_its_access_log()
    {
        NginxServer.SkipUnlessInstalled();
        await using var nginx = await NginxServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = nginx.BaseAddress };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("fixture-test/1.0");
        var response = await http.GetAsync("/hello?id=42", TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);

        string log = string.Empty;
        for (var i = 0; i < 50 && !log.Contains("/hello?id=42"); i++)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
            log = await File.ReadAllTextAsync(nginx.AccessLogPath, TestContext.Current.CancellationToken);
        }

        Assert.Matches("^127\\.0\\.0\\.1 - - \\[[^\\]]+\\] \"GET /hello\\?id=42 HTTP/1\\.1\" 200 3 \"-\" \"fixture-test/1\\.0\"\n$", log);
        Assert.True(File.Exists(nginx.PidFile));
    }
}
