using LogPipeline.Contracts;

namespace LogPipeline.Shipper.Options;

/// <summary>
/// <c>Shipper:Metadata</c>: where the lines are written, sent on every line as the <c>lp.meta</c> header
/// (<see cref="SourceMetadata"/>). In Kubernetes the web pod fills these from the Downward API (env fieldRefs, labels
/// from a Downward API volume file); elsewhere (compose) they are plain configuration. All optional.
/// </summary>
public sealed class MetadataOptions
{
    /// <summary>Defaults to <c>kubernetes</c> when <c>KUBERNETES_SERVICE_HOST</c> is set (every pod has it), else unset.</summary>
    public string? Orchestrator { get; set; }

    public string? Namespace { get; set; }

    public string? PodName { get; set; }

    public string? PodUid { get; set; }

    public string? NodeName { get; set; }

    /// <summary>The container writing the log (nginx), not the shipper's own: the Downward API has no fieldRef for it.</summary>
    public string? ContainerName { get; set; }

    /// <summary>Labels as <c>key=value,key=value</c> (compose); added after those from <see cref="LabelsFile"/>, winning on the same key.</summary>
    public string? Labels { get; set; }

    /// <summary>A Downward API volume file of <c>metadata.labels</c> (<c>key="value"</c> lines), read once at start.</summary>
    public string? LabelsFile { get; set; }

    /// <summary>Which labels of <see cref="LabelsFile"/> are sent (comma-separated): a pod's other labels (pod-template-hash…) are not.</summary>
    public string LabelKeys { get; set; } = "app.kubernetes.io/name,app.kubernetes.io/instance,app";

    /// <summary>
    /// Builds the metadata, reading <see cref="LabelsFile"/>; on failure returns null and every problem, each naming
    /// its key. Labels with an empty value are left out (the encoding has no empty values).
    /// </summary>
    public SourceMetadata? Resolve(string section, List<string> errors)
    {
        var before = errors.Count;
        var orchestrator = Orchestrator
            ?? (Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST") is { Length: > 0 } ? "kubernetes" : null);
        Check(section, nameof(Orchestrator), orchestrator, errors);
        Check(section, nameof(Namespace), Namespace, errors);
        Check(section, nameof(PodName), PodName, errors);
        Check(section, nameof(PodUid), PodUid, errors);
        Check(section, nameof(NodeName), NodeName, errors);
        Check(section, nameof(ContainerName), ContainerName, errors);

        var labels = new List<KeyValuePair<string, string>>();
        if (!string.IsNullOrWhiteSpace(LabelsFile))
        {
            var keys = LabelKeys.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            try
            {
                foreach (var (key, value) in ParseLabelsFile(File.ReadAllText(LabelsFile)))
                {
                    if (keys.Contains(key, StringComparer.Ordinal))
                    {
                        Add(labels, key, value, $"{section}:{nameof(LabelsFile)} '{LabelsFile}'", errors);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                errors.Add($"{section}:{nameof(LabelsFile)} '{LabelsFile}' cannot be read as a Downward API labels file: {e.Message}");
            }
        }

        if (!string.IsNullOrWhiteSpace(Labels))
        {
            foreach (var pair in Labels.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    errors.Add($"{section}:{nameof(Labels)} entry '{pair}' is not key=value.");
                    continue;
                }

                Add(labels, pair[..equals], pair[(equals + 1)..], $"{section}:{nameof(Labels)}", errors);
            }
        }

        return errors.Count > before
            ? null
            : new SourceMetadata(orchestrator, Namespace, PodName, PodUid, NodeName, ContainerName, labels);
    }

    /// <summary>
    /// The Downward API writes one <c>key="value"</c> per line, the value Go-quoted (strconv.Quote); label values
    /// cannot hold quotes or backslashes, but an escape is undone anyway so such a value fails validation visibly.
    /// </summary>
    internal static IEnumerable<KeyValuePair<string, string>> ParseLabelsFile(string text)
    {
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || line.Length < equals + 3 || line[equals + 1] != '"' || line[^1] != '"')
            {
                throw new FormatException($"line '{line}' is not key=\"value\"");
            }

            var quoted = line[(equals + 2)..^1];
            yield return new(line[..equals], quoted.Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal));
        }
    }

    private static void Add(List<KeyValuePair<string, string>> labels, string key, string value, string where, List<string> errors)
    {
        if (value.Length == 0)
        {
            return;
        }

        if (!SourceMetadata.IsValidValue(key) || !SourceMetadata.IsValidValue(value))
        {
            errors.Add($"{where}: label '{key}={value}' must be 1–{SourceMetadata.MaxValueLength} of A-Z a-z 0-9 . _ - /.");
            return;
        }

        labels.RemoveAll(l => l.Key == key);
        labels.Add(new(key, value));
    }

    private static void Check(string section, string key, string? value, List<string> errors)
    {
        if (!string.IsNullOrEmpty(value) && !SourceMetadata.IsValidValue(value))
        {
            errors.Add($"{section}:{key} '{value}' must be 1–{SourceMetadata.MaxValueLength} of A-Z a-z 0-9 . _ - /.");
        }
    }
}

/// <summary>Stops the start (exit code 2) when <c>Shipper:Metadata</c> holds a value the encoding cannot carry or the labels file is unreadable.</summary>
internal sealed class MetadataOptionsRules : Microsoft.Extensions.Options.IValidateOptions<ShipperOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, ShipperOptions options)
    {
        var errors = new List<string>();
        options.Metadata.Resolve($"{ShipperOptions.Section}:Metadata", errors);
        return errors.Count == 0
            ? Microsoft.Extensions.Options.ValidateOptionsResult.Success
            : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(errors);
    }
}
