using System.Reflection;
using System.Text.Json.Nodes;
using LogPipeline.Ingest.Indexing;
using LogPipeline.Ingest.Reporting;
using LogPipeline.Ingest.Setup;
using LogPipeline.Ingest.Setup.Dashboards;
using LogPipeline.Testing;

namespace LogPipeline.Ingest.Tests.Dashboards;

/// <summary>The committed dashboards NDJSON: generated from the panel catalog, valid, self-contained, and only using mapped, aggregatable fields.</summary>
public sealed class DashboardFileTests
{
    private static readonly string CommittedPath = RepoPaths.Combine("dashboards", DashboardGenerator.FileName);

    private static List<JsonObject> Objects() =>
        [.. File.ReadAllLines(CommittedPath).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!.AsObject())];

    [Fact]
    public void Committed_ndjson_equals_generator_output()
    {
        var generated = DashboardGenerator.Generate();
        if (Environment.GetEnvironmentVariable("UPDATE_DASHBOARDS") == "1")
        {
            File.WriteAllText(CommittedPath, generated);
        }

        Assert.Equal(generated, File.ReadAllText(CommittedPath));
    }

    [Fact]
    public void Embedded_resource_is_the_committed_file()
    {
        Assert.Equal(File.ReadAllBytes(CommittedPath), DashboardResource.Load());
    }

    [Fact]
    public void Every_line_is_a_saved_object_with_migration_versions()
    {
        var lines = File.ReadAllText(CommittedPath).Split('\n');
        Assert.Equal(string.Empty, lines[^1]); // trailing newline, no blank lines in between
        var objects = lines[..^1].Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(NginxPanels.All.Count + 2, objects.Count);
        var expectedTypeVersion = new Dictionary<string, string> { ["index-pattern"] = "8.0.0", ["lens"] = "8.9.0", ["dashboard"] = "8.9.0" };
        Assert.All(objects, o =>
        {
            var type = o["type"]!.GetValue<string>();
            Assert.True(expectedTypeVersion.ContainsKey(type), type);
            Assert.False(string.IsNullOrEmpty(o["id"]?.GetValue<string>()));
            Assert.IsType<JsonObject>(o["attributes"]);
            Assert.IsType<JsonArray>(o["references"]);
            Assert.Equal("8.8.0", o["coreMigrationVersion"]!.GetValue<string>());
            Assert.Equal(expectedTypeVersion[type], o["typeMigrationVersion"]!.GetValue<string>());
        });
        Assert.Equal(objects.Count, objects.Select(o => (o["type"]!.GetValue<string>(), o["id"]!.GetValue<string>())).Distinct().Count());
    }

    [Fact]
    public void Data_view_covers_the_data_streams_with_timestamp_as_time_field()
    {
        var view = Assert.Single(Objects(), o => o["type"]!.GetValue<string>() == "index-pattern");
        Assert.Equal("logs-logpipeline.nginx-*", view["attributes"]!["title"]!.GetValue<string>());
        Assert.Equal(EcsFields.Timestamp, view["attributes"]!["timeFieldName"]!.GetValue<string>());
    }

    [Fact]
    public void Every_reference_resolves_inside_the_file()
    {
        var objects = Objects();
        var ids = objects.Select(o => (o["type"]!.GetValue<string>(), o["id"]!.GetValue<string>())).ToHashSet();
        var references = objects.SelectMany(o => o["references"]!.AsArray().OfType<JsonObject>()).ToList();
        Assert.NotEmpty(references);
        Assert.All(references, r => Assert.Contains((r["type"]!.GetValue<string>(), r["id"]!.GetValue<string>()), ids));
    }

    [Fact]
    public void Dashboard_json_strings_parse_and_every_panel_has_its_reference()
    {
        var dashboard = Assert.Single(Objects(), o => o["type"]!.GetValue<string>() == "dashboard");
        var attributes = dashboard["attributes"]!.AsObject();
        Assert.IsType<JsonObject>(JsonNode.Parse(attributes["optionsJSON"]!.GetValue<string>()));
        var searchSource = JsonNode.Parse(attributes["kibanaSavedObjectMeta"]!["searchSourceJSON"]!.GetValue<string>())!.AsObject();
        Assert.Equal("kuery", searchSource["query"]!["language"]!.GetValue<string>());
        var panels = JsonNode.Parse(attributes["panelsJSON"]!.GetValue<string>())!.AsArray().OfType<JsonObject>().ToList();
        Assert.Equal(NginxPanels.All.Count, panels.Count);
        var referenceNames = dashboard["references"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()).ToHashSet();
        Assert.All(panels, p =>
        {
            Assert.Contains(p["panelRefName"]!.GetValue<string>(), referenceNames);
            Assert.Equal(p["panelIndex"]!.GetValue<string>(), p["gridData"]!["i"]!.GetValue<string>());
            Assert.InRange(p["gridData"]!["x"]!.GetValue<int>() + p["gridData"]!["w"]!.GetValue<int>(), 1, 48);
        });
    }

    [Fact]
    public void Every_lens_layer_references_the_data_view_by_layer_id()
    {
        var lenses = Objects().Where(o => o["type"]!.GetValue<string>() == "lens").ToList();
        Assert.Equal(NginxPanels.All.Count, lenses.Count);
        Assert.All(lenses, lens =>
        {
            var layers = lens["attributes"]!["state"]!["datasourceStates"]!["formBased"]!["layers"]!.AsObject();
            var names = lens["references"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()).ToHashSet();
            Assert.NotEmpty(layers);
            Assert.All(layers, layer => Assert.Contains("indexpattern-datasource-layer-" + layer.Key, names));
            Assert.All(layers, layer => Assert.Equal(
                layer.Value!["columns"]!.AsObject().Select(c => c.Key).Order(),
                layer.Value!["columnOrder"]!.AsArray().Select(c => c!.GetValue<string>()).Order()));
        });
    }

    [Fact]
    public void Every_field_a_panel_uses_is_an_ecs_constant_mapped_with_an_aggregatable_type()
    {
        var ecs = typeof(EcsFields).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetRawConstantValue()!).ToHashSet();
        var fields = new List<string>();
        foreach (var lens in Objects().Where(o => o["type"]!.GetValue<string>() == "lens"))
        {
            foreach (var layer in lens["attributes"]!["state"]!["datasourceStates"]!["formBased"]!["layers"]!.AsObject())
            {
                // Formula and math columns have no field of their own; their parts do.
                fields.AddRange(layer.Value!["columns"]!.AsObject()
                    .Where(c => c.Value!["sourceField"] is not null)
                    .Select(c => c.Value!["sourceField"]!.GetValue<string>())
                    .Where(f => f != "___records___"));
            }

            var kql = lens["attributes"]!["state"]!["query"]!["query"]!.GetValue<string>();
            if (kql.Length > 0)
            {
                fields.Add(kql.Split(" : ")[0]);
            }
        }

        Assert.Contains(EcsFields.SourceGeoCountryIsoCode, fields);
        Assert.Contains(EcsFields.NginxHourOfDay, fields);
        Assert.All(fields, f =>
        {
            Assert.Contains(f, ecs);
            Assert.True(IndexTemplates.IsAggregatable(f), $"{f} ({IndexTemplates.FieldTypes.GetValueOrDefault(f)}) is not aggregatable");
        });
    }

    [Fact]
    public void Region_map_is_marked_as_needing_ems_and_a_country_table_works_offline()
    {
        var lenses = Objects().Where(o => o["type"]!.GetValue<string>() == "lens").ToList();
        var map = Assert.Single(lenses, l => l["attributes"]!["visualizationType"]!.GetValue<string>() == "lnsChoropleth");
        Assert.Contains("Elastic Maps Service", map["attributes"]!["description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("world_countries", map["attributes"]!["state"]!["visualization"]!["emsLayerId"]!.GetValue<string>());
        var countryTables = lenses.Where(l => l["attributes"]!["visualizationType"]!.GetValue<string>() == "lnsDatatable"
            && l.ToJsonString().Contains(EcsFields.SourceGeoCountryName, StringComparison.Ordinal));
        Assert.Single(countryTables);
    }
    private static JsonObject DashboardObject() => Assert.Single(Objects(), o => o["type"]!.GetValue<string>() == "dashboard");

    private static JsonObject Lens(string panelId) =>
        Assert.Single(Objects(), o => o["id"]!.GetValue<string>() == "logpipeline-nginx-" + panelId);

    private static JsonObject Columns(string panelId) =>
        Lens(panelId)["attributes"]!["state"]!["datasourceStates"]!["formBased"]!["layers"]![panelId + "-layer"]!["columns"]!.AsObject();

    // Attribute names checked against Kibana's source: dashboard saved-object schema
    // (src/plugins/dashboard/server/dashboard_saved_object/schema/v1/v1.ts: timeRestore, timeFrom, refreshInterval,
    // controlGroupInput{panelsJSON, controlStyle, chainingSystem, ignoreParentSettingsJSON}), control references
    // (src/plugins/controls/common/control_group/control_group_persistable_state.ts: "<control id>:" + the control's
    // "optionsListDataView", under the dashboard's "controlGroup_" prefix), Lens columns
    // (x-pack/plugins/lens/public/datasources/form_based/operations/definitions/column_types.ts: timeScale, filter,
    // params.format), count.tsx (params.emptyAsNull, false for formula parts), formula/math.tsx (tinymathAst with
    // column ids as arguments), date_histogram.tsx (interval "auto"), XY fitting
    // (…/visualizations/xy/xy_config_panel/visual_options_popover/fitting_function_definitions.ts: "Zero") and a
    // per-panel time range as Kibana's own ecommerce sample dashboard stores it (embeddableConfig.timeRange {from, to}).
    [Fact]
    public void Dashboard_restores_a_short_range_with_refresh_and_has_the_options_list_controls()
    {
        var attributes = DashboardObject()["attributes"]!.AsObject();
        Assert.True(attributes["timeRestore"]!.GetValue<bool>());
        Assert.Equal("now-1h", attributes["timeFrom"]!.GetValue<string>());
        Assert.False(attributes["refreshInterval"]!["pause"]!.GetValue<bool>());
        Assert.Equal(30000, attributes["refreshInterval"]!["value"]!.GetValue<int>());

        var controls = JsonNode.Parse(attributes["controlGroupInput"]!["panelsJSON"]!.GetValue<string>())!.AsObject();
        var fields = controls.Select(c => c.Value!["explicitInput"]!["fieldName"]!.GetValue<string>()).ToList();
        Assert.Equal(
            [EcsFields.LogPipelineVisitorType, EcsFields.KubernetesNamespace, EcsFields.ServiceName, EcsFields.KubernetesPodName, EcsFields.KubernetesNodeName, EcsFields.UrlDomain],
            fields);
        Assert.All(controls, c => Assert.Equal("optionsListControl", c.Value!["type"]!.GetValue<string>()));
        Assert.Equal(["human"], controls["visitor-type"]!["explicitInput"]!["selectedOptions"]!.AsArray().Select(v => v!.GetValue<string>()));
        var references = DashboardObject()["references"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()).ToHashSet();
        Assert.All(controls, c => Assert.Contains($"controlGroup_{c.Key}:optionsListDataView", references));
        Assert.All(fields, f => Assert.True(IndexTemplates.IsAggregatable(f), f));
    }

    [Fact]
    public void Right_now_panels_have_a_5_minute_panel_range_and_the_rate_uses_the_auto_interval_per_minute()
    {
        var panels = JsonNode.Parse(DashboardObject()["attributes"]!["panelsJSON"]!.GetValue<string>())!.AsArray().OfType<JsonObject>().ToDictionary(p => p["panelIndex"]!.GetValue<string>());
        foreach (var id in new[] { "visitors-now", "requests-now" })
        {
            Assert.Equal("now-5m", panels[id]["embeddableConfig"]!["timeRange"]!["from"]!.GetValue<string>());
            Assert.Equal("now", panels[id]["embeddableConfig"]!["timeRange"]!["to"]!.GetValue<string>());
        }

        Assert.Null(panels["requests"]["embeddableConfig"]!["timeRange"]);
        var rate = Columns("requests-over-time");
        Assert.Equal("auto", rate[LensPanel.SplitColumn]!["params"]!["interval"]!.GetValue<string>());
        Assert.Equal("m", rate[LensPanel.MetricColumn]!["timeScale"]!.GetValue<string>());
        Assert.Equal("Zero", Lens("requests-over-time")["attributes"]!["state"]!["visualization"]!["fittingFunction"]!.GetValue<string>());
    }

    [Fact]
    public void Zeros_are_shown_and_bytes_percentages_and_durations_are_formatted()
    {
        var counting = Objects().Where(o => o["type"]!.GetValue<string>() == "lens")
            .SelectMany(l => l["attributes"]!["state"]!["datasourceStates"]!["formBased"]!["layers"]!.AsObject().SelectMany(layer => layer.Value!["columns"]!.AsObject()))
            .Where(c => c.Value!["operationType"]!.GetValue<string>() is "count" or "unique_count" or "sum")
            .ToList();
        Assert.NotEmpty(counting);
        Assert.All(counting, c => Assert.False(c.Value!["params"]!["emptyAsNull"]!.GetValue<bool>(), c.Key));
        Assert.Equal("bytes", Columns("bytes-served")[LensPanel.MetricColumn]!["params"]!["format"]!["id"]!.GetValue<string>());
        Assert.Equal("percent", Columns("error-rate")[LensPanel.MetricColumn]!["params"]!["format"]!["id"]!.GetValue<string>());
        Assert.Equal("nanoseconds", Columns("response-time")[LensPanel.MetricColumn]!["params"]!["format"]!["params"]!["fromUnit"]!.GetValue<string>());
    }

    [Fact]
    public void Error_rate_is_a_lens_formula_whose_parts_resolve()
    {
        var columns = Columns("error-rate");
        var formula = columns[LensPanel.MetricColumn]!;
        Assert.Equal("formula", formula["operationType"]!.GetValue<string>());
        Assert.Equal("count(kql='http.response.status_code >= 500') / count()", formula["params"]!["formula"]!.GetValue<string>());
        var math = columns[formula["references"]![0]!.GetValue<string>()]!;
        Assert.Equal("math", math["operationType"]!.GetValue<string>());
        Assert.All(math["references"]!.AsArray(), r => Assert.Equal("count", columns[r!.GetValue<string>()]!["operationType"]!.GetValue<string>()));
        Assert.Equal("http.response.status_code >= 500", columns["metricX0"]!["filter"]!["query"]!.GetValue<string>());
    }

    [Fact]
    public void Panels_beside_requests_offer_visitors_and_the_bot_section_ignores_the_controls()
    {
        foreach (var id in new[] { "countries", "browsers", "operating-systems", "devices" })
        {
            var operations = Columns(id).Where(c => c.Key != LensPanel.SplitColumn).Select(c => c.Value!["operationType"]!.GetValue<string>()).ToList();
            Assert.Equal(["unique_count", "count"], operations);
            Assert.Equal(EcsFields.LogPipelineVisitorId, Columns(id)[LensPanel.MetricColumn]!["sourceField"]!.GetValue<string>());
        }

        Assert.Equal(EcsFields.LogPipelineUserAgentDeviceType, Columns("devices")[LensPanel.SplitColumn]!["sourceField"]!.GetValue<string>());
        foreach (var panel in NginxPanels.All)
        {
            var layer = Lens(panel.Id)["attributes"]!["state"]!["datasourceStates"]!["formBased"]!["layers"]![panel.Id + "-layer"]!;
            Assert.Equal(panel.Id.StartsWith("bot-", StringComparison.Ordinal) || panel.Id == "top-bots", layer["ignoreGlobalFilters"]!.GetValue<bool>());
        }
    }

    [Fact]
    public void Every_lens_panel_and_the_dashboard_carry_the_hash_of_their_content()
    {
        foreach (var obj in Objects())
        {
            var marker = OwnershipMarker.Read(obj);
            if (obj["type"]!.GetValue<string>() == "index-pattern")
            {
                Assert.Null(marker);
                continue;
            }

            Assert.Equal(OwnershipMarker.ContentHash(obj), marker);
        }
    }
}
