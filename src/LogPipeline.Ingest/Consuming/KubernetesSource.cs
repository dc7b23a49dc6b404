using System.Text.Json;
using LogPipeline.Contracts;

namespace LogPipeline.Ingest.Consuming;

/// <summary>
/// The <c>lp.meta</c> header (<see cref="SourceMetadata"/>) in the shape the documents need, built once per distinct
/// header value by <see cref="Consuming.SourceHeaders"/> and then shared read-only by every document of that source.
/// </summary>
public sealed class KubernetesSource
{
    public KubernetesSource(SourceMetadata metadata)
    {
        Metadata = metadata;
        Labels = [.. metadata.Labels.Select(l => (JsonEncodedText.Encode(Dedot(l.Key)), l.Value))];
        App = metadata.App;
    }

    public SourceMetadata Metadata { get; }

    /// <summary><c>kubernetes.labels.*</c>: keys dedotted as Filebeat does ('.' → '_'; '/' stays), values as sent.</summary>
    public (JsonEncodedText Key, string Value)[] Labels { get; }

    /// <summary><c>service.name</c>: label <c>app.kubernetes.io/name</c>, else <c>app</c>.</summary>
    public string? App { get; }

    /// <summary>Filebeat's <c>labels.dedot</c>: <c>app.kubernetes.io/name</c> → <c>app_kubernetes_io/name</c>.</summary>
    public static string Dedot(string key) => key.Replace('.', '_');
}
