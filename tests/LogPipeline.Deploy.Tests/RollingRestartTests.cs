using System.Globalization;
using System.Text.RegularExpressions;
using k8s.Models;
using LogPipeline.Deploy.Tests.Support;
using Xunit;

namespace LogPipeline.Deploy.Tests;

/// <summary>
/// What a rolling restart or a node drain relies on: readiness that means "caught up" for the
/// stateful sets (so the StatefulSet controller and the PDBs wait), names that resolve in any
/// cluster domain, rollouts that never drop capacity, and grace periods that cover the drains.
/// </summary>
public sealed class RollingRestartTests
{
    public static TheoryData<string, int> Sizes => new()
    {
        { "k8s/base", 3 },
        { "k8s/overlays/prod", 3 },
        { "k8s/overlays/dev", 1 },
    };

    public static TheoryData<string> Targets => new(Kustomize.Targets);

    /// <summary>The probe's script as rendered into the ConfigMap mounted where the probe runs it.</summary>
    private static string ProbeScript(Rendered rendered, V1StatefulSet sts, V1Container container, V1Probe probe, out V1ConfigMap configMap)
    {
        Assert.Null(probe.TcpSocket);
        Assert.Null(probe.HttpGet);
        var command = Assert.IsAssignableFrom<IList<string>>(probe.Exec?.Command);
        Assert.Equal(["/bin/sh", "/probes/readiness.sh"], command);
        var mount = Assert.Single(container.VolumeMounts, m => m.MountPath == "/probes");
        Assert.True(mount.ReadOnlyProperty);
        var volume = Assert.Single(sts.Spec.Template.Spec.Volumes, v => v.Name == mount.Name);
        var name = volume.ConfigMap.Name;
        configMap = Assert.Single(rendered.All<V1ConfigMap>(), c => c.Metadata.Name == name);
        return configMap.Data["readiness.sh"];
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Kafka_is_ready_when_in_sync_not_when_its_port_is_open(string target)
    {
        var rendered = await Kustomize.RenderAsync(target);
        var sts = rendered.Single<V1StatefulSet>("kafka");
        var kafka = Assert.Single(sts.Spec.Template.Spec.Containers);
        var probe = kafka.ReadinessProbe;
        Assert.NotNull(probe);

        var script = ProbeScript(rendered, sts, kafka, probe, out var configMap);
        Assert.Equal(Repo.Read("k8s/base/kafka/readiness.sh"), script);
        Assert.Contains("--under-replicated-partitions", script, StringComparison.Ordinal);
        Assert.Contains("KAFKA_NODE_ID", script, StringComparison.Ordinal);
        Assert.Equal("metadata.labels['apps.kubernetes.io/pod-index']", Assert.Single(kafka.Env, e => e.Name == "KAFKA_NODE_ID").ValueFrom.FieldRef.FieldPath);

        // A JVM tool: the admin client gives up before the script's own limit, which ends before
        // kubelet's timeout, and runs are far enough apart not to pile up.
        var admin = configMap.Data["probe-admin.properties"];
        Assert.Equal(Repo.Read("k8s/base/kafka/probe-admin.properties"), admin);
        var apiTimeout = int.Parse(Regex.Match(admin, @"^default\.api\.timeout\.ms=(\d+)$", RegexOptions.Multiline).Groups[1].Value, CultureInfo.InvariantCulture) / 1000.0;
        var limit = int.Parse(Regex.Match(script, @"KAFKA_PROBE_TIMEOUT:-(\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(apiTimeout < limit, $"admin timeout {apiTimeout} s >= script limit {limit} s");
        Assert.True(limit < probe.TimeoutSeconds, $"script limit {limit} s >= probe timeout {probe.TimeoutSeconds} s");
        Assert.True(probe.PeriodSeconds >= probe.TimeoutSeconds, "probe runs would overlap");
        // The probe's JVM must not inherit the broker's heap.
        Assert.Matches(@"(?m)^export KAFKA_HEAP_OPTS=""-Xms\d+m -Xmx(\d{2}|1\d\d)m""$", script);
        Assert.Matches(@"-Xm[sx]\d+[gm]", kafka.Env("KAFKA_HEAP_OPTS")!);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task Elasticsearch_is_ready_on_cluster_health_not_on_local_state(string target, int replicas)
    {
        var rendered = await Kustomize.RenderAsync(target);
        var sts = rendered.Single<V1StatefulSet>("elasticsearch");
        var es = Assert.Single(sts.Spec.Template.Spec.Containers);
        var probe = es.ReadinessProbe;
        Assert.NotNull(probe);

        var script = ProbeScript(rendered, sts, es, probe, out _);
        Assert.Equal(Repo.Read("k8s/base/elasticsearch/readiness.sh"), script);
        Assert.DoesNotContain("local=true", script, StringComparison.Ordinal);
        Assert.Contains("_cluster/health?$query", script, StringComparison.Ordinal);
        Assert.Contains("wait_for_status=$status", script, StringComparison.Ordinal);
        Assert.Contains("timeout=1s", script, StringComparison.Ordinal);

        // Green where replicas can be allocated; one node can only ever be yellow.
        Assert.Equal(replicas > 1 ? "green" : "yellow", es.Env("ES_READY_STATUS"));
        // Credentials as the other clients get them: the elastic password from the Secret, and the cluster CA.
        Assert.Equal("elasticsearch-credentials", Assert.Single(es.Env, e => e.Name == "ELASTIC_PASSWORD").ValueFrom.SecretKeyRef.Name);
        Assert.Contains(es.VolumeMounts, m => m.MountPath == "/usr/share/elasticsearch/config/certs");
        Assert.Contains("/usr/share/elasticsearch/config/certs/ca.crt", script, StringComparison.Ordinal);
        Assert.True(probe.TimeoutSeconds > 5, "curl's --max-time 5 must end before kubelet's timeout");
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Kafka_advertises_a_name_that_resolves_in_any_cluster_domain(string target)
    {
        var rendered = await Kustomize.RenderAsync(target);
        var sts = rendered.Single<V1StatefulSet>("kafka");
        var kafka = Assert.Single(sts.Spec.Template.Spec.Containers);

        var advertised = kafka.Env("KAFKA_ADVERTISED_LISTENERS");
        Assert.Equal($"PLAINTEXT://$(POD_NAME).{sts.Spec.ServiceName}.$(POD_NAMESPACE).svc:9092", advertised);
        Assert.DoesNotContain("cluster.local", rendered.Yaml.Split('\n').Where(l => !l.TrimStart().StartsWith('#')), StringComparer.Ordinal);
        Assert.All(kafka.Env.Select(e => e.Value ?? string.Empty), v => Assert.DoesNotContain("cluster.local", v, StringComparison.Ordinal));

        // $(VAR) expands only variables defined earlier in the list.
        var names = kafka.Env.Select(e => e.Name).ToList();
        var at = names.IndexOf("KAFKA_ADVERTISED_LISTENERS");
        Assert.InRange(names.IndexOf("POD_NAME"), 0, at - 1);
        Assert.InRange(names.IndexOf("POD_NAMESPACE"), 0, at - 1);
        Assert.Equal("metadata.namespace", Assert.Single(kafka.Env, e => e.Name == "POD_NAMESPACE").ValueFrom.FieldRef.FieldPath);
        Assert.Equal("None", rendered.Single<V1Service>(sts.Spec.ServiceName).Spec.ClusterIP);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Every_long_running_workload_has_a_pdb_that_allows_one_pod_down(string target)
    {
        var rendered = await Kustomize.RenderAsync(target);
        foreach (var (owner, template) in rendered.Workloads())
        {
            var app = template.AppName();
            var pdbs = rendered.All<V1PodDisruptionBudget>().Where(p => p.Spec.Selector.MatchLabels["app.kubernetes.io/name"] == app).ToList();
            Assert.True(pdbs.Count == 1, $"{target} {owner}: {pdbs.Count} PodDisruptionBudgets");
            Assert.Equal("1", pdbs[0].Spec.MaxUnavailable?.Value);
            Assert.Null(pdbs[0].Spec.MinAvailable);
        }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Rollouts_of_web_and_ingest_never_drop_a_pod_before_its_replacement_is_ready(string target)
    {
        var rendered = await Kustomize.RenderAsync(target);
        var partitions = int.Parse(Assert.Single(rendered.Single<V1Job>("kafka-topics").Spec.Template.Spec.Containers).Env("PARTITIONS")!, CultureInfo.InvariantCulture);
        foreach (var name in new[] { "web", "ingest" })
        {
            var deployment = rendered.Single<V1Deployment>(name);
            var strategy = deployment.Spec.Strategy;
            Assert.Equal("RollingUpdate", strategy?.Type);
            var replicas = deployment.Spec.Replicas ?? rendered.Single<V2HorizontalPodAutoscaler>(name).Spec.MinReplicas ?? 1;
            Assert.Equal(0, Absolute(strategy!.RollingUpdate.MaxUnavailable, replicas));
            var surge = Absolute(strategy.RollingUpdate.MaxSurge, replicas);
            Assert.True(surge >= 1, $"{name}: maxSurge must let a replacement start first");
            if (name == "ingest")
            {
                // The extra worker of a rollout still gets a partition.
                Assert.True(replicas + surge <= partitions, $"ingest: {replicas} + surge {surge} > {partitions} partitions");
            }
        }

        // Kubernetes rounds maxSurge up and maxUnavailable down.
        static int Absolute(IntOrString? value, int replicas)
        {
            Assert.NotNull(value);
            var text = value.Value;
            if (text.EndsWith('%'))
            {
                var percent = int.Parse(text[..^1], CultureInfo.InvariantCulture);
                return percent == 0 ? 0 : Math.Max(1, (int)Math.Ceiling(replicas * percent / 100.0));
            }

            return int.Parse(text, CultureInfo.InvariantCulture);
        }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Web_pod_grace_covers_the_preStop_pause_nginx_quit_and_the_shippers_drain(string target)
    {
        var rendered = await Kustomize.RenderAsync(target);
        var spec = rendered.Single<V1Deployment>("web").Spec.Template.Spec;
        var nginx = Assert.Single(spec.Containers, c => c.Name == "nginx");
        var shipper = Assert.Single(spec.InitContainers, c => c.Name == "shipper");

        var preStop = Regex.Match(string.Join(' ', nginx.Lifecycle.PreStop.Exec.Command), @"sleep (\d+)");
        Assert.True(preStop.Success, "preStop pause");
        var pause = int.Parse(preStop.Groups[1].Value, CultureInfo.InvariantCulture);
        var quit = NginxConf.WorkerShutdownTimeoutSeconds(Repo.Read("k8s/base/web/nginx.conf"));
        var drain = TimeSpan.Parse(shipper.Env("Shipper__ShutdownGracePeriod")!, CultureInfo.InvariantCulture).TotalSeconds;
        // Sequential with a native sidecar: preStop, nginx's graceful quit, then the shipper (grace + 5 s host slack).
        var needed = pause + quit + drain + 5;
        Assert.True(spec.TerminationGracePeriodSeconds >= needed, $"terminationGracePeriodSeconds {spec.TerminationGracePeriodSeconds} < {needed}");

        // The sidecar is restarted whatever its exit code; the checkpoints it resumes from are on an emptyDir (pod lifetime).
        Assert.Equal("Always", shipper.RestartPolicy);
        Assert.Equal("/healthz", shipper.LivenessProbe.HttpGet.Path);
        var state = Assert.Single(shipper.VolumeMounts, m => m.MountPath == shipper.Env("Shipper__StateDirectory"));
        Assert.NotNull(Assert.Single(spec.Volumes, v => v.Name == state.Name).EmptyDir);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Ingest_grace_covers_its_drain(string target)
    {
        var rendered = await Kustomize.RenderAsync(target);
        var spec = rendered.Single<V1Deployment>("ingest").Spec.Template.Spec;
        var worker = Assert.Single(spec.Containers);
        // Indexing:DrainTimeout: the worker's setting if set, else its documented default; the host adds 10 s.
        var documented = Regex.Match(Repo.Read("docs/ingest.md"), @"\| `Indexing:DrainTimeout` \| `(\d\d:\d\d:\d\d)` \|");
        Assert.True(documented.Success, "docs/ingest.md documents Indexing:DrainTimeout's default");
        var drain = TimeSpan.Parse(worker.Env("Indexing__DrainTimeout") ?? documented.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(spec.TerminationGracePeriodSeconds >= drain.TotalSeconds + 10, $"ingest grace {spec.TerminationGracePeriodSeconds} < drain {drain} + 10 s");
    }
}
