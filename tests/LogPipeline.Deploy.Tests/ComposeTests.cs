using System.Globalization;
using System.Text.RegularExpressions;
using LogPipeline.Deploy.Tests.Support;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace LogPipeline.Deploy.Tests;

/// <summary>docker-compose.yml: the laptop stack.</summary>
public sealed class ComposeTests
{
    private static readonly string[] ExpectedServices =
        ["web-pod", "nginx", "shipper", "kafka", "kafka-init", "elasticsearch", "kibana", "setup", "ingest", "traffic"];

    private static YamlMappingNode Compose() => Yaml.LoadMapping(Repo.Read("docker-compose.yml"));

    private static YamlMappingNode Services(YamlMappingNode compose) => compose.Map("services");

    [Fact]
    public void Has_every_service_with_a_pinned_image()
    {
        var services = Services(Compose());
        Assert.Equal(ExpectedServices.Order(StringComparer.Ordinal), services.Keys().Order(StringComparer.Ordinal));
        foreach (var name in services.Keys())
        {
            var image = services.Map(name).Str("image");
            Assert.False(string.IsNullOrEmpty(image), $"{name}: no image");
            Assert.True(K8sExtensions.IsPinned(image), $"{name}: image '{image}' is not pinned");
        }
    }

    [Fact]
    public void Log_hand_off_is_a_tmpfs_volume_shared_by_nginx_and_the_shipper()
    {
        var compose = Compose();
        var volume = compose.Map("volumes").Map("nginx-logs");
        var opts = volume.Map("driver_opts");
        Assert.Equal("tmpfs", opts.Str("type"));
        var size = Regex.Match(opts.Str("o")!, @"size=(\d+)([km])");
        Assert.True(size.Success, "the tmpfs needs a size");
        var bytes = long.Parse(size.Groups[1].Value, CultureInfo.InvariantCulture) * (size.Groups[2].Value == "m" ? 1024 * 1024 : 1024);
        var env = Services(compose).Map("shipper").Environment();
        var backlog = long.Parse(env["Shipper__MaxBacklogBytes"], CultureInfo.InvariantCulture);
        var rotation = long.Parse(env["Shipper__Rotation__MaxBytes"], CultureInfo.InvariantCulture);
        Assert.True(backlog + (2 * rotation) <= bytes, $"shipper backlog {backlog} does not fit the {bytes}-byte tmpfs");

        var services = Services(compose);
        Assert.Contains(services.Map("nginx").Mounts(), m => m is { Source: "nginx-logs", Target: "/var/log/nginx", ReadOnly: false });
        Assert.Contains(services.Map("shipper").Mounts(), m => m is { Source: "nginx-logs", Target: "/var/log/nginx", ReadOnly: false });

        var conf = Repo.Read("deploy/nginx/nginx.conf");
        Assert.Contains("access_log  /var/log/nginx/access.log logpipeline;", conf, StringComparison.Ordinal);
        Assert.Contains("real_ip_header    X-Forwarded-For;", conf, StringComparison.Ordinal);
    }

