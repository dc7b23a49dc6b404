using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using LogPipeline.Ingest.Indexing;
using LogPipeline.Ingest.Reporting;

namespace LogPipeline.Ingest.Setup.Dashboards;

/// <summary>
/// Produces <c>dashboards/nginx-access.ndjson</c> (data view, Lens panels, dashboard) from <see cref="NginxPanels"/>.
/// The committed file is this output; a test fails when they differ (regenerate with
/// <c>UPDATE_DASHBOARDS=1 dotnet test tests/LogPipeline.Ingest.Tests --filter Committed_ndjson</c>).
/// </summary>
public static class DashboardGenerator
{
    public const string FileName = "nginx-access.ndjson";
    public const string DataViewId = "logpipeline-nginx-access";
    public const string DashboardId = "logpipeline-nginx-access-dashboard";
    public const string DashboardTitle = "nginx access";

    /// <summary>Oldest Kibana whose migrations understand these objects (Lens/dashboard 8.9.0 formats).</summary>
    public const string CoreMigrationVersion = "8.8.0";

    public static IEnumerable<JsonObject> Objects(IReadOnlyList<PanelSpec> panels)
    {
        yield return DataView();
        foreach (var panel in panels)
        {
            yield return LensPanel.Build(panel, DataViewId);
        }

        yield return Dashboard(panels);
    }

    /// <summary>The NDJSON text: one compact JSON object per line, LF line ends, trailing newline.</summary>
    public static string Generate(IReadOnlyList<PanelSpec>? panels = null)
    {
        var text = new StringBuilder();
        foreach (var obj in Objects(panels ?? NginxPanels.All))
        {
            text.Append(obj.ToJsonString(CompactOptions)).Append('\n');
        }

        return text.ToString();
    }

    private static JsonObject DataView() => new()
    {
        ["type"] = "index-pattern",
        ["id"] = DataViewId,
        ["attributes"] = new JsonObject
        {
            ["title"] = NginxPanels.DataViewPattern,
            ["name"] = "nginx access logs",
            ["timeFieldName"] = EcsFields.Timestamp,
            // Importable before the first document arrives.
            ["allowNoIndex"] = true,
        },
        ["references"] = new JsonArray(),
        ["coreMigrationVersion"] = CoreMigrationVersion,
        ["typeMigrationVersion"] = "8.0.0",
    };

    private static JsonObject Dashboard(IReadOnlyList<PanelSpec> panels)
    {
        var panelsJson = new JsonArray();
        var references = new JsonArray();
        foreach (var panel in panels)
        {
            var index = panel.Id;
            panelsJson.Add(new JsonObject
            {
                ["type"] = "lens",
                ["panelIndex"] = index,
                ["gridData"] = new JsonObject
                {
                    ["x"] = panel.Layout.X,
                    ["y"] = panel.Layout.Y,
                    ["w"] = panel.Layout.W,
                    ["h"] = panel.Layout.H,
                    ["i"] = index,
                },
                ["embeddableConfig"] = new JsonObject { ["enhancements"] = new JsonObject() },
                ["panelRefName"] = "panel_" + index,
            });
            references.Add(new JsonObject { ["name"] = "panel_" + index, ["type"] = "lens", ["id"] = LensPanel.ObjectId(panel) });
        }

        var searchSource = new JsonObject
        {
            ["query"] = new JsonObject { ["query"] = string.Empty, ["language"] = "kuery" },
            ["filter"] = new JsonArray(),
        };
        var options = new JsonObject { ["useMargins"] = true, ["syncColors"] = false, ["syncCursor"] = true, ["syncTooltips"] = false, ["hidePanelTitles"] = false };

        return new JsonObject
        {
            ["type"] = "dashboard",
            ["id"] = DashboardId,
            ["attributes"] = new JsonObject
            {
                ["title"] = DashboardTitle,
                ["description"] = "nginx access logs shipped by LogPipeline: visitors, browsers, pages, status codes. "
                    + "The region map needs Elastic Maps Service; the country table works offline.",
                ["panelsJSON"] = panelsJson.ToJsonString(CompactOptions),
                ["optionsJSON"] = options.ToJsonString(CompactOptions),
                ["timeRestore"] = true,
                ["timeFrom"] = "now-24h",
                ["timeTo"] = "now",
                ["refreshInterval"] = new JsonObject { ["pause"] = false, ["value"] = 60000 },
                ["kibanaSavedObjectMeta"] = new JsonObject { ["searchSourceJSON"] = searchSource.ToJsonString(CompactOptions) },
            },
            ["references"] = references,
            ["coreMigrationVersion"] = CoreMigrationVersion,
            ["typeMigrationVersion"] = "8.9.0",
        };
    }

    // Readable NDJSON (quotes inside the JSON-in-string fields stay \" instead of \u0022); the file is data for
    // Kibana, never embedded in HTML.
    private static JsonSerializerOptions CompactOptions { get; } = new() { WriteIndented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
