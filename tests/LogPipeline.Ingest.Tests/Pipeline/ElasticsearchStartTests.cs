using LogPipeline.Ingest.Pipeline;
using LogPipeline.Ingest.Setup;
using LogPipeline.Testing;
using LogPipeline.Testing.Elasticsearch;

namespace LogPipeline.Ingest.Tests.Pipeline;

/// <summary>
/// The worker's start against Elasticsearch: the server's major decides the compatibility headers (8.x and 9.x
/// work, others are refused), and the index template exists before the first write.
/// </summary>
[Trait(TestTier.Name, TestTier.Process)]
public sealed class ElasticsearchStartTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("8.11.0", 8)]
    [InlineData("8.19.3", 8)]
    [InlineData("9.1.0", 9)]
    public async Task The_worker_speaks_the_servers_major_and_writes_only_to_a_data_stream(string version, int major)
    {
        await using var h = PipelineHarness.Start(elasticsearchVersion: version);
        await h.ProduceAsync(0, 1000);
        await using var worker = h.NewWorker().Start();
        await PipelineHarness.WaitUntilAsync(() => h.Documents.Count >= 1000 && worker.Metrics.InFlight == 0, Patience, "1000 documents");
        await worker.StopAsync();

        Assert.Equal(0, worker.Metrics.DeadLetteredIndex.Value);
        Assert.Equal(0, worker.Metrics.BulkFailures("http_400").Value);
        var bulks = h.Es.Requests.Where(r => r.Path.Contains("/_bulk", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(bulks);
        Assert.All(bulks, r => Assert.Equal($"application/vnd.elasticsearch+x-ndjson; compatible-with={major}", r.ContentType));
        Assert.All(bulks, r => Assert.Equal($"application/vnd.elasticsearch+json; compatible-with={major}", r.Accept));
        Assert.All(bulks, r => Assert.Contains("require_data_stream=true", r.Path, StringComparison.Ordinal));
        Assert.Empty(h.Es.PlainIndices());
        Assert.Equal(h.EndOffsets(), h.CommittedOffsets());
    }

    [Theory]
    [InlineData("7.17.25")]
    [InlineData("8.10.4")]
    [InlineData("10.0.0")]
    public async Task An_unsupported_version_is_refused_at_start_naming_it_and_what_is_supported(string version)
    {
        await using var h = PipelineHarness.Start(elasticsearchVersion: version);
        await h.ProduceAsync(0, 100);
        await using var worker = h.NewWorker().Start();

        var refused = await Assert.ThrowsAsync<ElasticsearchRefusedException>(() => worker.Run.WaitAsync(Patience));
        Assert.Contains(version, refused.Message, StringComparison.Ordinal);
        Assert.Contains("8.11 or later 8.x, and 9.x", refused.Message, StringComparison.Ordinal);
        Assert.Equal(IngestExitCode.ElasticsearchRefused, IngestWorker.ExitCodeFor(refused));
        Assert.DoesNotContain(h.Es.Requests, r => r.Path.Contains("/_bulk", StringComparison.Ordinal));
        Assert.Equal(0, worker.Metrics.Consumed.Value);
    }

    [Fact]
    public async Task On_a_fresh_cluster_the_worker_installs_its_template_before_the_first_write_and_the_data_stream_comes_from_it()
    {
        await using var h = PipelineHarness.Start();
        await h.ProduceAsync(0, 500);
        await using var worker = h.NewWorker().Start();
        await PipelineHarness.WaitUntilAsync(() => h.Documents.Count >= 500 && worker.Metrics.InFlight == 0, Patience, "500 documents");
        await worker.StopAsync();

        var names = TemplateNames.For(PipelineHarness.DataStream);
        Assert.Equal("logs-logpipeline.nginx", names.IndexTemplate);
        Assert.NotNull(h.Es.ComponentTemplate(names.MappingsComponent));
        Assert.NotNull(h.Es.ComponentTemplate(names.SettingsComponent));
        Assert.Equal("30d", h.Es.IndexTemplate(names.IndexTemplate)!["template"]!["lifecycle"]!["data_retention"]!.GetValue<string>());
        // Not from the built-in logs-*-* template, which a first write would otherwise pick.
        Assert.Equal(names.IndexTemplate, h.Es.DataStreamTemplate(PipelineHarness.DataStream));
        var paths = h.Es.Requests.Select(r => r.Method + " " + r.Path).ToList();
        var template = paths.IndexOf("PUT /_index_template/" + names.IndexTemplate);
        var firstBulk = paths.FindIndex(p => p.Contains("/_bulk", StringComparison.Ordinal));
        Assert.True(template >= 0 && template < firstBulk, string.Join("\n", paths.Take(10)));
    }

    [Fact]
    public async Task An_existing_template_is_left_as_setup_put_it()
    {
        await using var h = PipelineHarness.Start();
        var names = TemplateNames.For(PipelineHarness.DataStream);
        using (var http = new HttpClient { BaseAddress = h.Es.Url })
        {
            using var body = new StringContent(IndexTemplates.IndexTemplate(names, "7d").ToJsonString(), System.Text.Encoding.UTF8, "application/json");
            (await http.PutAsync("_index_template/" + names.IndexTemplate, body, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        }

        await h.ProduceAsync(0, 100);
        await using var worker = h.NewWorker().Start();
        await PipelineHarness.WaitUntilAsync(() => h.Documents.Count >= 100, Patience, "100 documents");
        await worker.StopAsync();

        Assert.Equal("7d", h.Es.IndexTemplate(names.IndexTemplate)!["template"]!["lifecycle"]!["data_retention"]!.GetValue<string>());
        // Only the test's own PUT: the worker found the template and put nothing.
        Assert.Single(h.Es.Requests, r => r.Method == "PUT" && r.Path.StartsWith("/_", StringComparison.Ordinal) && r.Path.Contains("template/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unavailable_cluster_at_start_is_waited_for_while_readiness_says_why()
    {
        await using var h = PipelineHarness.Start();
        h.Es.FailNextRequests(int.MaxValue, 503);
        await h.ProduceAsync(0, 300);
        await using var worker = h.NewWorker().Start();
        await PipelineHarness.WaitUntilAsync(() => h.Es.Requests.Count(r => r.Path == "/") >= 3, Patience, "three version probes");
        Assert.StartsWith("starting: ", worker.Health.Failure, StringComparison.Ordinal);
        Assert.False(worker.Run.IsCompleted);
        Assert.Equal(0, worker.Metrics.Consumed.Value);

        h.Es.ClearFaults();
        await PipelineHarness.WaitUntilAsync(() => h.Documents.Count >= 300 && worker.Metrics.InFlight == 0, Patience, "300 documents once the cluster is up");
        Assert.Null(worker.Health.Failure);
        await worker.StopAsync();
        Assert.Equal(TemplateNames.For(PipelineHarness.DataStream).IndexTemplate, h.Es.DataStreamTemplate(PipelineHarness.DataStream));
    }

    [Fact]
    public async Task A_403_on_the_template_is_a_clear_error_at_start()
    {
        await using var h = PipelineHarness.Start();
        h.Es.FailNextRequests(int.MaxValue, 403, "/_index_template/");
        await h.ProduceAsync(0, 100);
        await using var worker = h.NewWorker().Start();

        var refused = await Assert.ThrowsAsync<ElasticsearchRefusedException>(() => worker.Run.WaitAsync(Patience));
        Assert.Contains("(403)", refused.Message, StringComparison.Ordinal);
        Assert.Contains("manage_index_templates", refused.Message, StringComparison.Ordinal);
        Assert.StartsWith("refused: ", worker.Health.Failure, StringComparison.Ordinal);
        Assert.Empty(h.Documents);
        Assert.False(h.Es.HasDataStream(PipelineHarness.DataStream));
    }
}
