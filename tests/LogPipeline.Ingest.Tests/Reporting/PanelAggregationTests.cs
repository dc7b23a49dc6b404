using System.Text;
using System.Text.Json.Nodes;
using LogPipeline.Ingest.Indexing;
using LogPipeline.Ingest.Reporting;
using LogPipeline.Ingest.Setup.Dashboards;
using LogPipeline.Testing.Elasticsearch;

namespace LogPipeline.Ingest.Tests.Reporting;

/// <summary>The aggregation bodies behind the panels, run against the stand-in with known documents.</summary>
public sealed class PanelAggregationTests : IAsyncLifetime
{
    private static readonly ReportScope Humans = new("UTC", [new KeywordFilter(EcsFields.LogPipelineVisitorType, NginxPanels.Human)]);

    private ElasticsearchStandIn _es = null!;

    public async ValueTask InitializeAsync()
    {
        _es = ElasticsearchStandIn.Start();
        await KnownDocuments.IndexAsync(_es, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync() => await _es.DisposeAsync();

    private async Task<PanelResult> QueryAsync(string panelId, ReportScope? scope = null)
    {
        scope ??= Humans;
        var panel = NginxPanels.All.Single(p => p.Id == panelId);
        using var http = new HttpClient { BaseAddress = _es.Url };
        using var content = new StringContent(PanelQuery.Build(panel, KnownDocuments.From, KnownDocuments.To, scope).ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync($"{KnownDocuments.DataStream}/_search", content, TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!.AsObject();
        return PanelResult.Parse(panel, body, ReportArguments.FindZone(scope.TimeZone));
    }

    private static ResultBucket B(string key, double value, params double[] also) => new(key, value) { Also = also };

    [Fact]
    public async Task Country_panel_counts_visitors_most_first_with_requests_beside()
    {
        var result = await QueryAsync("countries");
        Assert.Equal(6, result.Total);
        // France: one visitor (same IP, day and user agent) made two requests.
        Assert.Equal([B("Germany", 3, 3), B("France", 1, 2), B("United States", 1, 1)], result.Buckets);
    }

    [Fact]
    public async Task Browser_panel_counts_visitors_and_breaks_ties_by_name()
    {
        var result = await QueryAsync("browsers");
        Assert.Equal([B("Chrome", 3, 4), B("Firefox", 1, 1), B("Safari", 1, 1)], result.Buckets);
    }

    [Fact]
    public async Task Device_panel_uses_the_device_type()
    {
        var result = await QueryAsync("devices");
        Assert.Equal([B("desktop", 3, 4), B("mobile", 2, 2)], result.Buckets);
    }

    [Fact]
    public async Task Without_the_humans_selection_bots_count_too()
    {
        var all = await QueryAsync("browsers", ReportScope.Everything);
        Assert.Contains(B("Googlebot", 1, 2), all.Buckets);
        Assert.Equal(8, all.Total);
    }

    [Fact]
    public async Task Hour_panel_has_all_24_hours_in_order()
    {
        var result = await QueryAsync("hour-of-day");
        Assert.Equal(Enumerable.Range(0, 24).Select(h => h.ToString()), result.Buckets.Select(b => b.Key));
        var expected = new Dictionary<string, double> { ["0"] = 1, ["9"] = 1, ["13"] = 3, ["23"] = 1 };
        Assert.All(result.Buckets, b => Assert.Equal(expected.GetValueOrDefault(b.Key), b.Value));
    }

    [Fact]
    public async Task Status_class_panel_uses_ranges()
    {
        var result = await QueryAsync("status-classes");
        Assert.Equal([B("2xx", 2), B("3xx", 1), B("4xx", 2), B("5xx", 1)], result.Buckets);
    }

    [Fact]
    public async Task Headline_metrics_count_visitors_bytes_404s_and_the_error_rate()
    {
        Assert.Equal(5, (await QueryAsync("unique-visitors")).Value);
        Assert.Equal(6, (await QueryAsync("requests")).Value);
        Assert.Equal(1900, (await QueryAsync("bytes-served")).Value);
        Assert.Equal(2, (await QueryAsync("not-found")).Value);
        Assert.Equal(1.0 / 6, (await QueryAsync("error-rate")).Value);
        Assert.Equal([B("2024-05-01", 5)], (await QueryAsync("unique-visitors-per-day")).Buckets);
    }

    [Fact]
    public async Task Visitors_per_day_follow_the_time_zone()
    {
        // 23:59Z on 1 May is 01:59 on 2 May in Berlin (UTC+2 in summer); New York (UTC-4) moves 00:30Z to 30 April.
        var berlin = await QueryAsync("unique-visitors-per-day", Humans with { TimeZone = "Europe/Berlin" });
        var newYork = await QueryAsync("unique-visitors-per-day", Humans with { TimeZone = "America/New_York" });

        Assert.Equal([B("2024-05-01", 4), B("2024-05-02", 1)], berlin.Buckets);
        Assert.Equal([B("2024-04-30", 1), B("2024-05-01", 4)], newYork.Buckets);
    }

    [Fact]
    public async Task Bot_section_ignores_the_dashboard_selection()
    {
        Assert.Equal(0.25, (await QueryAsync("bot-share")).Value);
        Assert.Equal([B("Googlebot", 2, 1)], (await QueryAsync("top-bots")).Buckets);
        Assert.Equal([B("/index.html", 1), B("/robots.txt", 1)], (await QueryAsync("bot-pages")).Buckets);
        Assert.Equal([B("uap-spider", 2)], (await QueryAsync("bot-reasons")).Buckets);
    }

    [Fact]
    public async Task Slowest_pages_order_by_the_95th_percentile_of_event_duration()
    {
        var result = await QueryAsync("slowest-pages");
        Assert.Equal([B("/api/items", 250e6, 1), B("/about", 100e6, 1), B("/index.html", 30e6, 3), B("/missing", 5e6, 1)], result.Buckets);
    }

    [Fact]
    public async Task Site_and_namespace_selections_narrow_every_panel_but_the_bots()
    {
        var shop = Humans with { Filters = [.. Humans.Filters, new KeywordFilter(EcsFields.KubernetesNamespace, "shop")] };
        Assert.Equal(3, (await QueryAsync("requests", shop)).Value);
        Assert.Equal(0.25, (await QueryAsync("bot-share", shop)).Value);
        Assert.Equal([B("blog.example", 3, 3), B("shop.example", 3, 3)], (await QueryAsync("sites")).Buckets);
    }

    [Fact]
    public async Task Right_now_panels_cover_the_5_minutes_before_the_end()
    {
        var panel = NginxPanels.All.Single(p => p.Id == "requests-now");
        var range = PanelQuery.Build(panel, KnownDocuments.From, new DateTimeOffset(2024, 5, 1, 13, 22, 0, TimeSpan.Zero))["query"]!["bool"]!["filter"]![0]!["range"]![EcsFields.Timestamp]!;
        Assert.Equal("2024-05-01T13:17:00.000Z", range["gte"]!.GetValue<string>());
        Assert.Equal(1, (await QueryAsync("requests-now")).Value); // 23:59, within 5 minutes of midnight
    }

    [Fact]
    public void Lens_columns_and_query_bodies_agree_on_field_size_and_order()
    {
        foreach (var panel in NginxPanels.All.Where(p => p.Split is TermsBucket))
        {
            var lens = LensPanel.Build(panel, DashboardGenerator.DataViewId);
            var column = lens["attributes"]!["state"]!["datasourceStates"]!["formBased"]!["layers"]![LensPanel.LayerId(panel)]!["columns"]![LensPanel.SplitColumn]!;
            var terms = PanelQuery.Build(panel, KnownDocuments.From, KnownDocuments.To)["aggs"]![PanelQuery.SplitAgg]!["terms"]!;
            Assert.Equal(column["sourceField"]!.GetValue<string>(), terms["field"]!.GetValue<string>());
            Assert.Equal(column["params"]!["size"]!.GetValue<int>(), terms["size"]!.GetValue<int>());
            var byKey = column["params"]!["orderBy"]!["type"]!.GetValue<string>() == "alphabetical";
            Assert.Equal(byKey, terms["order"]!["_key"] is not null);
            Assert.Equal(panel.Filter?.Kql ?? string.Empty, lens["attributes"]!["state"]!["query"]!["query"]!.GetValue<string>());
        }
    }
}
