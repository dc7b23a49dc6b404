using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using LogPipeline.Contracts;
using LogPipeline.Ingest.Consuming;
using LogPipeline.Ingest.Enrichment;
using LogPipeline.Ingest.Indexing;
using LogPipeline.Ingest.Parsing;
using LogPipeline.Ingest.Setup;
using Microsoft.Extensions.Time.Testing;

namespace LogPipeline.Ingest.Tests.Enrichment;

/// <summary>Issue #16: source metadata and the richer log format on every document (field names: docs/contracts.md).</summary>
public sealed class KubernetesFieldsTests
{
    private const string RichLine =
        "203.0.113.9 - - [01/Dec/2026:10:00:00 +0100] \"GET /shop/cart?item=42 HTTP/2.0\" 200 512 \"-\" \"curl/8.5.0\" "
        + "\"203.0.113.9, 10.0.0.1\" shop.example.com 0.125 \"0.010, 0.100\" \"10.1.0.5:8080, 10.1.0.6:8080\" 734 TLSv1.3";

    private const string CombinedLine =
        "203.0.113.9 - - [01/Dec/2026:10:00:00 +0100] \"GET /old HTTP/1.1\" 404 12 \"-\" \"curl/8.5.0\"";

    private static readonly DateTimeOffset Received = new(2026, 12, 1, 9, 0, 1, TimeSpan.Zero);

    private static readonly KubernetesSource Pod = new(new SourceMetadata(
        "kubernetes", "shop", "web-7d9f-abcde", "8f2c4c1e-5b7a-4d0e-9a53-2f2b0f7c6d11", "node-3", "nginx",
        [new("app.kubernetes.io/name", "storefront"), new("app.kubernetes.io/instance", "shop-eu"), new("app", "legacy")]));

    private static JsonObject Create(string line, KubernetesSource? kubernetes, string format = "logpipeline")
    {
        var factory = new DocumentFactory(
            AccessLogFormat.Compile(format), TestData.Geo, TestData.UserAgents,
            DocumentDefaults.FromDataStream("logs-logpipeline.nginx-default"), new FakeTimeProvider(Received));
        var output = new ArrayBufferWriter<byte>();
        var source = new SourceInfo("web-7d9f-abcde", "2049:77:ab", 0, false, Received) { Kubernetes = kubernetes };
        var result = factory.TryCreate(Encoding.UTF8.GetBytes(line), source, output);
        Assert.True(result.Success, result.Error);
        return JsonNode.Parse(output.WrittenSpan)!.AsObject();
    }

    [Fact]
    public void Every_document_carries_its_pods_metadata_as_ecs()
    {
        var document = Create(RichLine, Pod);

        Assert.Equal(
            new JsonObject
            {
                ["namespace"] = "shop",
                ["pod"] = new JsonObject { ["name"] = "web-7d9f-abcde", ["uid"] = "8f2c4c1e-5b7a-4d0e-9a53-2f2b0f7c6d11" },
                ["node"] = new JsonObject { ["name"] = "node-3" },
                ["container"] = new JsonObject { ["name"] = "nginx" },
                ["labels"] = new JsonObject
                {
                    ["app_kubernetes_io/name"] = "storefront",
                    ["app_kubernetes_io/instance"] = "shop-eu",
                    ["app"] = "legacy",
                },
            }.ToJsonString(),
            document["kubernetes"]!.ToJsonString());
        Assert.Equal(new JsonObject { ["type"] = "kubernetes", ["namespace"] = "shop" }.ToJsonString(), document["orchestrator"]!.ToJsonString());
        Assert.Equal("storefront", (string?)document["service"]!["name"]);
        Assert.Equal("node-3", (string?)document["host"]!["name"]);
    }

    [Fact]
    public void Without_metadata_host_name_stays_the_source_and_no_kubernetes_fields_appear()
    {
        var document = Create(RichLine, kubernetes: null);

        Assert.Equal("web-7d9f-abcde", (string?)document["host"]!["name"]);
        Assert.Null(document["kubernetes"]);
        Assert.Null(document["orchestrator"]);
        Assert.Null(document["service"]);
    }

    [Fact]
    public void Metadata_from_configuration_without_an_orchestrator_writes_no_orchestrator()
    {
        var compose = new KubernetesSource(new SourceMetadata(null, "compose", "compose-nginx", null, null, "nginx", [new("app", "web")]));

        var document = Create(RichLine, compose);

        Assert.Equal("compose", (string?)document["kubernetes"]!["namespace"]);
        Assert.Null(document["orchestrator"]);
        Assert.Equal("web", (string?)document["service"]!["name"]);
        Assert.Equal("web-7d9f-abcde", (string?)document["host"]!["name"]);
    }