    [Fact]
    public void Shipper_shares_a_pid_namespace_with_nginx_and_rotates_at_50KB()
    {
        var services = Services(Compose());
        var shipper = services.Map("shipper");
        var nginx = services.Map("nginx");

        // Same namespace: the pid in nginx's pid file is the shipper's view of nginx too.
        Assert.NotNull(nginx.Str("pid"));
        Assert.Equal(nginx.Str("pid"), shipper.Str("pid"));
        Assert.Equal(nginx.Str("user"), shipper.Str("user")); // same uid: allowed to signal nginx

        var env = shipper.Environment();
        Assert.Equal("/var/log/nginx/access.log", env["Shipper__Path"]);
        Assert.Equal("51200", env["Shipper__Rotation__MaxBytes"]);
        Assert.Equal("1", env["Shipper__Rotation__Keep"]);
        Assert.Equal("kafka:9092", env["Kafka__BootstrapServers"]);
        Assert.Equal("nginx-access", env["Kafka__Topic"]);

        // The pid file is on a volume both mount, where nginx.conf writes it.
        var pidFile = env["Shipper__Rotation__PidFile"];
        var pidDir = Path.GetDirectoryName(pidFile)!;
        var shipperVolume = shipper.Mounts().Single(m => m.Target == pidDir).Source;
        Assert.Contains(nginx.Mounts(), m => m.Source == shipperVolume && m.Target == pidDir && !m.ReadOnly);
        Assert.Contains($"pid               {pidFile};", Repo.Read("deploy/nginx/nginx.conf"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_pod_service_owns_the_pid_namespace_so_neither_nginx_nor_the_shipper_is_its_init()
    {
        // The init of a PID namespace takes every process in it down when it exits: neither nginx
        // nor the shipper may be it, or an nginx crash SIGKILLs the shipper before it drains.
        var services = Services(Compose());
        var nginx = services.Map("nginx");
        var shipper = services.Map("shipper");
        var pid = nginx.Str("pid");
        Assert.NotNull(pid);
        Assert.StartsWith("service:", pid, StringComparison.Ordinal);
        var ownerName = pid["service:".Length..];
        Assert.NotEqual("nginx", ownerName);
        Assert.NotEqual("shipper", ownerName);
        Assert.Equal(pid, shipper.Str("pid"));

        var owner = services.Map(ownerName);
        Assert.Null(owner.Str("pid")); // it owns its namespace
        // The pause container: sleeps, reaps orphans (nginx workers of a crashed master), exits on SIGTERM.
        Assert.StartsWith("registry.k8s.io/pause:", owner.Str("image"), StringComparison.Ordinal);
        Assert.Null(owner.Get("command"));
        Assert.Null(owner.Get("entrypoint"));

        // Both start after it; a crashed nginx comes back, and the shipper is restarted whatever its exit code.
        foreach (var (name, service) in new[] { ("nginx", nginx), ("shipper", shipper) })
        {
            Assert.Equal("service_started", service.Map("depends_on").Map(ownerName).Str("condition"));
            Assert.Contains(service.Str("restart"), new[] { "unless-stopped", "always" });
        }

        Assert.Contains(owner.Str("restart"), new[] { "unless-stopped", "always" });
        Assert.Equal("service_healthy", shipper.Map("depends_on").Map("nginx").Str("condition"));
    }

    [Fact]
    public void The_pod_service_holds_the_hand_off_volumes_and_no_mount_copies_image_content_into_them()
    {
        var compose = Compose();
        var services = Services(compose);
        var owner = services.Map(services.Map("nginx").Str("pid")!["service:".Length..]);

        // Docker drops a tmpfs volume's content when the last container using it stops: the pod
        // service keeps the log, the pid file and the checkpoints across nginx/shipper restarts.
        var shipperEnv = services.Map("shipper").Environment();
        var handOff = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["nginx-logs"] = Path.GetDirectoryName(shipperEnv["Shipper__Path"])!,
            ["nginx-run"] = Path.GetDirectoryName(shipperEnv["Shipper__Rotation__PidFile"])!,
            ["shipper-state"] = shipperEnv["Shipper__StateDirectory"],
        };
        foreach (var (volume, target) in handOff)
        {
            Assert.Equal("tmpfs", compose.Map("volumes").Map(volume).Map("driver_opts").Str("type"));
            Assert.Contains(owner.Mounts(), m => m.Source == volume && m.Target == target);
            Assert.Contains(services.Map("shipper").Mounts(), m => m.Source == volume && m.Target == target);
        }

        // nocopy on every mount of the hand-off volumes: nginx's image has access.log -> /dev/stdout
        // symlinks in /var/log/nginx that Docker would otherwise copy into the empty volume.
        var mounts = services.Keys()
            .SelectMany(name => services.Map(name).Mounts().Select(m => (name, m)))
            .Where(x => handOff.ContainsKey(x.m.Source))
            .ToList();
        Assert.True(mounts.Count >= 7, $"{mounts.Count} mounts of the hand-off volumes");
        Assert.All(mounts, x => Assert.True(x.m.LongSyntax && x.m.NoCopy, $"{x.name}: {x.m.Source} -> {x.m.Target} without volume.nocopy"));
    }

    [Fact]
    public void Stop_grace_periods_cover_the_drains()
    {
        var services = Services(Compose());
        var drain = TimeSpan.Parse(services.Map("shipper").Environment()["Shipper__ShutdownGracePeriod"], CultureInfo.InvariantCulture);
        // The shipper's host waits its grace period + 5 s (docs/shipper.md) before it gives up.
        Assert.True(Seconds(services.Map("shipper").Str("stop_grace_period")) >= drain.TotalSeconds + 5, "shipper stop_grace_period");
        var nginxQuit = NginxConf.WorkerShutdownTimeoutSeconds(Repo.Read("deploy/nginx/nginx.conf"));
        Assert.True(Seconds(services.Map("nginx").Str("stop_grace_period")) > nginxQuit, "nginx stop_grace_period must outlast worker_shutdown_timeout");

        static double Seconds(string? value)
        {
            var m = Regex.Match(value ?? string.Empty, @"^(\d+)s$");
            Assert.True(m.Success, $"stop_grace_period '{value}' (expected e.g. 30s)");
            return double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        }
    }

    [Fact]
    public void Every_published_port_is_bound_to_loopback()
    {
        var services = Services(Compose());
        var ports = services.Keys().SelectMany(s => services.Map(s).Strings("ports").Select(p => (s, p))).ToList();
        Assert.NotEmpty(ports);
        Assert.All(ports, p => Assert.True(p.p.StartsWith("127.0.0.1:", StringComparison.Ordinal), $"{p.s}: port {p.p} not bound to 127.0.0.1"));
    }

    [Fact]
    public void Start_order_uses_healthchecks()
    {
        var services = Services(Compose());
        foreach (var name in new[] { "nginx", "kafka", "elasticsearch", "kibana" })
        {
            var test = services.Map(name).Map("healthcheck").Strings("test");
            Assert.NotEmpty(test);
        }

        // service_healthy only on services that have a healthcheck; chiseled images (no shell,
        // no curl) have none, so dependants use service_started.
        foreach (var name in services.Keys())
        {
            if (services.Map(name).Get("depends_on") is not YamlMappingNode deps)
            {
                continue;
            }

            foreach (var dep in deps.Keys())
            {
                var condition = deps.Map(dep).Str("condition");
                var depHasHealthcheck = services.Map(dep).Get("healthcheck") is not null;
                if (condition == "service_healthy")
                {
                    Assert.True(depHasHealthcheck, $"{name} waits for {dep} to be healthy, but {dep} has no healthcheck");
                }
                else
                {
                    Assert.Contains(condition, new[] { "service_started", "service_completed_successfully" });
                }
            }
        }

        static string? Cond(YamlMappingNode s, string name, string dep) => s.Map(name).Map("depends_on").Map(dep).Str("condition");
        Assert.Equal("service_healthy", Cond(services, "shipper", "nginx"));
        Assert.Equal("service_completed_successfully", Cond(services, "shipper", "kafka-init"));
        Assert.Equal("service_healthy", Cond(services, "kafka-init", "kafka"));
        Assert.Equal("service_healthy", Cond(services, "kibana", "elasticsearch"));
        Assert.Equal("service_healthy", Cond(services, "setup", "kibana"));
        // The worker installs its index template before its first write, so it does not wait for `setup`.
        Assert.Equal("service_healthy", Cond(services, "ingest", "elasticsearch"));
        Assert.DoesNotContain("setup", services.Map("ingest").Map("depends_on").Keys());
        Assert.Equal("service_healthy", Cond(services, "traffic", "nginx"));
    }

    [Fact]
    public void Data_lives_on_named_volumes_and_setup_targets_kibana()
    {
        var compose = Compose();
        var services = Services(compose);
        var volumes = compose.Map("volumes").Keys().ToHashSet(StringComparer.Ordinal);
        Assert.Contains("kafka-data", volumes);
        Assert.Contains("es-data", volumes);
        Assert.Contains(services.Map("kafka").Mounts(), m => m.Source == "kafka-data");
        Assert.Contains(services.Map("elasticsearch").Mounts(), m => m.Source == "es-data");

        Assert.Equal(["setup"], services.Map("setup").Strings("command"));
        Assert.Equal("http://kibana:5601", services.Map("setup").Environment()["Kibana__Url"]);

        // The laptop profile runs Elasticsearch without security, and says so.
        Assert.Equal("false", services.Map("elasticsearch").Environment()["xpack.security.enabled"]);
        Assert.Contains("security DISABLED", Repo.Read("docker-compose.yml"), StringComparison.Ordinal);

        // Build contexts and mounted files exist.
        foreach (var name in services.Keys())
        {
            if (services.Map(name).Get("build") is YamlMappingNode build)
            {
                Assert.True(File.Exists(Repo.PathOf(build.Str("dockerfile")!)), $"{name}: missing Dockerfile");
            }

            foreach (var source in services.Map(name).Mounts().Select(m => m.Source).Where(v => v.StartsWith("./", StringComparison.Ordinal)))
            {
                Assert.True(Path.Exists(Repo.PathOf(source[2..])), $"{name}: mounted path {source} does not exist");
            }
        }
    }

    [Fact]
    public void Application_settings_are_documented_contract_keys()
    {
        var services = Services(Compose());
        foreach (var name in new[] { "shipper", "ingest", "setup" })
        {
            foreach (var key in services.Map(name).Environment().Keys.Where(k => k.Contains("__", StringComparison.Ordinal)))
            {
                Assert.True(Support.Contracts.IsDocumented(key), $"{name}: {key} is not a key in docs/contracts.md");
            }
        }
    }

    [Fact]
    public async Task Docker_compose_accepts_the_file()
    {
        var ct = TestContext.Current.CancellationToken;
        string fileName;
        string[] prefix;
        if (Proc.Which("docker-compose") is { } v1)
        {
            (fileName, prefix) = (v1, []);
        }
        else if (Proc.Which("docker") is { } docker
            && (await Proc.RunAsync(docker, ["compose", "version"], cancellationToken: ct)).ExitCode == 0)
        {
            (fileName, prefix) = (docker, ["compose"]);
        }
        else
        {
            Assert.Skip("neither docker-compose nor the docker compose plugin is installed (apt-get install -y docker-compose)");
            return;
        }

        var result = await Proc.RunAsync(fileName, [.. prefix, "-f", Repo.PathOf("docker-compose.yml"), "config"], cancellationToken: ct);
        Assert.True(result.ExitCode == 0, result.ToString());

        // The normalised model keeps the invariants.
        var config = Yaml.LoadMapping(result.StdOut);
        var services = config.Map("services");
        Assert.Equal("service:web-pod", services.Map("shipper").Str("pid"));
        Assert.Equal("service:web-pod", services.Map("nginx").Str("pid"));
        Assert.Null(services.Map("web-pod").Str("pid"));
        Assert.All(
            new[] { "web-pod", "nginx", "shipper" }.SelectMany(s => services.Map(s).Mounts()).Where(m => m.Source == "nginx-logs"),
            m => Assert.True(m.NoCopy, $"nginx-logs -> {m.Target} without nocopy in the normalised model"));
        Assert.Equal("tmpfs", config.Map("volumes").Map("nginx-logs").Map("driver_opts").Str("type"));
        Assert.Equal(ExpectedServices.Length, services.Keys().Count());
        foreach (var name in services.Keys())
        {
            foreach (var port in services.Map(name).Get("ports") is YamlSequenceNode seq ? seq.Children : [])
            {
                var text = port is YamlScalarNode s ? s.Value! : port.Str("host_ip")!;
                Assert.StartsWith("127.0.0.1", text, StringComparison.Ordinal);
            }
        }
    }
}
