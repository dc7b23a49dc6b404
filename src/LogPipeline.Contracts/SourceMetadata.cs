using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace LogPipeline.Contracts;

/// <summary>
/// Where a line was written — orchestrator, namespace, pod, pod UID, node, container and selected pod labels — carried
/// on every message in the <c>lp.meta</c> header (docs/contracts.md, ADR 0014). Version 1 is one UTF-8 string:
/// <code>1|&lt;orchestrator&gt;|&lt;namespace&gt;|&lt;pod&gt;|&lt;pod-uid&gt;|&lt;node&gt;|&lt;container&gt;|&lt;key&gt;=&lt;value&gt;,&lt;key&gt;=&lt;value&gt;…</code>
/// An empty field is unknown. Every value is limited to <see cref="IsValidValue"/>'s characters (what Kubernetes
/// allows in names, UIDs, label keys and values), so the separators never need escaping. The shipper encodes it once
/// at start; the ingest worker decodes it once per distinct value.
/// </summary>
public sealed class SourceMetadata
{
    /// <summary>The first byte of a version-1 value. A reader that does not know the version ignores the header.</summary>
    public const char Version = '1';

    /// <summary>Longest value accepted (a DNS subdomain, a prefixed label key).</summary>
    public const int MaxValueLength = 253;

    private const char FieldSeparator = '|';
    private const char LabelSeparator = ',';
    private const char KeyValueSeparator = '=';
    private const int FieldCount = 8;

    public SourceMetadata(
        string? orchestrator,
        string? @namespace,
        string? podName,
        string? podUid,
        string? nodeName,
        string? containerName,
        IReadOnlyList<KeyValuePair<string, string>>? labels)
    {
        Orchestrator = NullIfEmpty(orchestrator);
        Namespace = NullIfEmpty(@namespace);
        PodName = NullIfEmpty(podName);
        PodUid = NullIfEmpty(podUid);
        NodeName = NullIfEmpty(nodeName);
        ContainerName = NullIfEmpty(containerName);
        Labels = labels ?? [];
    }

    /// <summary><c>kubernetes</c> inside a cluster; unset elsewhere.</summary>
    public string? Orchestrator { get; }

    public string? Namespace { get; }

    public string? PodName { get; }

    public string? PodUid { get; }

    public string? NodeName { get; }

    /// <summary>The container that wrote the log (the web server's, not the shipper's).</summary>
    public string? ContainerName { get; }

    /// <summary>Selected pod labels, keys as Kubernetes writes them (<c>app.kubernetes.io/name</c>).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Labels { get; }

    public bool IsEmpty =>
        Orchestrator is null && Namespace is null && PodName is null && PodUid is null && NodeName is null
        && ContainerName is null && Labels.Count == 0;

    /// <summary>The app: label <c>app.kubernetes.io/name</c>, else <c>app</c> (ECS <c>service.name</c>).</summary>
    public string? App => Label("app.kubernetes.io/name") ?? Label("app");

    public string? Label(string key)
    {
        foreach (var (k, v) in Labels)
        {
            if (k == key)
            {
                return v;
            }
        }

        return null;
    }

    /// <summary>True when <paramref name="value"/> is 1–253 of <c>A-Z a-z 0-9 . _ - /</c>.</summary>
    public static bool IsValidValue(string value)
    {
        if (value.Length is 0 or > MaxValueLength)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-' or '/'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The header value. Throws when a value is outside <see cref="IsValidValue"/> (options validation stops that first).</summary>
    public byte[] Encode()
    {
        var text = new StringBuilder(128).Append(Version);
        foreach (var field in (ReadOnlySpan<string?>)[Orchestrator, Namespace, PodName, PodUid, NodeName, ContainerName])
        {
            text.Append(FieldSeparator);
            if (field is not null)
            {
                text.Append(Checked(field));
            }
        }

        text.Append(FieldSeparator);
        for (var i = 0; i < Labels.Count; i++)
        {
            if (i > 0)
            {
                text.Append(LabelSeparator);
            }

            text.Append(Checked(Labels[i].Key)).Append(KeyValueSeparator).Append(Checked(Labels[i].Value));
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>Reads a version-1 value; false for another version or a malformed value (a value outside <see cref="IsValidValue"/> included).</summary>
    public static bool TryDecode(ReadOnlySpan<byte> value, [NotNullWhen(true)] out SourceMetadata? metadata)
    {
        metadata = null;
        if (value.Length < 2 || value[0] != (byte)Version || value[1] != (byte)FieldSeparator || value.Length > 16 * 1024)
        {
            return false;
        }

        var text = Encoding.UTF8.GetString(value);
        var fields = text.Split(FieldSeparator);
        if (fields.Length != FieldCount)
        {
            return false;
        }

        for (var i = 1; i < FieldCount - 1; i++)
        {
            if (fields[i].Length > 0 && !IsValidValue(fields[i]))
            {
                return false;
            }
        }

        var labels = new List<KeyValuePair<string, string>>();
        foreach (var pair in fields[7].Split(LabelSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf(KeyValueSeparator, StringComparison.Ordinal);
            if (equals <= 0 || !IsValidValue(pair[..equals]) || !IsValidValue(pair[(equals + 1)..]))
            {
                return false;
            }

            labels.Add(new(pair[..equals], pair[(equals + 1)..]));
        }

        metadata = new SourceMetadata(fields[1], fields[2], fields[3], fields[4], fields[5], fields[6], labels);
        return true;
    }

    private static string Checked(string value) =>
        IsValidValue(value) ? value : throw new ArgumentException($"'{value}' is not a valid source metadata value", nameof(value));

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
