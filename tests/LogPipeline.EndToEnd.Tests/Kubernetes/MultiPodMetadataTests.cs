using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using LogPipeline.EndToEnd.Tests.Harness;
using LogPipeline.Ingest.Parsing;
using LogPipeline.Testing.Nginx;

namespace LogPipeline.EndToEnd.Tests.Kubernetes;

/// <summary>
/// Issue #16, item 6: three web pods (real nginx in the recommended log format + the real shipper, each with its own
/// Downward API metadata: env values and a labels file as the kubelet writes it) in two namespaces and two apps, one
/// ingest worker, the mock Kafka cluster and the Elasticsearch stand-in. Every document must carry its own pod's
/// metadata, and the dashboards' filters (term queries on kubernetes.pod.name, service.name, kubernetes.namespace,
/// url.domain) must return exactly the lines of the pods they name.
/// </summary>
public sealed class MultiPodMetadataTests
{
    private const int RequestsPerPod = 40;

    private static readonly PodSpec[] Pods =
    [
        new("shop", "web-shop-7d9f-a1b2c", "node-1", "shop.example.com",
            "app.kubernetes.io/instance=\"shop-eu\"\napp.kubernetes.io/name=\"storefront\"\npod-template-hash=\"7d9f\"", "storefront"),
        new("shop", "web-shop-7d9f-x9y8z", "node-2", "shop.example.com",
            "app.kubernetes.io/instance=\"shop-eu\"\napp.kubernetes.io/name=\"storefront\"\npod-template-hash=\"7d9f\"", "storefront"),
        // Only the legacy "app" label: service.name falls back to it.
        new("blog", "web-blog-5c4b-q1w2e", "node-1", "blog.example.com", "app=\"blog\"\ntier=\"frontend\"", "blog"),
    ];

    [Fact]
    public async Task Every_document_carries_its_pods_metadata_and_a_pod_filter_returns_exactly_that_pods_lines()
    {
        NginxServer.SkipUnlessInstalled();
        await using var pipeline = Pipeline.Start(partitions: 3);
        var running = new List<(PodSpec Spec, NginxServer Nginx, WorkerProcess Shipper)>();
        try
        {
            var ingest = pipeline.StartIngest(new Dictionary<string, string?> { ["Parsing__LogFormat"] = "logpipeline" });
            foreach (var pod in Pods)
            {
                running.Add(await StartPodAsync(pipeline, pod));
            }

            await ingest.WaitUntilReadyAsync(Scenario.ReadyTimeout, "/healthz");
            using var http = new HttpClient();
            foreach (var (spec, nginx, _) in running)
            {
                for (var i = 0; i < RequestsPerPod; i++)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(nginx.BaseAddress, $"/{spec.Pod}/{i}"));
                    request.Headers.Host = spec.Site;
                    request.Headers.UserAgent.Add(new ProductInfoHeaderValue("e2e", "1.0"));
                    using var response = await http.SendAsync(request, Scenario.Token);
                    Assert.True(response.IsSuccessStatusCode);
                }
            }

            var expected = Pods.Length * RequestsPerPod;
            await Scenario.WaitUntilAsync(
                () => pipeline.Documents().Count >= expected, Scenario.DeliveryTimeout, $"{expected} documents", pipeline);
            var documents = pipeline.Documents().Values.ToList();
            Assert.Equal(expected, documents.Count);

            foreach (var (spec, _, _) in running)
            {
                var own = documents.Where(d => Text(d, "url.path")?.StartsWith($"/{spec.Pod}/", StringComparison.Ordinal) == true).ToList();
                Assert.Equal(RequestsPerPod, own.Count);
                Assert.All(own, d =>
                {
                    Assert.Equal(spec.Namespace, Text(d, "kubernetes.namespace"));
                    Assert.Equal(spec.Pod, Text(d, "kubernetes.pod.name"));
                    Assert.Equal(spec.Uid, Text(d, "kubernetes.pod.uid"));
                    Assert.Equal(spec.Node, Text(d, "kubernetes.node.name"));
                    Assert.Equal("nginx", Text(d, "kubernetes.container.name"));
                    Assert.Equal("kubernetes", Text(d, "orchestrator.type"));
                    Assert.Equal(spec.Namespace, Text(d, "orchestrator.namespace"));
                    Assert.Equal(spec.App, Text(d, "service.name"));
                    Assert.Equal(spec.Node, Text(d, "host.name"));
                    Assert.Equal(spec.Site, Text(d, "url.domain"));
                    Assert.NotNull(d["event"]?["duration"]);
                    Assert.NotNull(d["http"]?["request"]?["bytes"]);
                    // Only the selected labels (Shipper:Metadata:LabelKeys), dedotted.
                    var labels = d["kubernetes"]!["labels"]!.AsObject().Select(l => l.Key).Order(StringComparer.Ordinal);
                    Assert.Equal(spec.ExpectedLabelKeys, labels);
                });
            }

            // The dashboards' controls filter with term queries: each returns exactly the lines of what it names.
            foreach (var (spec, _, _) in running)
            {
                var hits = await SearchAsync(pipeline, "kubernetes.pod.name", spec.Pod);
                Assert.Equal(RequestsPerPod, hits.Count);
                Assert.All(hits, h => Assert.StartsWith($"/{spec.Pod}/", Text(h, "url.path"), StringComparison.Ordinal));
            }

