using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using k8s.Models;
using LogPipeline.Deploy.Tests.Support;
using LogPipeline.Ingest.Parsing;
using LogPipeline.Testing;
using LogPipeline.Testing.Nginx;
using Xunit;

namespace LogPipeline.Deploy.Tests;

/// <summary>
/// Issue #16: the web pod hands the shipper its namespace, pod, node, container and labels through the Downward API,
/// and nginx writes the log format the ingest worker is configured to read.
/// </summary>
public sealed partial class KubernetesMetadataTests
{
    public static TheoryData<string> Targets => new(Kustomize.Targets);

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Shipper_gets_the_pods_metadata_from_the_downward_api(string target)
    {
        var rendered = await Kustomize.RenderAsync(target);
        var spec = rendered.Single<V1Deployment>("web").Spec.Template.Spec;
        var shipper = Assert.Single(spec.InitContainers, c => c.Name == "shipper");
        var nginx = Assert.Single(spec.Containers);

        Assert.Equal("metadata.namespace", FieldRef(shipper, "Shipper__Metadata__Namespace"));
        Assert.Equal("metadata.name", FieldRef(shipper, "Shipper__Metadata__PodName"));
        Assert.Equal("metadata.uid", FieldRef(shipper, "Shipper__Metadata__PodUid"));
        Assert.Equal("spec.nodeName", FieldRef(shipper, "Shipper__Metadata__NodeName"));
        Assert.Equal("kubernetes", shipper.Env("Shipper__Metadata__Orchestrator"));
        // The container that writes the log the shipper follows, not the shipper itself.
        Assert.Equal(nginx.Name, shipper.Env("Shipper__Metadata__ContainerName"));

        // The labels file sits on a read-only Downward API volume holding metadata.labels at that path.
        var labelsFile = shipper.Env("Shipper__Metadata__LabelsFile");
        Assert.False(string.IsNullOrEmpty(labelsFile));
        var mount = Assert.Single(shipper.VolumeMounts, m => labelsFile.StartsWith(m.MountPath.TrimEnd('/') + "/", StringComparison.Ordinal));
        Assert.True(mount.ReadOnlyProperty);
        var volume = Assert.Single(spec.Volumes, v => v.Name == mount.Name);
        Assert.NotNull(volume.DownwardAPI);
        var item = Assert.Single(volume.DownwardAPI.Items, i => i.Path == labelsFile[(mount.MountPath.TrimEnd('/').Length + 1)..]);
        Assert.Equal("metadata.labels", item.FieldRef?.FieldPath);

        // The pod carries the label service.name is taken from.
        Assert.Contains("app.kubernetes.io/name", rendered.Single<V1Deployment>("web").Spec.Template.Metadata.Labels.Keys);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Ingest_reads_the_log_format_the_web_pods_nginx_writes(string target)
    {
        var rendered = await Kustomize.RenderAsync(target);
        var web = rendered.Single<V1Deployment>("web").Spec.Template.Spec;
        var confMap = Assert.Single(web.Volumes, v => v.ConfigMap is not null && v.Name == "nginx-conf").ConfigMap.Name;
        var conf = Assert.Single(rendered.All<V1ConfigMap>(), c => c.Metadata.Name == confMap).Data["nginx.conf"];
        var ingest = Assert.Single(rendered.Single<V1Deployment>("ingest").Spec.Template.Spec.Containers);

        AssertSameFormat(conf, ingest.Env("Parsing__LogFormat"));
    }

    [Fact]
    public void Compose_ingest_reads_the_log_format_its_nginx_writes()
    {
        var compose = Yaml.LoadMapping(Repo.Read("docker-compose.yml")).Map("services");

        AssertSameFormat(Repo.Read("deploy/nginx/nginx.conf"), compose.Map("ingest").Environment()["Parsing__LogFormat"]);
    }

    [Fact]
    public void The_recommended_format_keeps_the_one_old_file_50KB_rotation()
    {
        var env = Yaml.LoadMapping(Repo.Read("docker-compose.yml")).Map("services").Map("shipper").Environment();

        Assert.Equal("51200", env["Shipper__Rotation__MaxBytes"]);
        Assert.Equal("1", env["Shipper__Rotation__Keep"]);
    }

    /// <summary>
    /// The real nginx with the repo's <c>log_format logpipeline</c> writes a line the ingest worker's configured format
    /// parses into the fields issue #16 asks for (a format drift between nginx.conf and the parser fails here).
    /// </summary>
    [Fact]
    [Trait(TestTier.Name, TestTier.Process)]
    public async Task Nginx_lines_in_the_recommended_format_parse_into_site_timing_and_size()
    {
        NginxServer.SkipUnlessInstalled();
        var body = LogFormatBody(Repo.Read("deploy/nginx/nginx.conf"), "logpipeline");
        await using var nginx = await NginxServer.StartAsync(logFormat: body);
        using (var http = new HttpClient { BaseAddress = nginx.BaseAddress })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/shop/cart?item=42");
            request.Headers.Host = "shop.example.com";
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("curl", "8.5.0"));
            request.Headers.Add("X-Forwarded-For", "203.0.113.9, 10.0.0.1");
            using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.True(response.IsSuccessStatusCode);
        }

