using System.Text.Json.Nodes;
using LogPipeline.Ingest.Reporting;
using LogPipeline.Testing.Elasticsearch;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace LogPipeline.Ingest.Tests.Reporting;

/// <summary><c>report</c> against the stand-in holding <see cref="KnownDocuments"/>: exact text, JSON, argument errors.</summary>
public sealed class ReportCommandTests : IAsyncLifetime
{
    private ElasticsearchStandIn _es = null!;

    public async ValueTask InitializeAsync()
    {
        _es = ElasticsearchStandIn.Start();
        await KnownDocuments.IndexAsync(_es, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync() => await _es.DisposeAsync();

    private async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection([new("Elasticsearch:Url", _es.Url.ToString())]).Build();
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var clock = new FakeTimeProvider(KnownDocuments.To);
        var code = await ReportCommand.RunAsync(config, args, stdout, stderr, clock, TestContext.Current.CancellationToken);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static string Bar(int hashes, int value) => "|" + new string('#', hashes).PadRight(40) + " " + value;

    [Fact]
    public async Task Text_report_prints_every_panel_for_the_last_24_hours()
    {
        var (code, stdout, stderr) = await RunAsync("report", "--Elasticsearch:DataStream=logs-logpipeline.nginx-default", "--last", "24h");

        Assert.True(code == 0, stderr);
        string[] hours = [.. Enumerable.Range(0, 24).Select(h => $"  {h:00} " + h switch
        {
            13 => Bar(40, 3),
            0 or 9 or 23 => Bar(13, 1),
            _ => Bar(0, 0),
        })];
        string[] days = [.. new[] { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" }.Select(d => $"  {d} " + (d == "Wed" ? Bar(40, 6) : Bar(0, 0)))];
        string[] expected =
        [
            "nginx access report 2024-05-01T00:00:00Z .. 2024-05-02T00:00:00Z (logs-logpipeline.nginx-default)",
            "",
            "Requests:        6",
            "Unique visitors: 4",
            "Bytes served:    1900",
            "404 responses:   2",
            "",
            "Visitors by country",
            "  Germany        3   50.0%",
            "  France         2   33.3%",
            "  United States  1   16.7%",
            "",
            "Browser share",
            "  Chrome   4   66.7%",
            "  Firefox  1   16.7%",
            "  Safari   1   16.7%",
            "",
            "Operating systems",
            "  Windows   2   33.3%",
            "  iOS       2   33.3%",
            "  Linux     1   16.7%",
            "  Mac OS X  1   16.7%",
            "",
            "Device types",
            "  Other   3   50.0%",
            "  iPhone  2   33.3%",
            "  Mac     1   16.7%",
            "",
            "Requests by hour of day",
            .. hours,
            "",
            "Requests by day of week",
            .. days,
            "",
            "Top pages",
            "  /index.html  3   50.0%",
            "  /about       1   16.7%",
            "  /api/items   1   16.7%",
            "  /missing     1   16.7%",
            "",
            "404 pages",
            "  /about    1   50.0%",
            "  /missing  1   50.0%",
            "",
            "Top referrers",
            "  https://example.com/  2   33.3%",
            "",
            "Status classes",
            "  2xx  2   33.3%",
            "  3xx  1   16.7%",
            "  4xx  2   33.3%",
            "  5xx  1   16.7%",
            "",
            "Unique visitors per day",
            "  2024-05-01  4",
        ];
        Assert.Equal(expected, stdout.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task Json_report_carries_the_same_numbers_for_an_explicit_range()
    {
        var (code, stdout, stderr) = await RunAsync("--from", "2024-05-01T00:00:00Z", "--to", "2024-05-01T12:00:00Z", "--format", "json");

        Assert.True(code == 0, stderr);
        var report = JsonNode.Parse(stdout)!.AsObject();
        Assert.Equal("2024-05-01T12:00:00Z", report["to"]!.GetValue<string>());
        var panels = report["panels"]!.AsArray().OfType<JsonObject>().ToDictionary(p => p["id"]!.GetValue<string>());
        Assert.Equal(NginxPanels.All.Count(p => p.InReport), panels.Count);
        Assert.Equal(2, panels["requests"]["value"]!.GetValue<double>()); // 00:30 and 09:00 only
        var countries = panels["countries"]["buckets"]!.AsArray().Select(b => (b!["key"]!.GetValue<string>(), b["value"]!.GetValue<double>()));
        Assert.Equal([("France", 1.0), ("Germany", 1.0)], countries);
    }

    [Theory]
    [InlineData(new[] { "--last", "3x" }, "--last '3x' must be a positive duration")]
    [InlineData(new[] { "--from", "2024-05-02T00:00:00Z", "--to", "2024-05-01T00:00:00Z" }, "must be before --to")]
    [InlineData(new[] { "--last", "1h", "--from", "2024-05-01T00:00:00Z" }, "either --last or --from/--to")]
    [InlineData(new[] { "--format", "xml" }, "--format 'xml' must be text or json")]
    [InlineData(new[] { "--colour", "red" }, "unknown option --colour")]
    [InlineData(new[] { "--from" }, "--from needs a value")]
    public async Task Bad_arguments_fail_with_a_reason(string[] args, string expected)
    {
        var (code, stdout, stderr) = await RunAsync(args);

        Assert.Equal(1, code);
        Assert.Empty(stdout);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_elasticsearch_url_names_the_key()
    {
        using var stderr = new StringWriter();
        var code = await ReportCommand.RunAsync(new ConfigurationBuilder().Build(), [], TextWriter.Null, stderr, TimeProvider.System, TestContext.Current.CancellationToken);

        Assert.Equal(1, code);
        Assert.Contains("Elasticsearch:Url is required", stderr.ToString(), StringComparison.Ordinal);
    }
}
