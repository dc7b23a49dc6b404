using System.Globalization;
using System.Text.Json.Nodes;
using LogPipeline.EndToEnd.Tests.Harness;
using LogPipeline.Ingest.Enrichment.Visitors;
using LogPipeline.Ingest.Indexing;
using LogPipeline.Ingest.Reporting;

namespace LogPipeline.EndToEnd.Tests.Analytics;

/// <summary>
/// An independent oracle (issue #15): GoAccess reads the same generated log the real pipeline (shipper → librdkafka
/// mock cluster → ingest worker → Elasticsearch stand-in) indexes, and the indexed counts equal its JSON report for
/// hits, hits per hour, per day, per status, per decoded path, and unique visitors (IP + date + user agent). The
/// <c>report</c> command is run against the same stand-in and must agree too.
/// </summary>
public sealed class GoAccessOracleTests
{
    private const int LineCount = 1500;

    [Fact]
    public async Task Indexed_counts_equal_goaccess_and_the_report_on_the_same_log()
    {
        if (!GoAccessReport.IsInstalled())
        {
            Assert.Skip("goaccess is not installed (Debian package goaccess; .ci/run installs it)");
        }

        var log = VisitorLog.Generate(LineCount, seed: 15);
        await using var pipeline = Pipeline.Start();
        var (shipper, ingest) = await Scenario.StartWorkersAsync(pipeline);
        await File.WriteAllTextAsync(pipeline.LogPath, string.Join('\n', log.Lines) + "\n", Scenario.Token);

        // Every line ends up indexed or dead-lettered: wait for that, then require "indexed" for all of them.
        var deadline = DateTime.UtcNow + Scenario.DeliveryTimeout;
        var metrics = await MetricsSnapshot.ScrapeAsync(ingest.MetricsUrl);
        while (pipeline.Documents().Count + metrics.Sum("logpipeline_ingest_dead_lettered_total") < LineCount && DateTime.UtcNow < deadline && !ingest.HasExited && !shipper.HasExited)
        {
            await Task.Delay(250, Scenario.Token);
            metrics = await MetricsSnapshot.ScrapeAsync(ingest.MetricsUrl);
        }

        var goaccess = await GoAccessReport.RunAsync(pipeline.LogPath, Path.Combine(pipeline.Directory, "goaccess.json"), Scenario.Token);
        var documents = pipeline.Documents().Values.ToList();

        // Every line indexed once (the cut one too, recovered and counted), none dead-lettered; GoAccess read them all.
        Assert.Equal(LineCount, documents.Count);
        Assert.Equal(0, metrics.Sum("logpipeline_ingest_dead_lettered_total"));
        Assert.Equal(1, metrics.Sum("logpipeline_ingest_lines_recovered_total"));
        Assert.Equal(LineCount, goaccess.TotalRequests);
        Assert.Equal(LineCount, goaccess.ValidRequests);
        Assert.Equal(0, goaccess.FailedRequests);

        var partial = Assert.Single(documents, d => Tags(d).Contains("partial_line"));
        Assert.Equal(VisitorLog.CutUserAgent, Text(partial, EcsFields.UserAgentOriginal));
        Assert.Equal("unterminated_quote", Text(partial, EcsFields.LogPipelineParseRecovered));

        // Hits per hour (the hour as the line wrote it) and per status.
        var hours = documents.GroupBy(d => (int)Value(d, EcsFields.NginxHourOfDay)!).ToDictionary(g => g.Key, g => (long)g.Count());
        AssertSameCounts(goaccess.HitsByHour, hours, "hits per hour");
        var statuses = documents.GroupBy(d => (int)Value(d, EcsFields.HttpResponseStatusCode)!).ToDictionary(g => g.Key, g => (long)g.Count());
        AssertSameCounts(goaccess.HitsByStatus, statuses, "hits per status");

        // Paths, decoded on both sides; the full distribution, so the top-N panels agree at any N.
        var paths = documents.GroupBy(d => Text(d, EcsFields.UrlPath)!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal);
        AssertSameCounts(goaccess.HitsByPath, paths, "hits per path");
        Assert.Contains("/blog/tags/jquery mobile", paths.Keys);
        Assert.Contains("/привет", paths.Keys);

        // Unique visitors: the cardinality of logpipeline.visitor.id, overall and per day (the day as written). One
        // known difference: GoAccess drops an unterminated last field, so it keys the cut line's visitor with no user
        // agent, where the worker keeps the recovered one. Keyed GoAccess's way, that one line is compared too.
        var visitorIds = documents.Select(d => Text(d, EcsFields.LogPipelineVisitorId)!).ToHashSet(StringComparer.Ordinal);
        string GoAccessKey(JsonObject d) => d == partial
            ? VisitorKey.Compute(Text(d, EcsFields.SourceIp)!, DateTimeOffset.Parse(Text(d, EcsFields.Timestamp)!, CultureInfo.InvariantCulture), string.Empty)
            : Text(d, EcsFields.LogPipelineVisitorId)!;
        Assert.Equal(goaccess.UniqueVisitors, documents.Select(GoAccessKey).Distinct(StringComparer.Ordinal).Count());
        var byDay = documents.GroupBy(d => Text(d, EcsFields.Timestamp)![..10].Replace("-", string.Empty, StringComparison.Ordinal))
            .ToDictionary(g => g.Key, g => ((long)g.Count(), (long)g.Select(GoAccessKey).Distinct(StringComparer.Ordinal).Count()));
        Assert.Equal(goaccess.ByDay.OrderBy(kv => kv.Key), byDay.OrderBy(kv => kv.Key));

        // The generator's own books: the oracle itself counted what was written (so a GoAccess option change shows).
        AssertSameCounts(log.HitsByHour.ToDictionary(kv => kv.Key, kv => (long)kv.Value), hours, "generator hits per hour");
        AssertSameCounts(log.HitsByStatus.ToDictionary(kv => kv.Key, kv => (long)kv.Value), statuses, "generator hits per status");
        AssertSameCounts(log.HitsByPath.ToDictionary(kv => kv.Key, kv => (long)kv.Value, StringComparer.Ordinal), paths, "generator hits per path");
        Assert.Equal(log.Visitors.Count, visitorIds.Count);
        Assert.Equal(log.Bots, documents.Count(d => Text(d, EcsFields.LogPipelineVisitorType) == "bot"));
        Assert.Equal(LineCount - log.Bots, documents.Count(d => Text(d, EcsFields.LogPipelineVisitorType) == "human"));

        // The report command over the same stand-in: its requests and unique visitors. The visitors panel counts
        // the field NginxPanels declares, counted here exactly from the documents.
        var report = await RunReportAsync(pipeline, "--humans-only", "false");
        Assert.Equal(LineCount, Metric(report, "requests"));
        var visitorField = NginxPanels.All.Single(p => p.Id == "unique-visitors").Metric.Field!;
        Assert.Equal(documents.Select(d => Text(d, visitorField)).Where(v => v is not null).Distinct().Count(), Metric(report, "unique-visitors"));
        // By default the report counts humans only, like the dashboard's visitor-type control.
        var humans = await RunReportAsync(pipeline);
        Assert.Equal(LineCount - log.Bots, Metric(humans, "requests"));
        Measurements.Record(
            "goaccess oracle",
            $"{LineCount} lines; visitors {visitorIds.Count} (goaccess {goaccess.UniqueVisitors}, which keys the cut line without its user agent); report visitors ({visitorField}) {Metric(report, "unique-visitors")}; bots {log.Bots}");
    }