        var line = await ReadFirstLineAsync(nginx.AccessLogPath);
        var format = AccessLogFormat.Compile("logpipeline");
        var bytes = Encoding.UTF8.GetBytes(line);
        var error = format.TryParse(bytes, new byte[bytes.Length], out var record);

        Assert.True(error is null, $"'{line}': {error}");
        Assert.Equal("shop.example.com", Encoding.UTF8.GetString(record.Host));
        Assert.Equal("203.0.113.9, 10.0.0.1", Encoding.UTF8.GetString(record.XForwardedFor));
        Assert.NotNull(record.RequestTime);
        Assert.True(record.RequestLength > 0);
        Assert.True(record.UpstreamAddr.IsEmpty); // no proxying in this server: nginx writes "-"
        Assert.True(record.SslProtocol.IsEmpty); // plain HTTP
        Assert.Equal("/shop/cart", Encoding.UTF8.GetString(record.Path));
        Assert.Equal(200, record.Status);
    }

    private static void AssertSameFormat(string nginxConf, string? configured)
    {
        var used = AccessLogName().Match(nginxConf);
        Assert.True(used.Success, "nginx.conf writes /var/log/nginx/access.log with a named format");
        var name = used.Groups[1].Value;
        Assert.Equal("logpipeline", name);
        Assert.Equal(name, configured);

        // The preset the worker compiles is exactly the body nginx.conf declares.
        Assert.Equal(AccessLogFormat.LogPipeline, LogFormatBody(nginxConf, name));
        Assert.True(AccessLogFormat.TryCompile(configured, out _, out var error), error);
    }

    private static string LogFormatBody(string nginxConf, string name)
    {
        var m = Regex.Match(nginxConf, $@"^\s*log_format\s+{Regex.Escape(name)}\s+((?:'[^']*'\s*)+);", RegexOptions.Multiline);
        Assert.True(m.Success, $"nginx.conf declares no log_format {name}");
        return string.Concat(QuotedPiece().Matches(m.Groups[1].Value).Select(p => p.Groups[1].Value));
    }

    private static string? FieldRef(V1Container container, string name) =>
        Assert.Single(container.Env, e => e.Name == name).ValueFrom?.FieldRef?.FieldPath;

    private static async Task<string> ReadFirstLineAsync(string path)
    {
        // nginx writes the line after the response is sent: wait for it briefly.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var text = File.Exists(path) ? await File.ReadAllTextAsync(path) : string.Empty;
            var newline = text.IndexOf('\n', StringComparison.Ordinal);
            if (newline >= 0)
            {
                return text[..newline];
            }

            Assert.True(DateTime.UtcNow < deadline, "nginx wrote no access-log line within 10 s");
            await Task.Delay(20);
        }
    }

    [GeneratedRegex(@"^\s*access_log\s+/var/log/nginx/access\.log\s+(\S+);", RegexOptions.Multiline)]
    private static partial Regex AccessLogName();

    [GeneratedRegex("'([^']*)'")]
    private static partial Regex QuotedPiece();
}
