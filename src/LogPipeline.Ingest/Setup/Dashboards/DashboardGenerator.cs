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

    /// <summary>
    /// Default range: the last hour, where Kibana's auto interval is one minute (the per-minute panels then show
    /// one bar per minute); refreshed every 30 s so the 5-minute panels stay current.
    /// </summary>
    public const string DefaultTimeFrom = "now-1h";

    public const int RefreshMilliseconds = 30_000;

    /// <summary>Every saved object, each Lens panel and the dashboard carrying its <see cref="OwnershipMarker"/>.</summary>
    public static IEnumerable<JsonObject> Objects(IReadOnlyList<PanelSpec> panels) => Objects(panels, NginxPanels.Controls);

    public static IEnumerable<JsonObject> Objects(IReadOnlyList<PanelSpec> panels, IReadOnlyList<DashboardControl> controls)
    {
        yield return DataView();
        foreach (var panel in panels)
        {
            yield return Marked(LensPanel.Build(panel, DataViewId));
        }

        yield return Marked(Dashboard(panels, controls));
    }

    private static JsonObject Marked(JsonObject savedObject)
    {
        OwnershipMarker.Write(savedObject, OwnershipMarker.ContentHash(savedObject));
        return savedObject;
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

    private static JsonObject Dashboard(IReadOnlyList<PanelSpec> panels, IReadOnlyList<DashboardControl> controls)
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
                ["embeddableConfig"] = EmbeddableConfig(panel),
                ["panelRefName"] = "panel_" + index,
            });
            references.Add(new JsonObject { ["name"] = "panel_" + index, ["type"] = "lens", ["id"] = LensPanel.ObjectId(panel) });
        }

        var controlPanels = new JsonObject();
        var order = 0;
        foreach (var control in controls)
        {
            controlPanels[control.Id] = new JsonObject
            {
                ["order"] = order++,
                ["width"] = "medium",
                ["grow"] = true,
                ["type"] = "optionsListControl",
                ["explicitInput"] = new JsonObject
                {
                    ["id"] = control.Id,
                    ["fieldName"] = control.Field,
                    ["title"] = control.Title,
                    ["selectedOptions"] = new JsonArray([.. control.Selected.Select(v => (JsonNode)JsonValue.Create(v))]),
                    ["searchTechnique"] = "prefix",
                    ["enhancements"] = new JsonObject(),
                },
            };
            // The data view is a reference, as Kibana extracts it: "controlGroup_" + "<control id>:optionsListDataView"
            // (controls/common/control_group/control_group_persistable_state.ts).
            references.Add(new JsonObject { ["name"] = $"controlGroup_{control.Id}:optionsListDataView", ["type"] = "index-pattern", ["id"] = DataViewId });
        }

        var controlGroup = new JsonObject
        {
            ["controlStyle"] = "oneLine",
            // Hierarchical: choosing a namespace narrows the apps, pods and sites offered to the ones in it.
            ["chainingSystem"] = "HIERARCHICAL",
            ["panelsJSON"] = controlPanels.ToJsonString(CompactOptions),
            ["ignoreParentSettingsJSON"] = new JsonObject
            {
                ["ignoreFilters"] = false,
                ["ignoreQuery"] = false,
                ["ignoreTimerange"] = false,
                ["ignoreValidations"] = false,
            }.ToJsonString(CompactOptions),
        };

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
                ["description"] = "nginx access logs shipped by LogPipeline: visitors (humans by default; see the Visitor type control), browsers, pages, status codes, sites, response time, bots. "
                    + "The region map needs Elastic Maps Service; the country table works offline.",
                ["panelsJSON"] = panelsJson.ToJsonString(CompactOptions),
                ["optionsJSON"] = options.ToJsonString(CompactOptions),
                ["timeRestore"] = true,
                ["timeFrom"] = DefaultTimeFrom,
                ["timeTo"] = "now",
                ["refreshInterval"] = new JsonObject { ["pause"] = false, ["value"] = RefreshMilliseconds },
                ["controlGroupInput"] = controlGroup,
                ["kibanaSavedObjectMeta"] = new JsonObject { ["searchSourceJSON"] = searchSource.ToJsonString(CompactOptions) },
            },
            ["references"] = references,
            ["coreMigrationVersion"] = CoreMigrationVersion,
            ["typeMigrationVersion"] = "8.9.0",
        };
    }

    /// <summary>A panel with a <see cref="PanelSpec.RecentWindow"/> gets Kibana's per-panel custom time range (now-5m … now).</summary>
    private static JsonObject EmbeddableConfig(PanelSpec panel)
    {
        var config = new JsonObject { ["enhancements"] = new JsonObject() };
        if (panel.RecentWindow is { } window)
        {
            config["timeRange"] = new JsonObject
            {
                ["from"] = "now-" + ((int)window.TotalMinutes).ToString(System.Globalization.CultureInfo.InvariantCulture) + "m",
                ["to"] = "now",
            };
        }

        return config;
    }

    // Readable NDJSON (quotes inside the JSON-in-string fields stay \" instead of \u0022); the file is data for
    // Kibana, never embedded in HTML.
    private static JsonSerializerOptions CompactOptions { get; } = new() { WriteIndented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
