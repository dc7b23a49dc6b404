using k8s;
using k8s.Models;
using LogPipeline.Deploy.Tests.Support;
using Xunit;

namespace LogPipeline.Deploy.Tests;

/// <summary>Every kustomization renders, and every object is a valid Kubernetes API object.</summary>
public sealed class KustomizeRenderTests
{
    public static TheoryData<string> Targets => new(Kustomize.Targets);

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Renders_into_known_typed_objects_without_unknown_fields(string target)
    {
        var rendered = await Kustomize.RenderAsync(target);

        Assert.NotEmpty(rendered.Objects);
        foreach (var obj in rendered.Objects)
        {
            // Types from the KubernetesClient model assembly, not a generic fallback.
            Assert.Equal(typeof(V1Pod).Assembly, obj.GetType().Assembly);
            var meta = Assert.IsAssignableFrom<IMetadata<V1ObjectMeta>>(obj).Metadata;
            Assert.False(string.IsNullOrEmpty(meta.Name), $"{target}: object without a name");
        }

        // Each workload's kind is expected, and all names are unique per kind.
        var duplicates = rendered.Objects
            .Select(o => $"{o.GetType().Name}/{((IMetadata<V1ObjectMeta>)o).Metadata.Name}")
            .GroupBy(k => k, StringComparer.Ordinal)
            .Where(g => g.Count() > 1)
            .Select(g => g.Key)
            .ToList();
        Assert.Empty(duplicates);
    }

    [Fact]
    public void Strict_loading_rejects_an_unknown_field()
    {
        // Guards the validation itself: a typo must not be silently dropped.
        const string typo = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: x
            spec:
              replica: 3
              selector:
                matchLabels: {a: b}
              template:
                metadata:
                  labels: {a: b}
                spec:
                  containers:
                    - name: c
                      image: nginx:1.28.0-alpine
            """;
        Assert.ThrowsAny<Exception>(() => KubernetesYaml.LoadAllFromString(typo, typeMap: null, strict: true));
        var ok = typo.Replace("replica:", "replicas:", StringComparison.Ordinal);
        Assert.IsType<V1Deployment>(Assert.Single(KubernetesYaml.LoadAllFromString(ok, typeMap: null, strict: true)));
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Every_image_is_pinned(string target)
    {
        var rendered = await Kustomize.RenderAsync(target);
        var images = rendered.PodTemplates()
            .SelectMany(p => p.Template.Spec.AllContainers().Select(c => (p.Owner, c.Name, c.Image)))
            .ToList();

        Assert.NotEmpty(images);
        Assert.All(images, i => Assert.True(K8sExtensions.IsPinned(i.Image), $"{target} {i.Owner}/{i.Name}: image '{i.Image}' is not pinned"));
        Assert.DoesNotContain("latest", rendered.Yaml.Split('\n').Where(l => l.Contains("image:", StringComparison.Ordinal)), StringComparer.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Config_maps_secrets_and_services_referenced_exist(string target)
    {
        var rendered = await Kustomize.RenderAsync(target);
        var configMaps = rendered.All<V1ConfigMap>().Select(c => c.Metadata.Name).ToHashSet(StringComparer.Ordinal);

        foreach (var (owner, template) in rendered.PodTemplates())
        {
            foreach (var volume in template.Spec.Volumes ?? [])
            {
                if (volume.ConfigMap is { } cm)
                {
                    Assert.Contains(cm.Name, configMaps);
                }
            }

            // Every volume mount names a volume of the pod (or a StatefulSet's claim template).
            var claims = rendered.All<V1StatefulSet>()
                .Where(s => owner == $"StatefulSet/{s.Metadata.Name}")
                .SelectMany(s => s.Spec.VolumeClaimTemplates ?? [])
                .Select(c => c.Metadata.Name);
            var volumes = (template.Spec.Volumes ?? []).Select(v => v.Name).Concat(claims).ToHashSet(StringComparer.Ordinal);
            foreach (var container in template.Spec.AllContainers())
            {
                foreach (var mount in container.VolumeMounts ?? [])
                {
                    Assert.True(volumes.Contains(mount.Name), $"{owner}/{container.Name}: mount {mount.Name} has no volume");
                }
            }
        }

        // Services select pods that exist, and their named target ports exist on those pods.
        foreach (var service in rendered.All<V1Service>())
        {
            var selector = service.Spec.Selector;
            Assert.NotNull(selector);
            var pods = rendered.Workloads()
                .Where(w => selector.All(kv => w.Template.Metadata.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value))
                .ToList();
            Assert.True(pods.Count > 0, $"{target}: Service {service.Metadata.Name} selects no workload");
            foreach (var port in service.Spec.Ports)
            {
                if (port.TargetPort?.Value is { } named && !named.All(char.IsDigit))
                {
                    Assert.All(pods, p => Assert.Contains(
                        p.Template.Spec.AllContainers().SelectMany(c => c.Ports ?? []),
                        cp => cp.Name == named));
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task No_secret_is_shipped_and_references_match_the_secret_script(string target)
    {
        var rendered = await Kustomize.RenderAsync(target);
        Assert.Empty(rendered.All<V1Secret>());

        // Every secretKeyRef / secret volume names a Secret and key that create-secrets.sh makes.
        var script = Repo.Read("k8s/secrets/create-secrets.sh");
        var refs = rendered.PodTemplates()
            .SelectMany(p => p.Template.Spec.AllContainers())
            .SelectMany(c => c.Env ?? [])
            .Select(e => e.ValueFrom?.SecretKeyRef)
            .OfType<V1SecretKeySelector>()
            .ToList();
        Assert.NotEmpty(refs);
        foreach (var r in refs)
        {
            Assert.Contains($"secret generic {r.Name}", script, StringComparison.Ordinal);
            Assert.Contains(r.Key + "=", script, StringComparison.Ordinal);
        }

        var secretVolumes = rendered.PodTemplates()
            .SelectMany(p => p.Template.Spec.Volumes ?? [])
            .Select(v => v.Secret)
            .OfType<V1SecretVolumeSource>();
        foreach (var volume in secretVolumes)
        {
            Assert.Contains($"secret generic {volume.SecretName}", script, StringComparison.Ordinal);
            foreach (var item in volume.Items ?? [])
            {
                Assert.Contains($"--from-file={item.Key}", script, StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Application_settings_are_documented_contract_keys(string target)
    {
        var rendered = await Kustomize.RenderAsync(target);
        var ours = rendered.PodTemplates()
            .SelectMany(p => p.Template.Spec.AllContainers().Select(c => (p.Owner, Container: c)))
            .Where(x => x.Container.Image.Contains("logpipeline", StringComparison.Ordinal))
            .ToList();
        Assert.Equal(3, ours.Count); // shipper sidecar, ingest worker, setup Job
        foreach (var (owner, container) in ours)
        {
            foreach (var env in (container.Env ?? []).Where(e => e.Name.Contains("__", StringComparison.Ordinal)))
            {
                Assert.True(Support.Contracts.IsDocumented(env.Name), $"{target} {owner}/{container.Name}: {env.Name} is not a key in docs/contracts.md");
            }
        }
    }
}