            Assert.Equal(2 * RequestsPerPod, (await SearchAsync(pipeline, "service.name", "storefront")).Count);
            Assert.Equal(RequestsPerPod, (await SearchAsync(pipeline, "kubernetes.namespace", "blog")).Count);
            Assert.Equal(RequestsPerPod, (await SearchAsync(pipeline, "url.domain", "blog.example.com")).Count);
            Assert.Equal(2 * RequestsPerPod, (await SearchAsync(pipeline, "kubernetes.node.name", "node-1")).Count);
            Assert.Equal(2 * RequestsPerPod, (await SearchAsync(pipeline, "kubernetes.labels.app_kubernetes_io/name", "storefront")).Count);
        }
        catch (Exception) when (Diagnose(pipeline, running))
        {
            throw;
        }
        finally
        {
            foreach (var (_, nginx, shipper) in running)
            {
                await shipper.DisposeAsync();
                await nginx.DisposeAsync();
            }
        }
    }

    private static async Task<(PodSpec, NginxServer, WorkerProcess)> StartPodAsync(Pipeline pipeline, PodSpec spec)
    {
        var nginx = await NginxServer.StartAsync(logFormat: AccessLogFormat.LogPipeline, cancellationToken: Scenario.Token);
        try
        {
            // The Downward API volume of k8s/base/web/deployment.yaml: one file "labels" of metadata.labels.
            var podDirectory = Path.Combine(pipeline.Directory, "pods", spec.Pod);
            Directory.CreateDirectory(Path.Combine(podDirectory, "state"));
            Directory.CreateDirectory(Path.Combine(podDirectory, "podinfo"));
            var labelsFile = Path.Combine(podDirectory, "podinfo", "labels");
            await File.WriteAllTextAsync(labelsFile, spec.LabelsFile, Scenario.Token);

            var env = pipeline.ShipperEnvironment(nginx.AccessLogPath, Path.Combine(podDirectory, "state"));
            env["Shipper__SourceName"] = null;
            env["POD_NAME"] = spec.Pod;
            env["Shipper__Metadata__Orchestrator"] = "kubernetes";
            env["Shipper__Metadata__Namespace"] = spec.Namespace;
            env["Shipper__Metadata__PodName"] = spec.Pod;
            env["Shipper__Metadata__PodUid"] = spec.Uid;
            env["Shipper__Metadata__NodeName"] = spec.Node;
            env["Shipper__Metadata__ContainerName"] = "nginx";
            env["Shipper__Metadata__LabelsFile"] = labelsFile;
            var shipper = WorkerProcess.Start("shipper-" + spec.Pod, Binaries.Shipper, env);
            try
            {
                await shipper.WaitUntilReadyAsync(Scenario.ReadyTimeout, "/readyz");
                return (spec, nginx, shipper);
            }
            catch
            {
                await shipper.DisposeAsync();
                throw;
            }
        }
        catch
        {
            await nginx.DisposeAsync();
            throw;
        }
    }

    /// <summary>What a Kibana filter pill sends: a bool filter with one term query, over the data stream.</summary>
    private static async Task<List<JsonObject>> SearchAsync(Pipeline pipeline, string field, string value)
    {
        using var http = new HttpClient { BaseAddress = pipeline.Elasticsearch.Url };
        var body = new JsonObject
        {
            ["size"] = 10_000,
            ["query"] = new JsonObject
            {
                ["bool"] = new JsonObject
                {
                    ["filter"] = new JsonArray(new JsonObject { ["term"] = new JsonObject { [field] = new JsonObject { ["value"] = value } } }),
                },
            },
        };
        using var response = await http.PostAsJsonAsync($"/{Pipeline.DataStream}/_search", body, Scenario.Token);
        response.EnsureSuccessStatusCode();
        var result = (await response.Content.ReadFromJsonAsync<JsonObject>(Scenario.Token))!;
        var hits = result["hits"]!["hits"]!.AsArray().Select(h => h!["_source"]!.AsObject()).ToList();
        Assert.Equal(hits.Count, result["hits"]!["total"]!["value"]!.GetValue<int>());
        return hits;
    }

    private static string? Text(JsonObject document, string dotted)
    {
        JsonNode? node = document;
        foreach (var part in dotted.Split('.'))
        {
            node = node?[part];
        }

        return node?.GetValue<string>();
    }

    private static bool Diagnose(Pipeline pipeline, List<(PodSpec Spec, NginxServer Nginx, WorkerProcess Shipper)> running)
    {
        var text = new StringBuilder(pipeline.Diagnostics());
        foreach (var (_, _, shipper) in running)
        {
            text.Append($"\n===== {shipper.Name} =====\n{shipper.Tail(3000)}");
        }

        TestContext.Current.SendDiagnosticMessage(text.ToString());
        return false;
    }

    private sealed record PodSpec(string Namespace, string Pod, string Node, string Site, string LabelsFile, string App)
    {
        public string Uid { get; } = Guid.NewGuid().ToString();

        /// <summary>Of the file's labels only app.kubernetes.io/name, app.kubernetes.io/instance and app are sent.</summary>
        public string[] ExpectedLabelKeys => LabelsFile.Contains("app=", StringComparison.Ordinal) && !LabelsFile.Contains("app.kubernetes.io/name", StringComparison.Ordinal)
            ? ["app"]
            : ["app_kubernetes_io/instance", "app_kubernetes_io/name"];
    }
}
