using YamlDotNet.RepresentationModel;

namespace LogPipeline.Deploy.Tests.Support;

/// <summary>Small navigation helpers over YamlDotNet's representation model.</summary>
internal static class Yaml
{
    public static YamlMappingNode LoadMapping(string text)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(text);
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    public static YamlNode? Get(this YamlNode node, string key) =>
        node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    public static YamlMappingNode Map(this YamlNode node, string key) =>
        node.Get(key) as YamlMappingNode ?? throw new InvalidOperationException($"'{key}' is not a mapping");

    public static string? Str(this YamlNode node, string key) => (node.Get(key) as YamlScalarNode)?.Value;

    public static IEnumerable<string> Keys(this YamlMappingNode node) =>
        node.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value!);

    /// <summary>A list of scalars, or a single scalar as a one-element list.</summary>
    public static IReadOnlyList<string> Strings(this YamlNode node, string key) => node.Get(key) switch
    {
        YamlSequenceNode seq => seq.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? string.Empty).ToList(),
        YamlScalarNode s => [s.Value ?? string.Empty],
        _ => [],
    };

    /// <summary>Compose "environment" as a dictionary (mapping or KEY=VALUE list form).</summary>
    public static Dictionary<string, string> Environment(this YamlNode service)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (service.Get("environment"))
        {
            case YamlMappingNode map:
                foreach (var (k, v) in map.Children)
                {
                    result[((YamlScalarNode)k).Value!] = (v as YamlScalarNode)?.Value ?? string.Empty;
                }

                break;
            case YamlSequenceNode seq:
                foreach (var item in seq.Children.OfType<YamlScalarNode>())
                {
                    var parts = item.Value!.Split('=', 2);
                    result[parts[0]] = parts.Length > 1 ? parts[1] : string.Empty;
                }

                break;
        }

        return result;
    }
}

/// <summary>One compose volume mount, from the short (<c>src:dst[:ro]</c>) or the long syntax.</summary>
internal sealed record ComposeMount(string Source, string Target, bool ReadOnly, bool NoCopy, bool LongSyntax);

internal static class ComposeMounts
{
    public static IReadOnlyList<ComposeMount> Mounts(this YamlNode service)
    {
        var result = new List<ComposeMount>();
        if (service.Get("volumes") is not YamlSequenceNode seq)
        {
            return result;
        }

        foreach (var item in seq.Children)
        {
            switch (item)
            {
                case YamlScalarNode s:
                    var parts = s.Value!.Split(':');
                    result.Add(new ComposeMount(parts[0], parts[1], parts.Length > 2 && parts[2].Split(',').Contains("ro"), NoCopy: parts.Length > 2 && parts[2].Split(',').Contains("nocopy"), LongSyntax: false));
                    break;
                case YamlMappingNode m:
                    result.Add(new ComposeMount(
                        m.Str("source") ?? string.Empty,
                        m.Str("target") ?? string.Empty,
                        string.Equals(m.Str("read_only"), "true", StringComparison.OrdinalIgnoreCase),
                        m.Get("volume") is YamlMappingNode v && string.Equals(v.Str("nocopy"), "true", StringComparison.OrdinalIgnoreCase),
                        LongSyntax: true));
                    break;
            }
        }

        return result;
    }
}
