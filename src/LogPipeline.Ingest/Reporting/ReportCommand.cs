using LogPipeline.Ingest.Commands;
using LogPipeline.Ingest.Elasticsearch;
using Microsoft.Extensions.Configuration;
using EsMethod = Elastic.Transport.HttpMethod;

namespace LogPipeline.Ingest.Reporting;

/// <summary>
/// <c>logpipeline-ingest report</c>: the dashboard's panels as text (or JSON) for a time range, straight from
/// Elasticsearch with the same aggregation bodies the panels use (<see cref="PanelQuery"/>).
/// </summary>
public static class ReportCommand
{
    public static Task<int> RunAsync(IConfiguration configuration, string[] args, CancellationToken ct) =>
        RunAsync(configuration, args, Console.Out, Console.Error, TimeProvider.System, ct);

    internal static async Task<int> RunAsync(IConfiguration configuration, string[] args, TextWriter stdout, TextWriter stderr, TimeProvider time, CancellationToken ct)
    {
        var arguments = ReportArguments.Parse(CommandConfiguration.OwnArguments(args, "report"), time.GetUtcNow(), out var argumentError);
        if (arguments is null)
        {
            await stderr.WriteLineAsync(argumentError);
            return 1;
        }

        var errors = new List<string>();
        var elasticsearch = CommandConfiguration.Elasticsearch(configuration, errors);
        if (errors.Count > 0)
        {
            await stderr.WriteLineAsync("configuration error: " + string.Join("; ", errors));
            return 1;
        }

        var index = arguments.Index ?? elasticsearch.DataStream;
        var zone = ReportArguments.FindZone(arguments.Scope.TimeZone);
        try
        {
            var client = new ElasticsearchRawClient(elasticsearch);
            var results = new List<PanelResult>();
            foreach (var panel in NginxPanels.All.Where(p => p.InReport))
            {
                var body = PanelQuery.Build(panel, arguments.From, arguments.To, arguments.Scope);
                var (status, text) = await client.TrySendAsync(EsMethod.POST, $"/{index}/_search", body, ct);
                if (status == 404)
                {
                    throw new SetupException($"{index} does not exist in Elasticsearch yet: run setup and let the worker index some lines, or pass --index.");
                }

                var response = client.EnsureSuccess(EsMethod.POST, $"/{index}/_search", status, text) ?? [];
                results.Add(PanelResult.Parse(panel, response, zone));
            }

            var output = arguments.Json
                ? ReportRenderer.Json(results, arguments.From, arguments.To, index, arguments.Scope)
                : ReportRenderer.Text(results, arguments.From, arguments.To, index, arguments.Scope);
            await stdout.WriteAsync(output);
            return 0;
        }
        catch (SetupException ex)
        {
            await stderr.WriteLineAsync("report failed: " + ex.Message);
            return 1;
        }
    }
}
