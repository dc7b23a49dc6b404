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

    [Fact]
    public async Task Text_report_prints_every_panel_for_the_last_24_hours()
    {
        var (code, stdout, stderr) = await RunAsync("report", "--Elasticsearch:DataStream=logs-logpipeline.nginx-default", "--last", "24h");

        Assert.True(code == 0, stderr);
        // Checked by hand against KnownDocuments: five human visitors (France's two requests are one visitor),
        // bots only in the bot section, 1 of 6 human requests a 5xx, 2 of all 8 requests from bots.
        const string expected = """
            nginx access report 2024-05-01T00:00:00Z .. 2024-05-02T00:00:00Z (logs-logpipeline.nginx-default)
            time zone UTC; logpipeline.visitor.type : "human"

            Visitors, last 5 minutes: 1
            Requests, last 5 minutes: 1
            Visitors:                 5
            Requests:                 6
            Bytes served:             1900
            Error rate:               16.7%
            404 responses:            2
            Bot share:                25.0%

            Visitors by country
              Country        Visitors  Requests
              Germany               3         3
              France                1         2
              United States         1         1

            Browsers
              Browser  Visitors  Requests
              Chrome          3         4
              Firefox         1         1
              Safari          1         1

            Operating systems
              Operating system  Visitors  Requests
              iOS                      2         2
              Linux                    1         1
              Mac OS X                 1         2
              Windows                  1         1

            Device types
              Device type  Visitors  Requests
              desktop             3         4
              mobile              2         2

            Requests by hour of day
              00 |#############                            1
              01 |                                         0
              02 |                                         0
              03 |                                         0
              04 |                                         0
              05 |                                         0
              06 |                                         0
              07 |                                         0
              08 |                                         0
              09 |#############                            1
              10 |                                         0
              11 |                                         0
              12 |                                         0
              13 |######################################## 3
              14 |                                         0
              15 |                                         0
              16 |                                         0
              17 |                                         0
              18 |                                         0
              19 |                                         0
              20 |                                         0
              21 |                                         0
              22 |                                         0
              23 |#############                            1

            Requests by day of week
              Mon |                                         0
              Tue |                                         0
              Wed |######################################## 6
              Thu |                                         0
              Fri |                                         0
              Sat |                                         0
              Sun |                                         0

            Top pages
              Page         Requests  Visitors   Share
              /index.html         3         3   50.0%
              /about              1         1   16.7%
              /api/items          1         1   16.7%
              /missing            1         1   16.7%

            404 pages
              /about    1   50.0%
              /missing  1   50.0%

            Top referrers
              https://example.com/  2   33.3%

            Status classes
              2xx  2   33.3%
              3xx  1   16.7%
              4xx  2   33.3%
              5xx  1   16.7%

            Visitors per day
              2024-05-01  5

            Sites
              Site          Requests  Visitors   Share
              blog.example         3         3   50.0%
              shop.example         3         3   50.0%

            Slowest pages
              Page            p95  Requests
              /api/items   250 ms         1
              /about       100 ms         1
              /index.html   30 ms         3
              /missing       5 ms         1

            Why bots are bots
              uap-spider  2  100.0%

            Top bots
              Bot        Requests  Visitors   Share
              Googlebot         2         1  100.0%

            Pages bots hit
              /index.html  1   50.0%
              /robots.txt  1   50.0%
            """;
        Assert.Equal(expected.Split('\n'), stdout.TrimEnd('\n').Split('\n'));
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

    [Fact]
    public async Task Time_zone_moves_day_buckets_and_reads_times_without_offset_in_that_zone()
    {
        // 2024-05-01 00:00 .. 2024-05-02 00:00 in Berlin is 2024-04-30T22:00Z .. 2024-05-01T22:00Z: the 23:59Z request
        // is out and the one at 2024-04-30T23:00Z (01:00 on 1 May in Berlin) is in.
        var (code, stdout, stderr) = await RunAsync("--from", "2024-05-01T00:00:00", "--to", "2024-05-02T00:00:00", "--time-zone", "Europe/Berlin", "--format", "json");

        Assert.True(code == 0, stderr);
        var report = JsonNode.Parse(stdout)!.AsObject();
        Assert.Equal("2024-05-01T00:00:00+02:00", report["from"]!.GetValue<string>());
        Assert.Equal("Europe/Berlin", report["time_zone"]!.GetValue<string>());
        var panels = report["panels"]!.AsArray().OfType<JsonObject>().ToDictionary(p => p["id"]!.GetValue<string>());
        Assert.Equal(6, panels["requests"]["value"]!.GetValue<double>());
        var days = panels["unique-visitors-per-day"]["buckets"]!.AsArray().Select(b => (b!["key"]!.GetValue<string>(), b["value"]!.GetValue<double>()));
        Assert.Equal([("2024-05-01", 5.0)], days);
    }

    [Fact]
    public async Task Namespace_app_and_site_filters_match_the_dashboard_controls_and_bots_can_be_included()
    {
        var shop = await RunAsync("--namespace", "shop", "--format", "json");
        var blogSite = await RunAsync("--site", "blog.example", "--app", "blog", "--format", "json");
        var everyone = await RunAsync("--namespace", "shop", "--humans-only", "false", "--format", "json");

        double Value((int Code, string Out, string Err) run, string id)
        {
            Assert.True(run.Code == 0, run.Err);
            return JsonNode.Parse(run.Out)!["panels"]!.AsArray().Single(p => p!["id"]!.GetValue<string>() == id)!["value"]!.GetValue<double>();
        }

        Assert.Equal(3, Value(shop, "requests"));
        Assert.Equal(3, Value(blogSite, "requests"));
        Assert.Equal(5, Value(everyone, "requests")); // the shop's 3 human requests and the 2 bot requests
        Assert.Equal(0.25, Value(shop, "bot-share")); // the bot section ignores the selection, like the dashboard
        var filters = JsonNode.Parse(blogSite.Out)!["filters"]!.AsArray().Select(f => f!.GetValue<string>());
        Assert.Equal(["logpipeline.visitor.type : \"human\"", "url.domain : \"blog.example\"", "service.name : \"blog\""], filters);
    }

    [Theory]
    [InlineData(new[] { "--time-zone", "Mars/Olympus" }, "--time-zone 'Mars/Olympus' is not a time zone")]
    [InlineData(new[] { "--humans-only", "maybe" }, "--humans-only 'maybe' must be true or false")]
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
