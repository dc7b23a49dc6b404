using System.Net.Http.Json;
using System.Text.Json.Nodes;
using DotNet.Testcontainers.Builders;
using LogPipeline.EndToEnd.Tests.Harness;
using LogPipeline.Testing.Docker;
using Testcontainers.Kafka;

namespace LogPipeline.EndToEnd.Tests.Docker;

/// <summary>
/// The core scenario against the real things: shipper → Kafka (Testcontainers.Kafka) → worker → Elasticsearch
/// (generic container). Skips with the reason where no Docker engine answers (as on the CI machine).
/// </summary>
public sealed class RealInfrastructureTests
{
    private const string ElasticsearchImage = "docker.elastic.co/elasticsearch/elasticsearch:9.1.0";
    private const string KafkaImage = "apache/kafka:3.9.1";

    [Fact]
    public async Task Lines_reach_real_Elasticsearch_through_real_Kafka_exactly_once_across_a_shipper_kill()
    {
        DockerAvailability.SkipUnlessAvailable();
        var token = TestContext.Current.CancellationToken;
        await using var kafka = new KafkaBuilder(KafkaImage).Build();
        await using var elasticsearch = new ContainerBuilder(ElasticsearchImage)
            .WithPortBinding(9200, assignRandomHostPort: true)
            .WithEnvironment("discovery.type", "single-node")
            .WithEnvironment("xpack.security.enabled", "false")
            .WithEnvironment("ES_JAVA_OPTS", "-Xms512m -Xmx512m")
            .WithWaitStrategy(Wait.ForUnixContainer().UntilHttpRequestIsSucceeded(r => r.ForPort(9200).ForPath("/_cluster/health")))
            .Build();
        await Task.WhenAll(kafka.StartAsync(token), elasticsearch.StartAsync(token));
        var esUrl = new Uri($"http://{elasticsearch.Hostname}:{elasticsearch.GetMappedPublicPort(9200)}/");
        var bootstrap = kafka.GetBootstrapAddress();

        var directory = Path.Combine(Path.GetTempPath(), "lp-docker-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(directory, "logs"));
        var logPath = Path.Combine(directory, "logs", "access.log");
        var shipperEnv = new Dictionary<string, string?>
        {
            ["Shipper__Path"] = logPath,
            ["Shipper__StateDirectory"] = Path.Combine(directory, "state"),
            ["Shipper__SourceName"] = "docker-e2e",
            ["Shipper__Rotation__Keep"] = "20",
            ["Kafka__BootstrapServers"] = bootstrap,
        };
        var ingestEnv = new Dictionary<string, string?>
        {
            ["Kafka__BootstrapServers"] = bootstrap,
            ["Kafka__GroupId"] = "docker-e2e",
            ["Elasticsearch__Url"] = esUrl.ToString(),
            ["GeoIp__DatabasePath"] = Path.Combine(Binaries.DataDirectory, "geo-whois-asn-country.mmdb"),
            ["UserAgent__RegexesPath"] = Path.Combine(Binaries.DataDirectory, "regexes.yaml"),
        };

        await using (var setup = WorkerProcess.Start("setup", Binaries.Ingest, ingestEnv, "setup"))
        {
            Assert.Equal(0, await setup.WaitForExitAsync(TimeSpan.FromMinutes(2)));
        }

        var shipper = WorkerProcess.Start("shipper", Binaries.Shipper, shipperEnv);
        await using var ingest = WorkerProcess.Start("ingest", Binaries.Ingest, ingestEnv);
        var generator = new AccessLogGenerator(logPath, rotateAtBytes: 50 * 1024, keep: 20);
        var writing = generator.WriteAsync(1, 5000, 1000, token);
        await Task.Delay(TimeSpan.FromSeconds(2), token);
        shipper.KillHard();
        await shipper.DisposeAsync();
        await using var restarted = WorkerProcess.Start("shipper", Binaries.Shipper, shipperEnv);
        await writing;

        using var http = new HttpClient { BaseAddress = esUrl };
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        DeliveryReport report;
        do
        {
            await Task.Delay(TimeSpan.FromSeconds(2), token);
            await http.PostAsync(new Uri("logs-logpipeline.nginx-default/_refresh", UriKind.Relative), null, token);
            var hits = await http.GetFromJsonAsync<JsonObject>(new Uri("logs-logpipeline.nginx-default/_search?size=10000&_source=url", UriKind.Relative), token);
            var docs = hits!["hits"]!["hits"]!.AsArray().ToDictionary(h => h!["_id"]!.GetValue<string>(), h => h!["_source"]!.AsObject());
            report = DeliveryReport.FromDocuments(generator.Written, docs);
        }
        while (!report.ExactlyOnce && DateTime.UtcNow < deadline);

        Measurements.Record("docker: real Kafka + Elasticsearch, shipper kill -9", report.ToString());
        Assert.True(report.ExactlyOnce, report.ToString());
    }
}
