using System.Globalization;
using System.Text;
using Confluent.Kafka;
using LogPipeline.Contracts;
using LogPipeline.Hosting.Metrics;
using LogPipeline.Ingest.Consuming;
using LogPipeline.Ingest.Diagnostics;
using LogPipeline.Ingest.Elasticsearch;
using LogPipeline.Ingest.Enrichment;
using LogPipeline.Ingest.Indexing;
using LogPipeline.Ingest.Pipeline;
using LogPipeline.Ingest.Setup;
using LogPipeline.Kafka;
using LogPipeline.Testing.Elasticsearch;
using LogPipeline.Testing.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LogPipeline.Ingest.Tests.Pipeline;

/// <summary>A mock Kafka cluster, the Elasticsearch stand-in and helpers to run worker instances against them.</summary>
internal sealed class PipelineHarness : IAsyncDisposable
{
    public const string Topic = "nginx-access";
    public const string DeadLetterTopic = "nginx-access-dlq";
    public const string DataStream = "logs-logpipeline.nginx-default";

    private PipelineHarness(KafkaMockCluster kafka, ElasticsearchStandIn es)
    {
        Kafka = kafka;
        Es = es;
    }

    public KafkaMockCluster Kafka { get; }

    public ElasticsearchStandIn Es { get; }

    public string GroupId { get; } = "ingest-" + Guid.NewGuid().ToString("N")[..8];

    /// <param name="partitions">Partitions of the consumed topic.</param>
    /// <param name="elasticsearchVersion">The version the Elasticsearch stand-in pretends to be.</param>
    public static PipelineHarness Start(int partitions = 3, string elasticsearchVersion = ElasticsearchStandIn.Version)
    {
        var kafka = KafkaMockCluster.Start(brokers: 3);
        kafka.CreateTopic(Topic, partitions);
        kafka.CreateTopic(DeadLetterTopic, 1);
        return new PipelineHarness(kafka, ElasticsearchStandIn.Start(elasticsearchVersion));
    }

    public IReadOnlyDictionary<string, System.Text.Json.Nodes.JsonObject> Documents => Es.Documents(DataStream);

    /// <summary>
    /// Produces lines "line i" (or with "BAD" for the predicate, or what <paramref name="line"/> returns when not
    /// null) with the shipper's headers.
    /// </summary>
    public async Task ProduceAsync(int from, int count, Func<int, bool>? bad = null, string source = "pod-a", Func<int, string?>? line = null)
    {
        using var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig
        {
            BootstrapServers = Kafka.BootstrapServers,
            LingerMs = 5,
            EnableIdempotence = true,
        }).Build();
        for (var i = from; i < from + count; i++)
        {
            var text = line?.Invoke(i) ?? (bad?.Invoke(i) == true ? $"BAD line {i}" : $"line {i}");
            producer.Produce(Topic, new Message<byte[], byte[]>
            {
                Key = Encoding.UTF8.GetBytes("file-" + (i % 7)),
                Value = Encoding.UTF8.GetBytes(text),
                Headers =
                [
                    new Header(SourceHeaders.SourceHeader, Encoding.UTF8.GetBytes(source)),
                    new Header(SourceHeaders.FileHeader, Encoding.UTF8.GetBytes("2049:1234:" + (i % 7))),
                    new Header(SourceHeaders.OffsetHeader, Encoding.UTF8.GetBytes((i * 100L).ToString(CultureInfo.InvariantCulture))),
                ],
            });
        }

