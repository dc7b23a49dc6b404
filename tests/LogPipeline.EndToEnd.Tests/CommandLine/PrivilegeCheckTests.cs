using System.IO.Compression;
using System.Net;
using System.Text;
using LogPipeline.Hosting.CommandLine;
using LogPipeline.Ingest.Checking;
using LogPipeline.Ingest.Elasticsearch;
using LogPipeline.Ingest.Indexing;
using LogPipeline.Ingest.Setup;

namespace LogPipeline.EndToEnd.Tests.CommandLine;

/// <summary>
/// The ingest check's Elasticsearch part with credentials configured, against a minimal double of the three
/// endpoints it calls (the Elasticsearch stand-in has no security API): <c>GET /</c>, the index template and
/// <c>_security/user/_has_privileges</c> answering granted, not granted, and "security disabled".
/// </summary>
public sealed class PrivilegeCheckTests
{
    public static TheoryData<int, string, int, string> Answers => new()
    {
        { 200, """{"username":"ingest","has_all_requested":true,"index":{"logs-logpipeline.nginx-default":{"create_doc":true,"auto_configure":true}}}""", 0, "✓ write permission on logs-logpipeline.nginx-default: create_doc, auto_configure granted" },
        { 200, """{"username":"ingest","has_all_requested":false,"index":{"logs-logpipeline.nginx-default":{"create_doc":true,"auto_configure":false}}}""", 1, "✗ write permission on logs-logpipeline.nginx-default: missing auto_configure — grant" },
        { 500, """{"error":{"root_cause":[{"type":"exception","reason":"Security must be explicitly enabled when using a [basic] license. Enable security by setting [xpack.security.enabled] to [true] in the elasticsearch.yml file and restart the node."}],"type":"exception","reason":"Security must be explicitly enabled when using a [basic] license."},"status":500}""", 0, "✓ write permission on logs-logpipeline.nginx-default: security is disabled" },
        { 403, """{"error":{"type":"security_exception","reason":"action [cluster:admin/xpack/security/user/has_privileges] is unauthorized"},"status":403}""", 1, "✗ write permission on logs-logpipeline.nginx-default: _has_privileges answered 403" },
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public async Task Reports_the_privileges_of_the_configured_user(int status, string answer, int exitCode, string expected)
    {
        var url = new Uri($"http://127.0.0.1:{Harness.WorkerProcess.FreePort()}/");
        using var listener = new HttpListener();
        listener.Prefixes.Add(url.ToString());
        listener.Start();
        string? privilegeRequest = null;
        var serving = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                try
                {
                    privilegeRequest = await ServeAsync(await listener.GetContextAsync(), status, answer) ?? privilegeRequest;
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }
            }
        });

        using var output = new StringWriter();
        var report = new CheckReport(output);
        var options = new ElasticsearchOptions { Url = url, Username = "ingest", Password = "secret" };
        await IngestCheck.CheckElasticsearchAsync(report, options, TestContext.Current.CancellationToken);
        listener.Stop();
        await Task.WhenAny(serving, Task.Delay(1000));

        Assert.Contains(expected, output.ToString(), StringComparison.Ordinal);
        Assert.Equal(exitCode, report.ExitCode);
        Assert.Contains("\"create_doc\"", privilegeRequest, StringComparison.Ordinal);
        Assert.Contains("\"logs-logpipeline.nginx-default\"", privilegeRequest, StringComparison.Ordinal);
        Assert.Contains("✓ index template ", output.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Answers one request; returns the body of a privileges request, else null.</summary>
    private static async Task<string?> ServeAsync(HttpListenerContext context, int status, string answer)
    {
        var path = context.Request.Url!.AbsolutePath;
        var input = string.Equals(context.Request.Headers["Content-Encoding"], "gzip", StringComparison.OrdinalIgnoreCase)
            ? new GZipStream(context.Request.InputStream, CompressionMode.Decompress)
            : context.Request.InputStream;
        using var reader = new StreamReader(input);
        var body = await reader.ReadToEndAsync();
        var template = "/_index_template/" + TemplateNames.Default.IndexTemplate;
        var (code, text) = path switch
        {
            "/" => (200, """{"version":{"number":"9.1.0"},"tagline":"You Know, for Search"}"""),
            _ when path == template => (200, """{"index_templates":[{"name":"t","index_template":{"index_patterns":["logs-logpipeline.nginx-*"]}}]}"""),
            "/_security/user/_has_privileges" => (status, answer),
            _ => (404, "{}"),
        };
        context.Response.StatusCode = code;
        context.Response.Headers["X-Elastic-Product"] = "Elasticsearch";
        context.Response.ContentType = "application/json";
        await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes(text));
        context.Response.Close();
        return path == "/_security/user/_has_privileges" ? body : null;
    }
}