    private static async Task<JsonObject> RunReportAsync(Pipeline pipeline, params string[] selection)
    {
        var from = VisitorLog.Start.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var to = VisitorLog.Start.AddDays(3).ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        await using var process = WorkerProcess.Start(
            "report",
            Binaries.Ingest,
            new Dictionary<string, string?> { ["Elasticsearch__Url"] = pipeline.Elasticsearch.Url.ToString() },
            ["report", "--from", from, "--to", to, "--format", "json", "--index", Pipeline.DataStream, .. selection]);
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(code == 0, $"report exited {code}\n{process.Tail()}");
        return JsonNode.Parse(process.StandardOutput)!.AsObject();
    }

    /// <summary>A metric panel's number (<c>value</c>; <c>total</c> is the panel's matching hits).</summary>
    private static double Metric(JsonObject report, string panel) =>
        report["panels"]!.AsArray().Single(p => (string?)p!["id"] == panel)!["value"]!.GetValue<double>();

    private static void AssertSameCounts<TKey>(Dictionary<TKey, long> expected, Dictionary<TKey, long> actual, string what)
        where TKey : notnull
    {
        var differences = expected.Keys.Union(actual.Keys)
            .Where(k => expected.GetValueOrDefault(k) != actual.GetValueOrDefault(k))
            .Select(k => $"{k}: expected {expected.GetValueOrDefault(k)}, indexed {actual.GetValueOrDefault(k)}")
            .ToList();
        Assert.True(differences.Count == 0, $"{what} differ:\n{string.Join('\n', differences)}");
    }

    private static JsonNode? Node(JsonObject document, string field)
    {
        if (document[field] is { } flat)
        {
            return flat;
        }

        JsonNode? node = document;
        foreach (var part in field.Split('.'))
        {
            node = node?[part];
        }

        return node;
    }

    private static string? Text(JsonObject document, string field) => Node(document, field)?.ToString();

    private static long? Value(JsonObject document, string field) => Node(document, field)?.GetValue<long>();

    private static List<string> Tags(JsonObject document) =>
        document["tags"] is JsonArray array ? [.. array.Select(t => t?.GetValue<string>() ?? string.Empty)] : [];
}
