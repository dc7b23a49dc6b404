namespace LogPipeline.Deploy.Tests.Support;

/// <summary>
/// Configuration keys the applications know: documented in docs/contracts.md, or present in an
/// application's own appsettings.json (its defaults).
/// </summary>
internal static class Contracts
{
    private static readonly Lazy<string[]> Lines = new(() => Repo.Read("docs/contracts.md").Split('\n'));

    /// <summary>
    /// True when <paramref name="environmentKey"/> (<c>Section__Key</c>) is a documented key: either
    /// <c>`Section:Key`</c> appears, or a line documents <c>`Section:Other`/`Key`</c>.
    /// </summary>
    private static readonly Lazy<HashSet<string>> AppSettingsKeys = new(() =>
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(Repo.PathOf("src"), "appsettings.json", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/bin/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal)))
        {
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(file));
            Collect(doc.RootElement, string.Empty, keys);
        }

        return keys;
    });

    private static void Collect(System.Text.Json.JsonElement element, string prefix, HashSet<string> keys)
    {
        if (element.ValueKind != System.Text.Json.JsonValueKind.Object)
        {
            keys.Add(prefix);
            return;
        }

        foreach (var property in element.EnumerateObject())
        {
            Collect(property.Value, prefix.Length == 0 ? property.Name : prefix + ":" + property.Name, keys);
        }
    }

    public static bool IsDocumented(string environmentKey)
    {
        var key = environmentKey.Replace("__", ":", StringComparison.Ordinal);
        if (AppSettingsKeys.Value.Contains(key))
        {
            return true;
        }

        if (Lines.Value.Any(l => l.Contains($"`{key}`", StringComparison.Ordinal)))
        {
            return true;
        }

        var lastColon = key.LastIndexOf(':');
        var section = key[..lastColon];
        var leaf = key[(lastColon + 1)..];
        return Lines.Value.Any(l => l.Contains($"`{section}:", StringComparison.Ordinal) && l.Contains($"`{leaf}`", StringComparison.Ordinal));
    }
}