        producer.Flush(TimeSpan.FromSeconds(30));
        await Task.CompletedTask;
    }

    /// <summary>The _id the worker must give line i (docs/contracts.md).</summary>
    public static string ExpectedId(int i, string source = "pod-a") =>
        DocumentId.FromSource(source, "2049:1234:" + (i % 7), i * 100L);

    public Worker NewWorker(
        Action<IndexingOptions>? configure = null, IDocumentFactory? factory = null, Action<KafkaConsumerOptions>? kafka = null, Microsoft.Extensions.Logging.ILoggerFactory? loggers = null)
    {
        var indexing = new IndexingOptions
        {
            BatchSize = 500,
            FlushInterval = TimeSpan.FromMilliseconds(50),
            MaxConcurrentBulks = 2,
            ProcessingParallelism = 2,
            MaxInFlightMessages = 5000,
            InitialRetryBackoff = TimeSpan.FromMilliseconds(20),
            MaxRetryBackoff = TimeSpan.FromMilliseconds(200),
            RequestTimeout = TimeSpan.FromSeconds(10),
            DrainTimeout = TimeSpan.FromSeconds(15),
        };
        configure?.Invoke(indexing);
        var consumer = new KafkaConsumerOptions
        {
            BootstrapServers = Kafka.BootstrapServers,
            Topic = Topic,
            GroupId = GroupId,
            CommitInterval = TimeSpan.FromMilliseconds(200),
            RevokeTimeout = TimeSpan.FromSeconds(5),
            SessionTimeout = TimeSpan.FromSeconds(6),
        };
        kafka?.Invoke(consumer);
        var registry = new MetricsRegistry();
        var metrics = new IngestMetrics(registry);
        var health = new ElasticsearchHealth();
        var pipeline = new IngestPipeline(
            Options.Create(consumer),
            Options.Create(new KafkaSecurityOptions()),
            Options.Create(indexing),
            Options.Create(new ElasticsearchOptions { Url = Es.Url, DataStream = DataStream }),
            Options.Create(new LifecycleOptions()),
            factory ?? new FakeDocumentFactory(),
            metrics,
            health,
            TimeProvider.System,
            loggers ?? NullLoggerFactory.Instance);
        return new Worker(pipeline, metrics, health, registry);
    }

    /// <summary>Committed offsets of the worker group, per partition (-1001 = none).</summary>
    public Dictionary<int, long> CommittedOffsets(int partitions = 3)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = Kafka.BootstrapServers,
            GroupId = GroupId,
            EnableAutoCommit = false,
        }).Build();
        var committed = consumer.Committed(
            Enumerable.Range(0, partitions).Select(p => new TopicPartition(Topic, p)),
            TimeSpan.FromSeconds(10));
        // "Nothing committed" (-1001) on an empty partition is as good as offset 0.
        return committed.ToDictionary(c => c.Partition.Value, c => Math.Max(0, c.Offset.Value));
    }

    /// <summary>High watermarks of the topic, per partition.</summary>
    public Dictionary<int, long> EndOffsets(int partitions = 3)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = Kafka.BootstrapServers,
            GroupId = "probe-" + Guid.NewGuid().ToString("N"),
        }).Build();
        return Enumerable.Range(0, partitions).ToDictionary(
            p => p,
            p => consumer.QueryWatermarkOffsets(new TopicPartition(Topic, p), TimeSpan.FromSeconds(10)).High.Value);
    }

    /// <summary>Waits until <paramref name="condition"/> holds or fails the test after <paramref name="timeout"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out after {timeout.TotalSeconds} s waiting for: {what}");
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Es.DisposeAsync();
        Kafka.Dispose();
    }

    /// <summary>One worker instance (a pipeline running on its own tasks/thread).</summary>
    internal sealed class Worker(IngestPipeline pipeline, IngestMetrics metrics, ElasticsearchHealth health, MetricsRegistry registry) : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly CancellationTokenSource _abort = new();
        private Task? _run;

        public IngestMetrics Metrics { get; } = metrics;

        /// <summary>What <c>/readyz</c> reports for Elasticsearch (null = ready).</summary>
        public ElasticsearchHealth Health { get; } = health;

        /// <summary>The <c>/metrics</c> text.</summary>
        public string RenderMetrics() => registry.Render();

        public IngestPipeline Pipeline { get; } = pipeline;

        public Task Run => _run ?? Task.CompletedTask;

        public Worker Start()
        {
            _run = Pipeline.RunAsync(_stop.Token, _abort.Token);
            return this;
        }

        /// <summary>Graceful stop: drain, commit, leave the group.</summary>
        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await Run.WaitAsync(TimeSpan.FromSeconds(60));
        }

        /// <summary>A crash as far as delivery goes: nothing in flight is completed or committed.</summary>
        public async Task KillAsync()
        {
            await _abort.CancelAsync();
            await Run.WaitAsync(TimeSpan.FromSeconds(60));
        }

        public async ValueTask DisposeAsync()
        {
            if (!Run.IsCompleted)
            {
                await KillAsync();
            }

            _stop.Dispose();
            _abort.Dispose();
        }
    }
}
