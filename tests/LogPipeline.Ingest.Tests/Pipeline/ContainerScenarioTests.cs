using LogPipeline.Ingest.Elasticsearch;
using LogPipeline.Testing;
using LogPipeline.Testing.Docker;

namespace LogPipeline.Ingest.Tests.Pipeline;

/// <summary>
/// The same delivery scenarios against real Kafka and a real Elasticsearch (Testcontainers). They need a
/// Docker engine and skip with the reason where none answers (as on CI here).
/// </summary>
[Trait(TestTier.Name, TestTier.Process)]
public sealed class ContainerScenarioTests
{
    [Fact]
    public async Task Real_kafka_and_elasticsearch_index_every_message_exactly_once()
    {
        DockerAvailability.SkipUnlessAvailable();
        await using var kafka = new Testcontainers.Kafka.KafkaBuilder("confluentinc/cp-kafka:7.6.1").Build();
        await using var elastic = new DotNet.Testcontainers.Builders.ContainerBuilder("docker.elastic.co/elasticsearch/elasticsearch:9.2.0")
            .WithEnvironment("discovery.type", "single-node")
            .WithEnvironment("xpack.security.enabled", "false")
            .WithEnvironment("ES_JAVA_OPTS", "-Xms512m -Xmx512m")
            .WithPortBinding(9200, true)
            .WithWaitStrategy(DotNet.Testcontainers.Builders.Wait.ForUnixContainer().UntilHttpRequestIsSucceeded(r => r.ForPort(9200).ForPath("/_cluster/health")))
            .Build();
        await Task.WhenAll(kafka.StartAsync(TestContext.Current.CancellationToken), elastic.StartAsync(TestContext.Current.CancellationToken));

        var esUrl = new Uri($"http://{elastic.Hostname}:{elastic.GetMappedPublicPort(9200)}/");
        var result = await RealClusterScenario.RunAsync(kafka.GetBootstrapAddress(), esUrl, count: 5000, TestContext.Current.CancellationToken);
        Assert.Equal(5000, result.Documents);
        Assert.Equal(5000, result.CommittedOffsets);
    }
}

/// <summary>Produce → run one worker → wait until Elasticsearch counts every line → graceful stop.</summary>
internal static class RealClusterScenario
{
    public static async Task<(long Documents, long CommittedOffsets)> RunAsync(string bootstrap, Uri esUrl, int count, CancellationToken ct)
    {
        const string topic = "nginx-access";
        const string dataStream = "logs-logpipeline.nginx-default";
        using (var admin = new Confluent.Kafka.AdminClientBuilder(new Confluent.Kafka.AdminClientConfig { BootstrapServers = bootstrap }).Build())
        {
            await admin.CreateTopicsAsync(
            [
                new Confluent.Kafka.Admin.TopicSpecification { Name = topic, NumPartitions = 3, ReplicationFactor = 1 },
                new Confluent.Kafka.Admin.TopicSpecification { Name = topic + "-dlq", NumPartitions = 1, ReplicationFactor = 1 },
            ]);
        }

        using (var producer = new Confluent.Kafka.ProducerBuilder<byte[], byte[]>(new Confluent.Kafka.ProducerConfig { BootstrapServers = bootstrap }).Build())
        {
            for (var i = 0; i < count; i++)
            {
                producer.Produce(topic, new Confluent.Kafka.Message<byte[], byte[]>
                {
                    Value = System.Text.Encoding.UTF8.GetBytes($"line {i}"),
                    Headers =
                    [
                        new Confluent.Kafka.Header("lp.source", "pod-a"u8.ToArray()),
                        new Confluent.Kafka.Header("lp.file", "1:2:3"u8.ToArray()),
                        new Confluent.Kafka.Header("lp.offset", System.Text.Encoding.UTF8.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture))),
                    ],
                });
            }

            producer.Flush(TimeSpan.FromSeconds(30));
        }

        var groupId = "ingest-" + Guid.NewGuid().ToString("N")[..8];
        var metrics = new Ingest.Diagnostics.IngestMetrics(new Hosting.Metrics.MetricsRegistry());
        var pipeline = new Ingest.Pipeline.IngestPipeline(
            Microsoft.Extensions.Options.Options.Create(new Ingest.Consuming.KafkaConsumerOptions { BootstrapServers = bootstrap, Topic = topic, GroupId = groupId }),
            Microsoft.Extensions.Options.Options.Create(new LogPipeline.Kafka.KafkaSecurityOptions()),
            Microsoft.Extensions.Options.Options.Create(new Ingest.Indexing.IndexingOptions()),
            Microsoft.Extensions.Options.Options.Create(new Ingest.Elasticsearch.ElasticsearchOptions { Url = esUrl, DataStream = dataStream }),
            Microsoft.Extensions.Options.Options.Create(new Ingest.Setup.LifecycleOptions()),
            new FakeDocumentFactory(),
            metrics,
            new Ingest.Elasticsearch.ElasticsearchHealth(),
            TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        using var stop = new CancellationTokenSource();
        var run = pipeline.RunAsync(stop.Token, CancellationToken.None);
        await PipelineHarness.WaitUntilAsync(() => metrics.Indexed.Value + metrics.Duplicates.Value >= count, TimeSpan.FromMinutes(2), $"{count} indexed");
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(60), ct);

        var client = Ingest.Elasticsearch.ElasticsearchClientFactory.Create(new Ingest.Elasticsearch.ElasticsearchOptions { Url = esUrl });
        await client.Indices.RefreshAsync(dataStream, ct);
        var documents = (await client.CountAsync<object>(c => c.Indices(dataStream), ct)).Count;

        using var probe = new Confluent.Kafka.ConsumerBuilder<byte[], byte[]>(new Confluent.Kafka.ConsumerConfig { BootstrapServers = bootstrap, GroupId = groupId }).Build();
        var committed = probe.Committed(Enumerable.Range(0, 3).Select(p => new Confluent.Kafka.TopicPartition(topic, p)), TimeSpan.FromSeconds(10));
        return (documents, committed.Sum(c => Math.Max(0, c.Offset.Value)));
    }
}
