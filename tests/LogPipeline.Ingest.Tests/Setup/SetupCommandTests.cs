using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using LogPipeline.Ingest.Setup;
using LogPipeline.Ingest.Setup.Dashboards;
using LogPipeline.Testing.Elasticsearch;
using LogPipeline.Testing.Kibana;
using Microsoft.Extensions.Configuration;

namespace LogPipeline.Ingest.Tests.Setup;

/// <summary><c>setup</c> against the Elasticsearch and Kibana stand-ins: templates, import, and each failure's message.</summary>
public sealed class SetupCommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static IConfiguration Config(params (string Key, string? Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    private static async Task<(int Code, string Out, string Err)> RunAsync(IConfiguration configuration, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await SetupCommand.RunAsync(configuration, args, stdout, stderr, TimeProvider.System, Ct);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Puts_component_and_index_templates_with_the_configured_retention_and_can_run_again()
    {
        await using var es = ElasticsearchStandIn.Start();
        var config = Config(("Elasticsearch:Url", es.Url.ToString()), ("Lifecycle:Retention", "7d"));

        var first = await RunAsync(config, "setup");
        var second = await RunAsync(config);

        Assert.True(first.Code == 0, first.Err);
        Assert.True(second.Code == 0, second.Err);
        Assert.Contains("Kibana:Url not set", first.Out, StringComparison.Ordinal);
        Assert.True(JsonNode.DeepEquals(IndexTemplates.MappingsComponent(), es.ComponentTemplate("logs-logpipeline.nginx@mappings")));
        Assert.True(JsonNode.DeepEquals(IndexTemplates.SettingsComponent(), es.ComponentTemplate("logs-logpipeline.nginx@settings")));
        var template = es.IndexTemplate("logs-logpipeline.nginx")!;
        Assert.Equal("7d", template["template"]!["lifecycle"]!["data_retention"]!.GetValue<string>());
        Assert.Equal(200, template["priority"]!.GetValue<int>());
        // Components go first: a real cluster rejects an index template whose components do not exist yet.
        var puts = es.Requests.Where(r => r.Method == "PUT").Select(r => r.Path).ToList();
        Assert.True(puts.IndexOf("/_index_template/logs-logpipeline.nginx") > puts.IndexOf("/_component_template/logs-logpipeline.nginx%40mappings"), string.Join(", ", puts));
    }

    [Fact]
    public async Task Imports_the_embedded_dashboards_as_kibana_expects_them()
    {
        await using var es = ElasticsearchStandIn.Start();
        await using var kibana = KibanaStandIn.Start();
        var (code, stdout, stderr) = await RunAsync(Config(("Elasticsearch:Url", es.Url.ToString()), ("Kibana:Url", kibana.Url.ToString())));

        Assert.True(code == 0, stderr);
        var import = Assert.Single(kibana.Imports);
        Assert.StartsWith("multipart/form-data", import.ContentType, StringComparison.Ordinal);
        Assert.Equal("true", import.KbnXsrf);
        Assert.Equal("true", import.Overwrite);
        Assert.Equal("file", import.FieldName);
        Assert.EndsWith(".ndjson", import.FileName, StringComparison.Ordinal);
        Assert.Equal(System.Text.Encoding.UTF8.GetString(DashboardResource.Load()), import.Ndjson);
        var dashboard = kibana.SavedObject("dashboard", DashboardGenerator.DashboardId);
        Assert.NotNull(dashboard);
        Assert.Equal(DashboardGenerator.DashboardTitle, dashboard["attributes"]!["title"]!.GetValue<string>());
        Assert.Contains($"dashboards: created {kibana.SavedObjectCount}, updated 0, unchanged 0, kept 0", stdout, StringComparison.Ordinal);
        Assert.Contains($"  created dashboard/{DashboardGenerator.DashboardId} (\"{DashboardGenerator.DashboardTitle}\")", stdout, StringComparison.Ordinal);
    }

    private static IConfiguration KibanaConfig(ElasticsearchStandIn es, string kibanaUrl, params (string Key, string? Value)[] more) =>
        Config([("Elasticsearch:Url", es.Url.ToString()), ("Kibana:Url", kibanaUrl), .. more]);

    private static int ShippedObjects => System.Text.Encoding.UTF8.GetString(DashboardResource.Load()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;

    [Fact]
    public async Task Kibana_under_a_base_path_keeps_the_path()
    {
        // Without the fix, "http://host/kibana" + "api/status" resolved to "http://host/api/status" (404 from Kibana).
        await using var es = ElasticsearchStandIn.Start();
        await using var kibana = KibanaStandIn.Start(basePath: "/kibana");
        Assert.EndsWith("/kibana", kibana.Url.AbsoluteUri, StringComparison.Ordinal);

        var (code, _, stderr) = await RunAsync(KibanaConfig(es, kibana.Url.AbsoluteUri, ("Kibana:StartupTimeout", "00:00:05")));

        Assert.True(code == 0, stderr);
        Assert.Single(kibana.Imports);
        Assert.NotNull(kibana.SavedObject("dashboard", DashboardGenerator.DashboardId));
    }

    [Fact]
    public async Task Kibana_space_receives_the_dashboards_and_a_missing_space_is_named()
    {
        await using var es = ElasticsearchStandIn.Start();
        await using var kibana = KibanaStandIn.Start(basePath: "/kibana");
        kibana.AddSpace("marketing");

        var (code, stdout, stderr) = await RunAsync(KibanaConfig(es, kibana.Url.AbsoluteUri, ("Kibana:Space", "marketing")));
        var missing = await RunAsync(KibanaConfig(es, kibana.Url.AbsoluteUri, ("Kibana:Space", "sales")));

        Assert.True(code == 0, stderr);
        Assert.Contains("space marketing", stdout, StringComparison.Ordinal);
        Assert.Equal("marketing", Assert.Single(kibana.Imports).Space);
        Assert.Equal(ShippedObjects, kibana.SavedObjectCountIn("marketing"));
        Assert.Equal(0, kibana.SavedObjectCountIn(KibanaStandIn.DefaultSpace));
        Assert.Equal(1, missing.Code);
        Assert.Contains("no space 'sales'", missing.Err, StringComparison.Ordinal);
        Assert.Contains("Kibana:Space", missing.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Running_again_changes_nothing_and_says_so()
    {
        await using var es = ElasticsearchStandIn.Start();
        await using var kibana = KibanaStandIn.Start();
        var config = KibanaConfig(es, kibana.Url.ToString());

        var first = await RunAsync(config);
        var version = kibana.SavedObject("dashboard", DashboardGenerator.DashboardId)!["version"]!.GetValue<string>();
        var second = await RunAsync(config);

        Assert.True(second.Code == 0, second.Err);
        Assert.Single(kibana.Imports); // nothing to import the second time
        Assert.Equal(version, kibana.SavedObject("dashboard", DashboardGenerator.DashboardId)!["version"]!.GetValue<string>());
        // The data view has no marker: it exists, so it is kept.
        Assert.Contains($"dashboards: created 0, updated 0, unchanged {ShippedObjects - 1}, kept 1", second.Out, StringComparison.Ordinal);
        Assert.Contains($"kept (data view exists) index-pattern/{DashboardGenerator.DataViewId}", second.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dashboard_the_user_changed_is_kept_unless_overwrite()
    {
        await using var es = ElasticsearchStandIn.Start();
        await using var kibana = KibanaStandIn.Start();
        var config = KibanaConfig(es, kibana.Url.ToString());
        await RunAsync(config);
        kibana.SaveFromUi("dashboard", DashboardGenerator.DashboardId, a => a["title"] = "our traffic");

        var rerun = await RunAsync(config);

        Assert.True(rerun.Code == 0, rerun.Err);
        Assert.Equal("our traffic", kibana.SavedObject("dashboard", DashboardGenerator.DashboardId)!["attributes"]!["title"]!.GetValue<string>());
        Assert.Contains($"kept (changed in Kibana since setup wrote it) dashboard/{DashboardGenerator.DashboardId}", rerun.Out, StringComparison.Ordinal);
        Assert.Contains("kept 2", rerun.Out, StringComparison.Ordinal);
        Assert.Contains("--overwrite replaces the kept ones", rerun.Out, StringComparison.Ordinal);

        var overwrite = await RunAsync(config, "setup", "--overwrite");

        Assert.True(overwrite.Code == 0, overwrite.Err);
        Assert.Equal(DashboardGenerator.DashboardTitle, kibana.SavedObject("dashboard", DashboardGenerator.DashboardId)!["attributes"]!["title"]!.GetValue<string>());
        Assert.Contains($"overwritten (--overwrite) dashboard/{DashboardGenerator.DashboardId}", overwrite.Out, StringComparison.Ordinal);
        var last = kibana.Imports[^1];
        Assert.Equal(2, last.Ndjson!.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length); // the dashboard and the data view only
    }

    [Fact]
    public async Task An_object_from_an_older_release_is_updated_and_one_the_user_saved_is_not()
    {
        await using var es = ElasticsearchStandIn.Start();
        await using var kibana = KibanaStandIn.Start();
        var config = KibanaConfig(es, kibana.Url.ToString());
        await RunAsync(config);
        var lensId = LensPanel.ObjectId(LogPipeline.Ingest.Reporting.NginxPanels.All[0]);
        var userLensId = LensPanel.ObjectId(LogPipeline.Ingest.Reporting.NginxPanels.All[1]);
        // An older release's object: still marked by setup, with another hash and content.
        await ImportDirectlyAsync(kibana, lensId, o =>
        {
            o["attributes"]!["title"] = "old title";
            OwnershipMarker.Write(o, "0123456789abcdef");
        });
        kibana.SaveFromUi("lens", userLensId, a => a["title"] = "mine");

        var rerun = await RunAsync(config);

        Assert.True(rerun.Code == 0, rerun.Err);
        Assert.Equal(LogPipeline.Ingest.Reporting.NginxPanels.All[0].Title, kibana.SavedObject("lens", lensId)!["attributes"]!["title"]!.GetValue<string>());
        Assert.Equal("mine", kibana.SavedObject("lens", userLensId)!["attributes"]!["title"]!.GetValue<string>());
        Assert.Contains($"  updated lens/{lensId}", rerun.Out, StringComparison.Ordinal);
        Assert.Contains($"kept (changed in Kibana since setup wrote it) lens/{userLensId}", rerun.Out, StringComparison.Ordinal);
        Assert.Contains("created 0, updated 1", rerun.Out, StringComparison.Ordinal);
    }

    /// <summary>Imports one shipped object, changed by <paramref name="change"/>, straight through Kibana's import API.</summary>
    private static async Task ImportDirectlyAsync(KibanaStandIn kibana, string id, Action<JsonObject> change)
    {
        var line = System.Text.Encoding.UTF8.GetString(DashboardResource.Load()).Split('\n').First(l => l.Contains($"\"id\":\"{id}\"", StringComparison.Ordinal));
        var obj = JsonNode.Parse(line)!.AsObject();
        change(obj);
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Add("kbn-xsrf", "true");
        using var content = new MultipartFormDataContent { { new StringContent(obj.ToJsonString() + "\n"), "file", "old.ndjson" } };
        using var response = await http.PostAsync(new Uri(kibana.Url, "api/saved_objects/_import?overwrite=true"), content, Ct);
        Assert.True(JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["success"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Waits_until_kibana_reports_ready()
    {
        await using var es = ElasticsearchStandIn.Start();
        await using var kibana = KibanaStandIn.Start();
        kibana.NotReadyForRequests = 1;
        var (code, _, stderr) = await RunAsync(Config(("Elasticsearch:Url", es.Url.ToString()), ("Kibana:Url", kibana.Url.ToString())));

        Assert.True(code == 0, stderr);
        Assert.Equal(2, kibana.StatusRequests);
        Assert.Single(kibana.Imports);
    }

    [Fact]
    public async Task Import_answering_200_with_success_false_fails_and_lists_the_errors()
    {
        await using var es = ElasticsearchStandIn.Start();
        await using var kibana = KibanaStandIn.Start();
        kibana.FailImports = true;
        var (code, stdout, stderr) = await RunAsync(Config(("Elasticsearch:Url", es.Url.ToString()), ("Kibana:Url", kibana.Url.ToString())));

        Assert.Equal(1, code);
        Assert.DoesNotContain("setup complete", stdout, StringComparison.Ordinal);
        Assert.Contains("setup failed: Kibana imported 0 objects but failed on", stderr, StringComparison.Ordinal);
        Assert.Contains($"dashboard/{DashboardGenerator.DashboardId}", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refused_credentials_say_which_keys_to_set()
    {
        await using var es = ElasticsearchStandIn.Start();
        await using var kibana = KibanaStandIn.Start();
        kibana.RequiredAuthorization = "ApiKey right";
        var (code, _, stderr) = await RunAsync(Config(
            ("Elasticsearch:Url", es.Url.ToString()), ("Kibana:Url", kibana.Url.ToString()), ("Kibana:ApiKey", "wrong")));

        Assert.Equal(1, code);
        Assert.Contains("refused the credentials (401)", stderr, StringComparison.Ordinal);
        Assert.Contains("Kibana:ApiKey", stderr, StringComparison.Ordinal);
        Assert.Empty(kibana.Imports);
    }

    [Fact]
    public async Task Kibana_credentials_fall_back_to_the_elasticsearch_ones()
    {
        await using var es = ElasticsearchStandIn.Start();
        await using var kibana = KibanaStandIn.Start();
        kibana.RequiredAuthorization = "Basic " + Convert.ToBase64String("elastic:changeme"u8.ToArray());
        var (code, _, stderr) = await RunAsync(Config(
            ("Elasticsearch:Url", es.Url.ToString()), ("Elasticsearch:Username", "elastic"), ("Elasticsearch:Password", "changeme"),
            ("Kibana:Url", kibana.Url.ToString())));

        Assert.True(code == 0, stderr);
        Assert.Single(kibana.Imports);
    }

    [Fact]
    public async Task Too_old_kibana_is_refused_with_the_minimum_version()
    {
        await using var es = ElasticsearchStandIn.Start();
        await using var kibana = KibanaStandIn.Start(version: "8.4.3");
        var (code, _, stderr) = await RunAsync(Config(("Elasticsearch:Url", es.Url.ToString()), ("Kibana:Url", kibana.Url.ToString())));

        Assert.Equal(1, code);
        Assert.Contains("Kibana 8.4.3", stderr, StringComparison.Ordinal);
        Assert.Contains("8.9 or later", stderr, StringComparison.Ordinal);
        Assert.Empty(kibana.Imports);
    }

    [Fact]
    public async Task Unreachable_kibana_times_out_with_advice()
    {
        await using var es = ElasticsearchStandIn.Start();
        var (code, _, stderr) = await RunAsync(Config(
            ("Elasticsearch:Url", es.Url.ToString()), ("Kibana:Url", $"http://127.0.0.1:{ClosedPort()}/"), ("Kibana:StartupTimeout", "00:00:03")));

        Assert.Equal(1, code);
        Assert.Contains("did not become ready within 00:00:03", stderr, StringComparison.Ordinal);
        Assert.Contains("Kibana:StartupTimeout", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreachable_elasticsearch_names_the_url_key()
    {
        var (code, _, stderr) = await RunAsync(Config(("Elasticsearch:Url", $"http://127.0.0.1:{ClosedPort()}/")));

        Assert.Equal(1, code);
        Assert.Contains("is unreachable", stderr, StringComparison.Ordinal);
        Assert.Contains("Elasticsearch:Url", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Configuration_overrides_on_the_command_line_are_not_arguments_but_unknown_arguments_fail()
    {
        await using var es = ElasticsearchStandIn.Start();
        var config = Config(("Elasticsearch:Url", es.Url.ToString()));

        var overrides = await RunAsync(config, "setup", "--Lifecycle:Retention=7d", "--Kibana:StartupTimeout", "00:00:05");
        var unknown = await RunAsync(config, "setup", "--force");

        Assert.True(overrides.Code == 0, overrides.Err);
        Assert.Equal(1, unknown.Code);
        Assert.Contains("got: --force", unknown.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, null, "Elasticsearch:Url is required")]
    [InlineData("Lifecycle:Retention", "thirty days", "Lifecycle:Retention 'thirty days'")]
    [InlineData("Kibana:StartupTimeout", "soon", "Kibana:StartupTimeout")]
    [InlineData("Kibana:Username", "admin", "Kibana:Password is required")]
    [InlineData("Kibana:Space", "Marketing Team", "Kibana:Space 'Marketing Team' must be a space id")]
    public async Task Configuration_errors_name_the_key(string? key, string? value, string expected)
    {
        var values = new List<(string, string?)>();
        if (key is not null)
        {
            values.Add(("Elasticsearch:Url", "http://127.0.0.1:9/"));
            values.Add((key, value));
        }

        var (code, _, stderr) = await RunAsync(Config([.. values]));

        Assert.Equal(1, code);
        Assert.Contains("configuration error", stderr, StringComparison.Ordinal);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
    }

    private static int ClosedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
