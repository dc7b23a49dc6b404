using System.Globalization;
using k8s.Models;
using LogPipeline.Deploy.Tests.Support;
using Xunit;

namespace LogPipeline.Deploy.Tests;

/// <summary>The nginx + shipper pod: the design's "scale together, share a small RAM volume".</summary>
public sealed class WebPodTests
{
    public static TheoryData<string> Targets => new(Kustomize.Targets);

    private static async Task<(Rendered Rendered, V1Deployment Web, V1PodSpec Spec, V1Container Shipper, V1Container Nginx)> LoadAsync(string target)
    {
        var rendered = await Kustomize.RenderAsync(target);
        var web = rendered.Single<V1Deployment>("web");
        var spec = web.Spec.Template.Spec;
        var shipper = Assert.Single(spec.InitContainers, c => c.Name == "shipper");
        var nginx = Assert.Single(spec.Containers, c => c.Name == "nginx");
        return (rendered, web, spec, shipper, nginx);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Shipper_is_a_native_sidecar_of_nginx(string target)
    {
        var (_, _, spec, shipper, nginx) = await LoadAsync(target);

        Assert.Equal("Always", shipper.RestartPolicy);
        Assert.Single(spec.Containers);
        Assert.StartsWith("nginx:", nginx.Image, StringComparison.Ordinal);
        Assert.True(spec.ShareProcessNamespace, "the shipper must see nginx's pid to signal it");

        // Same uid for both, so the shipper may send nginx SIGUSR1 without capabilities.
        var podUid = spec.SecurityContext?.RunAsUser;
        Assert.Equal(shipper.SecurityContext?.RunAsUser ?? podUid, nginx.SecurityContext?.RunAsUser ?? podUid);
        Assert.NotNull(shipper.SecurityContext?.RunAsUser ?? podUid);

        // Shipper: startup + liveness, but no readiness (a Kafka outage must not take the site down).
        Assert.NotNull(shipper.StartupProbe);
        Assert.NotNull(shipper.LivenessProbe);
        Assert.Null(shipper.ReadinessProbe);
        Assert.NotNull(nginx.ReadinessProbe);
        Assert.NotNull(nginx.LivenessProbe);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Log_hand_off_is_a_small_memory_emptyDir_shared_by_both(string target)
    {
        var (_, _, spec, shipper, nginx) = await LoadAsync(target);

        var logPath = shipper.Env("Shipper__Path");
        Assert.Equal("/var/log/nginx/access.log", logPath);
        var logDir = Path.GetDirectoryName(logPath)!;

        var shipperMount = Assert.Single(shipper.VolumeMounts, m => m.MountPath == logDir);
        var nginxMount = Assert.Single(nginx.VolumeMounts, m => m.MountPath == logDir);
        Assert.Equal(shipperMount.Name, nginxMount.Name);
        Assert.NotEqual(true, shipperMount.ReadOnlyProperty); // the shipper renames the file

        var volume = Assert.Single(spec.Volumes, v => v.Name == shipperMount.Name);
        Assert.NotNull(volume.EmptyDir);
        Assert.Equal("Memory", volume.EmptyDir.Medium);
        Assert.NotNull(volume.EmptyDir.SizeLimit);
        var limit = volume.EmptyDir.SizeLimit.ToDecimal();
        Assert.InRange(limit, 2 * 51200m, 32m * 1024 * 1024);

        // The shipper's allowed backlog plus the rotation set fits the volume.
        var backlog = decimal.Parse(shipper.Env("Shipper__MaxBacklogBytes")!, CultureInfo.InvariantCulture);
        var rotation = decimal.Parse(shipper.Env("Shipper__Rotation__MaxBytes")!, CultureInfo.InvariantCulture);
        Assert.True(backlog + (2 * rotation) <= limit, $"backlog {backlog} + 2 x {rotation} exceeds the volume's {limit}");
        Assert.True(backlog >= rotation && backlog >= 65536, "the shipper requires MaxBacklogBytes >= 64 KiB and >= Rotation:MaxBytes");

        // Separate state volume for the shipper's checkpoints.
        var stateDir = shipper.Env("Shipper__StateDirectory");
        Assert.False(string.IsNullOrEmpty(stateDir));
        var stateMount = Assert.Single(shipper.VolumeMounts, m => m.MountPath == stateDir);
        Assert.NotEqual(shipperMount.Name, stateMount.Name);
        Assert.NotNull(Assert.Single(spec.Volumes, v => v.Name == stateMount.Name).EmptyDir?.SizeLimit);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Shipper_rotates_at_50KB_keeping_one_file_and_signals_nginx_via_a_shared_pid_file(string target)
    {
        var (_, _, spec, shipper, nginx) = await LoadAsync(target);

        Assert.Equal("51200", shipper.Env("Shipper__Rotation__MaxBytes"));
        Assert.Equal("1", shipper.Env("Shipper__Rotation__Keep"));
        Assert.Equal("kafka:9092", shipper.Env("Kafka__BootstrapServers"));
        Assert.Equal("nginx-access", shipper.Env("Kafka__Topic"));

        var pidFile = shipper.Env("Shipper__Rotation__PidFile");
        Assert.False(string.IsNullOrEmpty(pidFile));
        var pidDir = Path.GetDirectoryName(pidFile)!;
        var a = Assert.Single(shipper.VolumeMounts, m => m.MountPath == pidDir);
        var b = Assert.Single(nginx.VolumeMounts, m => m.MountPath == pidDir);
        Assert.Equal(a.Name, b.Name);
        Assert.Contains(spec.Volumes, v => v.Name == a.Name && v.EmptyDir is not null);

        // nginx's config writes the pid there and the access log to the shared file.
        var conf = Repo.Read("k8s/base/web/nginx.conf");
        Assert.Contains($"pid               {pidFile};", conf, StringComparison.Ordinal);
        Assert.Contains("access_log  /var/log/nginx/access.log logpipeline;", conf, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Termination_grace_outlasts_the_shippers_drain(string target)
    {
        var (_, _, spec, shipper, _) = await LoadAsync(target);

        var drain = TimeSpan.Parse(shipper.Env("Shipper__ShutdownGracePeriod")!, CultureInfo.InvariantCulture);
        Assert.NotNull(spec.TerminationGracePeriodSeconds);
        Assert.True(
            spec.TerminationGracePeriodSeconds.Value >= drain.TotalSeconds + 20,
            $"terminationGracePeriodSeconds {spec.TerminationGracePeriodSeconds} must exceed the shipper's drain {drain} plus nginx's stop");
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Prometheus_scrapes_the_shipper_port(string target)
    {
        var (_, web, _, shipper, _) = await LoadAsync(target);
        var annotations = web.Spec.Template.Metadata.Annotations;
        Assert.Equal("true", annotations["prometheus.io/scrape"]);
        Assert.Equal("/metrics", annotations["prometheus.io/path"]);
        var port = int.Parse(annotations["prometheus.io/port"], CultureInfo.InvariantCulture);
        Assert.Contains(shipper.Ports, p => p.ContainerPort == port);
        Assert.Equal(port.ToString(CultureInfo.InvariantCulture), shipper.Env("Observability__Port"));
    }

    [Theory]
    [InlineData("k8s/base", 4, 10)]
    [InlineData("k8s/overlays/prod", 4, 10)]
    [InlineData("k8s/overlays/dev", 1, 2)]
    public async Task Autoscaler_bounds(string target, int min, int max)
    {
        var rendered = await Kustomize.RenderAsync(target);
        var hpa = rendered.Single<V2HorizontalPodAutoscaler>("web");
        Assert.Equal("Deployment", hpa.Spec.ScaleTargetRef.Kind);
        Assert.Equal("web", hpa.Spec.ScaleTargetRef.Name);
        Assert.Equal(min, hpa.Spec.MinReplicas);
        Assert.Equal(max, hpa.Spec.MaxReplicas);
        Assert.NotEmpty(hpa.Spec.Metrics);
        Assert.True(rendered.Single<V1Deployment>("web").Spec.Replicas is null, "the HPA owns the web replica count; a fixed value would reset it on every apply");
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Web_pods_prefer_but_do_not_require_spreading(string target)
    {
        var (_, _, spec, _, _) = await LoadAsync(target);
        var anti = spec.Affinity?.PodAntiAffinity;
        Assert.NotNull(anti);
        Assert.Null(anti.RequiredDuringSchedulingIgnoredDuringExecution);
        var term = Assert.Single(anti.PreferredDuringSchedulingIgnoredDuringExecution);
        Assert.Equal("kubernetes.io/hostname", term.PodAffinityTerm.TopologyKey);
        Assert.Equal("web", term.PodAffinityTerm.LabelSelector.MatchLabels["app.kubernetes.io/name"]);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Web_is_exposed_through_service_and_ingress(string target)
    {
        var rendered = await Kustomize.RenderAsync(target);
        var service = rendered.Single<V1Service>("web");
        var ingress = rendered.Single<V1Ingress>("web");
        var backend = ingress.Spec.Rules.Single().Http.Paths.Single().Backend.Service;
        Assert.Equal(service.Metadata.Name, backend.Name);
        Assert.Contains(service.Spec.Ports, p => p.Name == backend.Port.Name);
        Assert.NotNull(rendered.Single<V1Ingress>("kibana"));
    }
}
