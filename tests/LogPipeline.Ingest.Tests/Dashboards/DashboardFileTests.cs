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
}
