using System.Globalization;
using System.Net;
using System.Net.Sockets;
using LogPipeline.Deploy.Tests.Support;
using Xunit;

namespace LogPipeline.Deploy.Tests;

/// <summary>Shell scripts, the nginx configuration and the traffic generator.</summary>
public sealed class ScriptTests
{
    public static TheoryData<string, string> Scripts => new()
    {
        { "build/publish-shipper.sh", "bash" },
        { "deploy/kafka/create-topics.sh", "bash" },
        { "k8s/base/kafka/create-topics.sh", "bash" },
        { "k8s/secrets/create-secrets.sh", "bash" },
        // POSIX sh: they run in busybox (curl image); dash is the strictest sh at hand.
        { "deploy/traffic/generate.sh", "dash" },
        { "k8s/base/elasticsearch/setup-users.sh", "dash" },
        // Readiness probes: /bin/sh in the Kafka (alpine, busybox) and Elasticsearch images.
        { "k8s/base/kafka/readiness.sh", "dash" },
        { "k8s/base/elasticsearch/readiness.sh", "dash" },
    };

    [Theory]
    [MemberData(nameof(Scripts))]
    public async Task Shell_scripts_parse(string path, string shell)
    {
        var exe = Proc.Which(shell) ?? Proc.Which("sh");
        if (exe is null)
        {
            Assert.Skip($"no {shell} to check {path}");
        }

        var result = await Proc.RunAsync(exe, ["-n", Repo.PathOf(path)], cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("#!", Repo.Read(path), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("deploy/nginx/nginx.conf", "k8s/base/web/nginx.conf")]
    [InlineData("deploy/kafka/create-topics.sh", "k8s/base/kafka/create-topics.sh")]
    public void Kubernetes_copies_match_the_compose_files(string compose, string k8s)
    {
        // kustomize only loads files under k8s/, so these are copies; keep them identical.
        Assert.Equal(Repo.Read(compose), Repo.Read(k8s));
    }

    [Fact]
    public async Task Publish_script_requires_an_output_directory()
    {
        if (Proc.Which("bash") is not { } bash)
        {
            Assert.Skip("bash is not installed");
            return;
        }

        var result = await Proc.RunAsync(bash, [Repo.PathOf("build/publish-shipper.sh")], cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("usage:", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void Ingest_user_of_the_users_job_is_the_one_the_worker_logs_in_with()
    {
        var script = Repo.Read("k8s/base/elasticsearch/setup-users.sh");
        var deployment = Repo.Read("k8s/base/ingest/deployment.yaml");
        Assert.Contains("/_security/user/logpipeline_ingest", script, StringComparison.Ordinal);
        Assert.Contains("value: logpipeline_ingest", deployment, StringComparison.Ordinal);
        Assert.Contains("logs-logpipeline.nginx-*", script, StringComparison.Ordinal);
        Assert.Contains("/_security/user/kibana_system/_password", script, StringComparison.Ordinal);
    }

    /// <summary>The shipped nginx.conf with its absolute paths moved into <paramref name="dir"/>.</summary>
    private static string LocalConf(string dir, int port)
    {
        var html = Directory.CreateDirectory(Path.Combine(dir, "html")).FullName;
        File.WriteAllText(Path.Combine(html, "index.html"), "<h1>LogPipeline</h1>\n");
        File.WriteAllText(Path.Combine(html, "50x.html"), "error\n");
        Directory.CreateDirectory(Path.Combine(dir, "log"));
        Directory.CreateDirectory(Path.Combine(dir, "run"));
        Directory.CreateDirectory(Path.Combine(dir, "tmp"));
        var conf = Repo.Read("deploy/nginx/nginx.conf")
            .Replace("/run/nginx/", dir + "/run/", StringComparison.Ordinal)
            .Replace("/var/log/nginx/", dir + "/log/", StringComparison.Ordinal)
            .Replace("/tmp/nginx-", dir + "/tmp/nginx-", StringComparison.Ordinal)
            .Replace("/usr/share/nginx/html", html, StringComparison.Ordinal)
            .Replace("listen       8080", "listen       127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var path = Path.Combine(dir, "nginx.conf");
        File.WriteAllText(path, conf);
        return path;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task Nginx_accepts_the_configuration()
    {
        if (Proc.Which("nginx") is not { } nginx || !File.Exists("/etc/nginx/mime.types"))
        {
            Assert.Skip("nginx is not installed (apt-get install -y nginx)");
            return;
        }

        var dir = Directory.CreateTempSubdirectory("lp-nginx-conf-").FullName;
        try
        {
            var conf = LocalConf(dir, FreePort());
            var result = await Proc.RunAsync(nginx, ["-t", "-e", "stderr", "-p", dir, "-c", conf], cancellationToken: TestContext.Current.CancellationToken);
            Assert.True(result.ExitCode == 0, result.ToString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Traffic_generator_produces_varied_countries_agents_and_statuses()
    {
        var ct = TestContext.Current.CancellationToken;
        if (Proc.Which("nginx") is not { } nginx || !File.Exists("/etc/nginx/mime.types"))
        {
            Assert.Skip("nginx is not installed (apt-get install -y nginx)");
            return;
        }

        if (Proc.Which("curl") is null || Proc.Which("od") is null)
        {
            Assert.Skip("curl or od is not installed: the traffic generator needs both");
            return;
        }

        var dir = Directory.CreateTempSubdirectory("lp-nginx-traffic-").FullName;
        var port = FreePort();
        var conf = LocalConf(dir, port);
        using var server = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(nginx)
        {
            ArgumentList = { "-e", "stderr", "-p", dir, "-c", conf, "-g", "daemon off;" },
            UseShellExecute = false,
        })!;
        try
        {
            var url = $"http://127.0.0.1:{port}";
            using (var http = new HttpClient())
            {
                for (var i = 0; ; i++)
                {
                    try
                    {
                        using var response = await http.GetAsync(new Uri(url + "/nginx-health"), ct);
                        if (response.IsSuccessStatusCode)
                        {
                            break;
                        }
                    }
                    catch (HttpRequestException) when (i < 50)
                    {
                    }

                    await Task.Delay(100, ct);
                }
            }

            var sh = Proc.Which("dash") ?? Proc.Which("sh")!;
            var result = await Proc.RunAsync(
                sh,
                [Repo.PathOf("deploy/traffic/generate.sh")],
                environment: new Dictionary<string, string> { ["TARGET_URL"] = url, ["COUNT"] = "60", ["BURST"] = "60", ["INTERVAL"] = "0" },
                timeout: TimeSpan.FromMinutes(2),
                cancellationToken: ct);
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains("sent 60 requests", result.StdOut, StringComparison.Ordinal);

            var lines = (await File.ReadAllLinesAsync(Path.Combine(dir, "log", "access.log"), ct))
                .Where(l => !l.Contains("/nginx-health", StringComparison.Ordinal))
                .ToList();
            Assert.Equal(60, lines.Count);

            // realip: the client address is the X-Forwarded-For one, never loopback.
            var clients = lines.Select(l => l.Split(' ')[0]).ToList();
            Assert.DoesNotContain("127.0.0.1", clients);
            Assert.True(clients.Select(c => c[..c.LastIndexOf('.')]).Distinct().Count() >= 5, "expected several client networks");

            var statuses = lines.Select(l => l.Split('"')[2].Trim().Split(' ')[0]).Distinct().ToList();
            Assert.True(statuses.Count >= 3, "expected several status codes: " + string.Join(',', statuses));
            var agents = lines.Select(l => l.Split('"')[5]).Distinct().Count();
            Assert.True(agents >= 4, "expected several user agents");
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync(CancellationToken.None);
            Directory.Delete(dir, recursive: true);
        }
    }
}
