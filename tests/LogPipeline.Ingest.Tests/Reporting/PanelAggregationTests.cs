using System.Text;
using System.Text.Json.Nodes;
using LogPipeline.Ingest.Reporting;
using LogPipeline.Ingest.Setup.Dashboards;
using LogPipeline.Testing.Elasticsearch;

namespace LogPipeline.Ingest.Tests.Reporting;

/// <summary>The aggregation bodies behind the panels, run against the stand-in with known documents.</summary>
public sealed class PanelAggregationTests : IAsyncLifetime
{
    private ElasticsearchStandIn _es = null!;

    public async ValueTask InitializeAsync()
    {
        _es = ElasticsearchStandIn.Start();
        await KnownDocuments.IndexAsync(_es, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync() => await _es.DisposeAsync();

    private async Task<PanelResult> QueryAsync(string panelId)
    {
        var panel = NginxPanels.All.Single(p => p.Id == panelId);
        using var http = new HttpClient { BaseAddress = _es.Url };
        using var content = new StringContent(PanelQuery.Build(panel, KnownDocuments.From, KnownDocuments.To).ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync($"{KnownDocuments.DataStream}/_search", content, TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return PanelResult.Parse(panel, JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!.AsObject());
    }

    [Fact]
    public async Task Country_panel_counts_requests_per_country_most_first()
    {
        var result = await QueryAsync("countries");
        Assert.Equal(6, result.Total);
        Assert.Equal([new("Germany", 3), new("France", 2), new("United States", 1)], result.Buckets);
    }

    [Fact]
    public async Task Browser_panel_breaks_ties_by_name()
    {
        var result = await QueryAsync("browsers");
        Assert.Equal([new("Chrome", 4), new("Firefox", 1), new("Safari", 1)], result.Buckets);
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
        Assert.Equal([new("2xx", 2), new("3xx", 1), new("4xx", 2), new("5xx", 1)], result.Buckets);
    }

    [Fact]
    public async Task Metric_panels_count_unique_visitors_bytes_and_404s()
    {
        Assert.Equal(4, (await QueryAsync("unique-visitors")).Value);
        Assert.Equal(1900, (await QueryAsync("bytes-served")).Value);
        Assert.Equal(2, (await QueryAsync("not-found")).Value);
        Assert.Equal([new("2024-05-01", 4)], (await QueryAsync("unique-visitors-per-day")).Buckets);
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
