namespace LogPipeline.Deploy.Tests.Support;

/// <summary>Configuration keys documented in docs/contracts.md.</summary>
internal static class Contracts
{
    private static readonly Lazy<string[]> Lines = new(() => Repo.Read("docs/contracts.md").Split('\n'));

    /// <summary>
    /// True when <paramref name="environmentKey"/> (<c>Section__Key</c>) is a documented key: either
    /// <c>`Section:Key`</c> appears, or a line documents <c>`Section:Other`/`Key`</c>.
    /// </summary>
    public static bool IsDocumented(string environmentKey)
    {
        var key = environmentKey.Replace("__", ":", StringComparison.Ordinal);
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
