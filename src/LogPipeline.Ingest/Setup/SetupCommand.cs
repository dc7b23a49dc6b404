using LogPipeline.Ingest.Commands;
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
    /// <summary>Replace dashboard objects even where a user changed them in Kibana (docs/decisions/0013).</summary>
    public const string OverwriteOption = "--overwrite";

    public static Task<int> RunAsync(IConfiguration configuration, string[] args, CancellationToken ct) =>
        RunAsync(configuration, args, Console.Out, Console.Error, TimeProvider.System, ct);

    internal static async Task<int> RunAsync(IConfiguration configuration, string[] args, TextWriter stdout, TextWriter stderr, TimeProvider time, CancellationToken ct)
    {
        var own = CommandConfiguration.OwnArguments(args, "setup");
        var overwrite = own.Contains(OverwriteOption, StringComparer.Ordinal);
        var unknown = own.Where(a => a != OverwriteOption).ToArray();
        if (unknown.Length > 0)
        {
            await stderr.WriteLineAsync($"setup takes only {OverwriteOption} besides configuration overrides like --Kibana:Url=http://kibana:5601 (got: {string.Join(' ', unknown)}).");
            return 1;
        }

        var errors = new List<string>();
        var elasticsearch = CommandConfiguration.Elasticsearch(configuration, errors);
        var kibana = SetupConfiguration.Kibana(configuration, errors);
        var lifecycle = SetupConfiguration.Lifecycle(configuration, errors);
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
                await ImportDashboardsAsync(kibana, elasticsearch, time, overwrite, stdout, ct);
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

    /// <summary>
    /// Imports only what setup may change (docs/decisions/0013-setup-owns-only-what-it-wrote.md): objects that are
    /// missing are created; objects still carrying setup's marker are updated when the shipped version differs and
    /// left alone when it is the same; objects without the marker (a user saved them in Kibana) and existing data
    /// views are kept unless <paramref name="overwrite"/>. Prints one line per object that is not unchanged.
    /// </summary>
    private static async Task ImportDashboardsAsync(KibanaOptions kibana, ElasticsearchOptions elasticsearch, TimeProvider time, bool overwrite, TextWriter stdout, CancellationToken ct)
    {
        using var client = new KibanaClient(kibana, elasticsearch, time);
        var version = await client.WaitUntilReadyAsync(kibana.StartupTimeout, ct);
        var space = string.IsNullOrEmpty(kibana.Space) ? KibanaOptions.DefaultSpace : kibana.Space;
        await stdout.WriteLineAsync($"Kibana {version} at {ElasticsearchOptions.Redact(kibana.Url!)}, space {space}");

        // The shipped lines are imported as they are (byte for byte what dashboards/*.ndjson holds).
        var shipped = System.Text.Encoding.UTF8.GetString(DashboardResource.Load())
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => (Line: line, Object: System.Text.Json.Nodes.JsonNode.Parse(line)!.AsObject()))
            .ToList();
        var stored = await client.BulkGetAsync([.. shipped.Select(s => Key(s.Object))], ct);
        var plan = shipped.Select(s => (s.Line, s.Object, Action: DashboardOwnership.Decide(s.Object, stored.GetValueOrDefault(Key(s.Object)), overwrite))).ToList();

        var toImport = plan.Where(p => p.Action is OwnershipAction.Create or OwnershipAction.Update or OwnershipAction.Overwrite).ToList();
        if (toImport.Count > 0)
        {
            var ndjson = string.Concat(toImport.Select(p => p.Line + "\n"));
            await client.ImportAsync(System.Text.Encoding.UTF8.GetBytes(ndjson), DashboardGenerator.FileName, ct);
        }

        foreach (var (_, obj, action) in plan.Where(p => p.Action != OwnershipAction.Unchanged))
        {
            var (type, id) = Key(obj);
            await stdout.WriteLineAsync($"  {DashboardOwnership.Describe(action)} {type}/{id} (\"{obj["attributes"]?["title"]?.GetValue<string>()}\")");
        }

        string Count(OwnershipAction a) => plan.Count(p => p.Action == a).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var kept = plan.Count(p => p.Action is OwnershipAction.KeepChanged or OwnershipAction.KeepDataView);
        await stdout.WriteLineAsync(
            $"dashboards: created {Count(OwnershipAction.Create)}, updated {plan.Count(p => p.Action is OwnershipAction.Update or OwnershipAction.Overwrite)}, "
            + $"unchanged {Count(OwnershipAction.Unchanged)}, kept {kept} (dashboard \"{DashboardGenerator.DashboardTitle}\", id {DashboardGenerator.DashboardId})"
            + (kept > 0 && !overwrite ? $"; {OverwriteOption} replaces the kept ones" : string.Empty));
    }

    private static (string Type, string Id) Key(System.Text.Json.Nodes.JsonObject o) => (o["type"]!.GetValue<string>(), o["id"]!.GetValue<string>());
}
