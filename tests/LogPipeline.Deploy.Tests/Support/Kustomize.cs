using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Xunit;

namespace LogPipeline.Deploy.Tests.Support;

/// <summary>A kustomization rendered by <c>kubectl kustomize</c> and loaded into the typed API models.</summary>
internal sealed class Rendered
{
    public Rendered(string name, string yaml, IReadOnlyList<object> objects)
    {
        Name = name;
        Yaml = yaml;
        Objects = objects;
    }

    public string Name { get; }

    public string Yaml { get; }

    public IReadOnlyList<object> Objects { get; }

    public IEnumerable<T> All<T>() => Objects.OfType<T>();

    public T Single<T>(string name)
        where T : IMetadata<V1ObjectMeta> =>
        Objects.OfType<T>().SingleOrDefault(o => o.Metadata.Name == name)
            ?? throw new InvalidOperationException($"{Name}: no {typeof(T).Name} named {name}");

    /// <summary>Every pod template (Deployments, StatefulSets, Jobs) with its owner's kind/name.</summary>
    public IEnumerable<(string Owner, V1PodTemplateSpec Template)> PodTemplates()
    {
        foreach (var d in All<V1Deployment>())
        {
            yield return ($"Deployment/{d.Metadata.Name}", d.Spec.Template);
        }

        foreach (var s in All<V1StatefulSet>())
        {
            yield return ($"StatefulSet/{s.Metadata.Name}", s.Spec.Template);
        }

        foreach (var j in All<V1Job>())
        {
            yield return ($"Job/{j.Metadata.Name}", j.Spec.Template);
        }
    }

    /// <summary>Long-running workloads (not Jobs).</summary>
    public IEnumerable<(string Owner, V1PodTemplateSpec Template)> Workloads() =>
        PodTemplates().Where(p => !p.Owner.StartsWith("Job/", StringComparison.Ordinal));
}

internal static class Kustomize
{
    public static readonly string[] Targets = ["k8s/base", "k8s/overlays/dev", "k8s/overlays/prod"];

    private static readonly ConcurrentDictionary<string, Lazy<Task<Rendered>>> Cache = new();

    public static string? Kubectl => Proc.Which("kubectl");

    /// <summary>Renders <paramref name="target"/> (cached per test run); skips the test without kubectl.</summary>
    public static Task<Rendered> RenderAsync(string target)
    {
        if (Kubectl is null)
        {
            Assert.Skip("kubectl is not installed: cannot render the kustomizations (install kubectl >= 1.27)");
        }

        return Cache.GetOrAdd(target, t => new Lazy<Task<Rendered>>(() => RenderCoreAsync(t))).Value;
    }

    private static async Task<Rendered> RenderCoreAsync(string target)
    {
        var result = await Proc.RunAsync(Kubectl!, ["kustomize", Repo.PathOf(target)], timeout: TimeSpan.FromMinutes(1));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"kubectl kustomize {target} failed: {result}");
        }

        // strict: an unknown field anywhere (a typo, a field of the wrong object) throws.
        var objects = KubernetesYaml.LoadAllFromString(result.StdOut, typeMap: null, strict: true);
        return new Rendered(target, result.StdOut, objects);
    }
}
