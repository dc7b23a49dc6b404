using k8s.Models;
using LogPipeline.Deploy.Tests.Support;
using Xunit;

namespace LogPipeline.Deploy.Tests;

/// <summary>Pod security ("restricted" standard), resources and probes for every workload.</summary>
public sealed class SecurityTests
{
    public static TheoryData<string> Targets => new(Kustomize.Targets);

    // Images that must write under their own install directory at start (documented in the manifests).
    private static readonly HashSet<string> WritableRootAllowed = new(StringComparer.Ordinal) { "kafka", "elasticsearch" };

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Every_container_meets_the_restricted_pod_security_standard(string target)
    {
        var rendered = await Kustomize.RenderAsync(target);
        foreach (var (owner, template) in rendered.PodTemplates())
        {
            var pod = template.Spec.SecurityContext;
            Assert.True(pod?.RunAsNonRoot == true, $"{owner}: runAsNonRoot");
            Assert.True(pod?.RunAsUser is > 0, $"{owner}: numeric non-root runAsUser");
            Assert.Equal("RuntimeDefault", pod?.SeccompProfile?.Type);
            Assert.NotEqual(true, template.Spec.HostNetwork);
            Assert.NotEqual(true, template.Spec.HostPID);
            Assert.False(template.Spec.AutomountServiceAccountToken, $"{owner}: no API token needed");
            Assert.All(template.Spec.Volumes ?? [], v => Assert.Null(v.HostPath));

            foreach (var c in template.Spec.AllContainers())
            {
                var sc = c.SecurityContext;
                Assert.NotNull(sc);
                Assert.False(sc.AllowPrivilegeEscalation, $"{owner}/{c.Name}: allowPrivilegeEscalation");
                Assert.NotEqual(true, sc.Privileged);
                Assert.Contains("ALL", sc.Capabilities?.Drop ?? []);
                Assert.Empty(sc.Capabilities?.Add ?? []);
                Assert.NotEqual(0, sc.RunAsUser ?? pod!.RunAsUser);
                if (!WritableRootAllowed.Contains(template.AppName()))
                {
                    Assert.True(sc.ReadOnlyRootFilesystem == true, $"{owner}/{c.Name}: readOnlyRootFilesystem");
                }
            }
        }

        var ns = Assert.Single(rendered.All<V1Namespace>());
        Assert.Equal("restricted", ns.Metadata.Labels["pod-security.kubernetes.io/enforce"]);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Every_container_has_requests_and_a_memory_limit(string target)
    {
        var rendered = await Kustomize.RenderAsync(target);
        foreach (var (owner, template) in rendered.PodTemplates())
        {
            foreach (var c in template.Spec.AllContainers())
            {
                Assert.True(c.Resources?.Requests?.ContainsKey("cpu") == true, $"{owner}/{c.Name}: cpu request");
                Assert.True(c.Resources?.Requests?.ContainsKey("memory") == true, $"{owner}/{c.Name}: memory request");
                Assert.True(c.Resources?.Limits?.ContainsKey("memory") == true, $"{owner}/{c.Name}: memory limit");
                Assert.True(
                    c.Resources.Limits["memory"].ToDecimal() >= c.Resources.Requests["memory"].ToDecimal(),
                    $"{owner}/{c.Name}: memory limit below request");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Long_running_containers_have_probes(string target)
    {
        var rendered = await Kustomize.RenderAsync(target);
        foreach (var (owner, template) in rendered.Workloads())
        {
            foreach (var c in template.Spec.Containers)
            {
                Assert.True(c.LivenessProbe is not null, $"{owner}/{c.Name}: livenessProbe");
                Assert.True(c.ReadinessProbe is not null, $"{owner}/{c.Name}: readinessProbe");
            }

            // Native sidecars: liveness always; readiness deliberately absent on the shipper.
            foreach (var c in (template.Spec.InitContainers ?? []).Where(c => c.RestartPolicy == "Always"))
            {
                Assert.True(c.LivenessProbe is not null, $"{owner}/{c.Name}: livenessProbe");
                Assert.True(c.StartupProbe is not null, $"{owner}/{c.Name}: startupProbe");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Every_long_running_workload_has_a_disruption_budget(string target)
    {
        var rendered = await Kustomize.RenderAsync(target);
        var pdbs = rendered.All<V1PodDisruptionBudget>().ToList();
        foreach (var (owner, template) in rendered.Workloads())
        {
            var labels = template.Metadata.Labels;
            Assert.True(
                pdbs.Any(p => p.Spec.Selector.MatchLabels.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value)),
                $"{owner}: no PodDisruptionBudget selects it");
        }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Metrics_ports_carry_prometheus_annotations(string target)
    {
        var rendered = await Kustomize.RenderAsync(target);
        foreach (var name in new[] { "web", "ingest" })
        {
            var template = rendered.Single<V1Deployment>(name).Spec.Template;
            var port = template.Metadata.Annotations["prometheus.io/port"];
            Assert.Equal("true", template.Metadata.Annotations["prometheus.io/scrape"]);
            Assert.Contains(
                template.Spec.AllContainers().SelectMany(c => c.Ports ?? []),
                p => p.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture) == port);
        }
    }
}
