using System.Text.Json.Nodes;
using DotNet.Testcontainers.Builders;
using LogPipeline.Ingest.Setup;
using LogPipeline.Ingest.Setup.Dashboards;
using LogPipeline.Testing.Docker;
using Microsoft.Extensions.Configuration;

namespace LogPipeline.Ingest.Tests.Dashboards;

/// <summary>Where Docker exists: setup against real Elasticsearch and Kibana (pinned 8.x), then read the dashboard back.</summary>
public sealed class KibanaContainerTests
{
    // Same version as docker-compose.yml and k8s/: the 9.x .NET client speaks to 9.x servers.
    private const string Version = "9.2.0";

    [Fact]
    public async Task Setup_imports_the_dashboards_into_a_real_kibana()
    {
        DockerAvailability.SkipUnlessAvailable();
        var ct = TestContext.Current.CancellationToken;

        await using var network = new NetworkBuilder().Build();
        await using var elasticsearch = new ContainerBuilder($"docker.elastic.co/elasticsearch/elasticsearch:{Version}")
            .WithNetwork(network)
            .WithNetworkAliases("elasticsearch")
            .WithEnvironment("discovery.type", "single-node")
            .WithEnvironment("xpack.security.enabled", "false")
            .WithEnvironment("ES_JAVA_OPTS", "-Xms512m -Xmx512m")
            .WithPortBinding(9200, true)
            .WithWaitStrategy(Wait.ForUnixContainer().UntilHttpRequestIsSucceeded(r => r.ForPort(9200).ForPath("/_cluster/health")))
            .Build();
        await elasticsearch.StartAsync(ct);
        await using var kibana = new ContainerBuilder($"docker.elastic.co/kibana/kibana:{Version}")
            .WithNetwork(network)
            .WithEnvironment("ELASTICSEARCH_HOSTS", "http://elasticsearch:9200")
            .WithPortBinding(5601, true)
            .Build();
        await kibana.StartAsync(ct);

        var esUrl = $"http://{elasticsearch.Hostname}:{elasticsearch.GetMappedPublicPort(9200)}/";
        var kibanaUrl = $"http://{kibana.Hostname}:{kibana.GetMappedPublicPort(5601)}/";
        var config = new ConfigurationBuilder().AddInMemoryCollection(
        [
            new("Elasticsearch:Url", esUrl),
            new("Kibana:Url", kibanaUrl),
            new("Kibana:StartupTimeout", "00:05:00"),
        ]).Build();
        using var stderr = new StringWriter();
        var code = await SetupCommand.RunAsync(config, [], TextWriter.Null, stderr, TimeProvider.System, ct);
        Assert.True(code == 0, stderr.ToString());

        // A second run finds every marker where setup put it (import and Kibana's migrations keep it): nothing to do.
        using var again = new StringWriter();
        Assert.Equal(0, await SetupCommand.RunAsync(config, [], again, stderr, TimeProvider.System, ct));
        Assert.Contains("dashboards: created 0, updated 0", again.ToString(), StringComparison.Ordinal);

        using var http = new HttpClient();
        var dashboard = JsonNode.Parse(await http.GetStringAsync($"{kibanaUrl}api/saved_objects/dashboard/{DashboardGenerator.DashboardId}", ct))!;
        Assert.Equal(DashboardGenerator.DashboardTitle, dashboard["attributes"]!["title"]!.GetValue<string>());
        var template = JsonNode.Parse(await http.GetStringAsync($"{esUrl}_index_template/{TemplateNames.Default.IndexTemplate}", ct))!;
        Assert.Single(template["index_templates"]!.AsArray());
    }
}