    [Fact]
    public void The_recommended_format_gives_site_duration_upstream_size_and_tls()
    {
        var document = Create(RichLine, Pod);

        Assert.Equal("shop.example.com", (string?)document["url"]!["domain"]);
        Assert.Equal("/shop/cart", (string?)document["url"]!["path"]);
        Assert.Equal(125_000_000L, (long)document["event"]!["duration"]!);
        Assert.Equal(0.11, (double)document["nginx"]!["access"]!["upstream_response_time"]!, 6);
        Assert.Equal("10.1.0.5:8080, 10.1.0.6:8080", (string?)document["nginx"]!["access"]!["upstream_addr"]);
        Assert.Equal(734L, (long)document["http"]!["request"]!["bytes"]!);
        Assert.Equal(new JsonObject { ["version_protocol"] = "tls", ["version"] = "1.3" }.ToJsonString(), document["tls"]!.ToJsonString());
        // $http_x_forwarded_for is handled as before: the first public address is the client.
        Assert.Equal("203.0.113.9", (string?)document["source"]!["ip"]);
    }

    [Theory]
    [InlineData("TLSv1", "tls", "1.0")]
    [InlineData("TLSv1.2", "tls", "1.2")]
    [InlineData("SSLv3", "ssl", "3.0")]
    public void Tls_protocols_split_like_ecs(string written, string protocol, string version)
    {
        var document = Create(RichLine.Replace("TLSv1.3", written, StringComparison.Ordinal), Pod);

        Assert.Equal(protocol, (string?)document["tls"]!["version_protocol"]);
        Assert.Equal(version, (string?)document["tls"]!["version"]);
    }

    [Fact]
    public void Plain_http_writes_no_tls_and_no_upstream()
    {
        var line = RichLine.Replace("\"0.010, 0.100\" \"10.1.0.5:8080, 10.1.0.6:8080\" 734 TLSv1.3", "\"-\" \"-\" 734 -", StringComparison.Ordinal);

        var document = Create(line, Pod);

        Assert.Null(document["tls"]);
        Assert.Null(document["nginx"]!["access"]!["upstream_addr"]);
        Assert.Null(document["nginx"]!["access"]!["upstream_response_time"]);
        Assert.Equal(734L, (long)document["http"]!["request"]!["bytes"]!);
    }

    [Fact]
    public void The_logpipeline_format_still_reads_plain_combined_lines()
    {
        var document = Create(CombinedLine, Pod);

        Assert.Equal(404L, (long)document["http"]!["response"]!["status_code"]!);
        Assert.Equal("/old", (string?)document["url"]!["path"]);
        Assert.Null(document["url"]!["domain"]);
        Assert.Equal("shop", (string?)document["kubernetes"]!["namespace"]);
    }

    [Fact]
    public void A_line_of_neither_format_still_fails_with_the_recommended_formats_reason()
    {
        var format = AccessLogFormat.Compile("logpipeline");
        var line = "not an access log line"u8;

        var error = format.TryParse(line, new byte[line.Length], out _);

        Assert.NotNull(error);
    }

    [Fact]
    public void Pod_labels_are_mapped_keyword_whatever_their_key()
    {
        var mappings = IndexTemplates.MappingsComponent()["template"]!["mappings"]!;
        var labels = mappings["properties"]!["kubernetes"]!["properties"]!["labels"]!;

        Assert.Equal("object", (string?)labels["type"]);
        Assert.True((bool)labels["dynamic"]!);
        Assert.Equal("keyword", (string?)labels["properties"]!["app_kubernetes_io/name"]!["type"]);
        var template = Assert.Single(mappings["dynamic_templates"]!.AsArray())!["kubernetes_labels"]!;
        Assert.Equal(EcsFields.KubernetesLabels + ".*", (string?)template["path_match"]);
        Assert.Equal("keyword", (string?)template["mapping"]!["type"]);
        foreach (var field in new[] { EcsFields.KubernetesNamespace, EcsFields.KubernetesPodName, EcsFields.KubernetesNodeName, EcsFields.ServiceName, EcsFields.UrlDomain })
        {
            Assert.Equal("keyword", IndexTemplates.FieldTypes[field]);
            Assert.True(IndexTemplates.IsAggregatable(field), field);
        }
    }
}
