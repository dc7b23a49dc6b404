using k8s.Models;

namespace LogPipeline.Deploy.Tests.Support;

internal static class K8sExtensions
{
    public static IEnumerable<V1Container> AllContainers(this V1PodSpec spec) =>
        (spec.InitContainers ?? []).Concat(spec.Containers ?? []);

    public static string? Env(this V1Container container, string name) =>
        container.Env?.SingleOrDefault(e => e.Name == name)?.Value;

    public static string AppName(this V1PodTemplateSpec template) =>
        template.Metadata?.Labels is { } labels && labels.TryGetValue("app.kubernetes.io/name", out var name)
            ? name
            : throw new InvalidOperationException("pod template without app.kubernetes.io/name");

    /// <summary>"repo:tag" / "repo@sha256:..." -> tag (or digest); null when neither is present.</summary>
    public static string? ImageTag(string image)
    {
        var at = image.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            return image[(at + 1)..];
        }

        var lastSlash = image.LastIndexOf('/');
        var colon = image.IndexOf(':', lastSlash + 1);
        return colon < 0 ? null : image[(colon + 1)..];
    }

    /// <summary>A tag that names a release: present, not "latest", contains a digit or is a digest.</summary>
    public static bool IsPinned(string image)
    {
        var tag = ImageTag(image);
        return tag is not null
            && !tag.Equals("latest", StringComparison.OrdinalIgnoreCase)
            && !tag.Contains('$', StringComparison.Ordinal)
            && (tag.StartsWith("sha256:", StringComparison.Ordinal) || tag.Any(char.IsDigit));
    }
}
