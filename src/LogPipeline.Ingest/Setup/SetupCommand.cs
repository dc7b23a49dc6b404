using LogPipeline.Ingest.Elasticsearch;
using LogPipeline.Ingest.Indexing;
using LogPipeline.Ingest.Setup.Dashboards;
using Microsoft.Extensions.Configuration;
using EsMethod = Elastic.Transport.HttpMethod;

namespace LogPipeline.Ingest.Setup;

/// <summary>
/// <c>logpipeline-ingest setup</c>: puts the component and index templates (ECS mappings, settings, data stream
/// retention), applies the retention to an existing data stream, and — given <c>Kibana:Url</c> — waits for Kibana
/// and imports the dashboards. Every step is idempotent, so a setup job can run on every deploy.
/// </summary>
public static class SetupCommand
{
    public static Task<int> RunAsync(IConfiguration configuration, string[] args, CancellationToken ct) =>
        RunAsync(configuration, args, Console.Out, Console.Error, TimeProvider.System, ct);

    internal static async Task<int> RunAsync(IConfiguration configuration, string[] args, TextWriter stdout, TextWriter stderr, TimeProvider time, CancellationToken ct)
    {
        var unknown = CommandConfiguration.OwnArguments(args, "setup");
        if (unknown.Length > 0)
        {
            await stderr.WriteLineAsync($"setup takes no arguments besides configuration overrides like --Kibana:Url=http://kibana:5601 (got: {string.Join(' ', unknown)}).");
            return 1;
        }

        var errors = new List<string>();
        var elasticsearch = CommandConfiguration.Elasticsearch(configuration, errors);
        var kibana = CommandConfiguration.Kibana(configuration, errors);
        var lifecycle = CommandConfiguration.Lifecycle(configuration, errors);
        if (errors.Count > 0)
        {
            await stderr.WriteLineAsync("configuration error: " + string.Join("; ", errors));
            return 1;
        }

        try
        {
            await PutTemplatesAsync(elasticsearch, lifecycle, stdout, ct);
            if (kibana.Url is null)
            {
                await stdout.WriteLineAsync("Kibana:Url not set: dashboards not imported (import dashboards/nginx-access.ndjson by hand, see docs/dashboards.md).");
            }
            else
            {
                await ImportDashboardsAsync(kibana, elasticsearch, time, stdout, ct);
            }

            await stdout.WriteLineAsync("setup complete");
            return 0;
        }
        catch (SetupException ex)
        {
            await stderr.WriteLineAsync("setup failed: " + ex.Message);
            return 1;
        }
    }

    private static async Task PutTemplatesAsync(ElasticsearchOptions options, LifecycleOptions lifecycle, TextWriter stdout, CancellationToken ct)
    {
        var es = new ElasticsearchRawClient(options);
        var version = await es.CheckClusterAsync(ct);
        await stdout.WriteLineAsync($"Elasticsearch {version} at {ElasticsearchOptions.Redact(options.Url!)}");

        var names = TemplateNames.For(options.DataStream);
        await IndexTemplateInstaller.PutAsync(es, names, lifecycle.Retention, ct);
        await stdout.WriteLineAsync(
            $"templates: {names.SettingsComponent}, {names.MappingsComponent}, {names.IndexTemplate} ({names.Pattern}, retention {lifecycle.Retention})");

        // A template change reaches only new backing indices; an existing data stream gets the retention directly.
        var dataStream = "/_data_stream/" + Uri.EscapeDataString(options.DataStream);
        var (status, _) = await es.TrySendAsync(EsMethod.GET, dataStream, null, ct);
        if (status == 200)
        {
            await es.SendAsync(EsMethod.PUT, dataStream + "/_lifecycle", IndexTemplates.Lifecycle(lifecycle.Retention), ct);
            await stdout.WriteLineAsync($"data stream {options.DataStream}: retention {lifecycle.Retention}");
        }
    }

    private static async Task ImportDashboardsAsync(KibanaOptions kibana, ElasticsearchOptions elasticsearch, TimeProvider time, TextWriter stdout, CancellationToken ct)
    {
        using var client = new KibanaClient(kibana, elasticsearch, time);
        var version = await client.WaitUntilReadyAsync(kibana.StartupTimeout, ct);
        await stdout.WriteLineAsync($"Kibana {version} at {ElasticsearchOptions.Redact(kibana.Url!)}");
        var count = await client.ImportAsync(DashboardResource.Load(), DashboardGenerator.FileName, ct);
        await stdout.WriteLineAsync($"dashboards: imported {count} saved objects (dashboard \"{DashboardGenerator.DashboardTitle}\", id {DashboardGenerator.DashboardId})");
    }
}
