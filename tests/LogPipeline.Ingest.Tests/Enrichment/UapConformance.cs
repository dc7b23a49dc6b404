using LogPipeline.Testing;
using YamlDotNet.RepresentationModel;

namespace LogPipeline.Ingest.Tests.Enrichment;

/// <summary>
/// uap-core's own test files for the pinned version (../shared/uap-core-0.18.0-tests/, not copied into the repo):
/// which parser each file exercises, and its cases as written (an empty expected field means null).
/// </summary>
internal static class UapConformance
{
    public enum Parser
    {
        UserAgent,
        Os,
        Device,
    }

    /// <summary>Every file uap-core's own runner uses, with the parser it tests.</summary>
    public static readonly IReadOnlyList<(string File, Parser Parser)> Files =
    [
        ("test_ua.yaml", Parser.UserAgent),
        ("firefox_user_agent_strings.yaml", Parser.UserAgent),
        ("opera_mini_user_agent_strings.yaml", Parser.UserAgent),
        ("pgts_browser_list.yaml", Parser.UserAgent),
        ("podcasting_user_agent_strings.yaml", Parser.UserAgent),
        ("test_os.yaml", Parser.Os),
        ("additional_os_tests.yaml", Parser.Os),
        ("test_device.yaml", Parser.Device),
    ];

    public static string Directory => Path.GetFullPath(RepoPaths.Combine("..", "shared", "uap-core-0.18.0-tests"));

    /// <summary>Skips the calling test, with the reason, when the fixtures are not next to the repository.</summary>
    public static string RequireFile(string file)
    {
        var path = Path.Combine(Directory, file);
        if (!File.Exists(path))
        {
            Assert.Skip($"uap-core conformance fixtures not found at {path} (they live in the project's shared/ folder beside the repository)");
        }

        return path;
    }

    /// <summary>The cases of one file: the user agent and the expected fields by name.</summary>
    public static List<(string UserAgent, IReadOnlyDictionary<string, string?> Expected)> Cases(string path)
    {
        using var reader = File.OpenText(path);
        var yaml = new YamlStream();
        yaml.Load(reader);
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var list = (YamlSequenceNode)root.Children[new YamlScalarNode("test_cases")];
        var cases = new List<(string, IReadOnlyDictionary<string, string?>)>(list.Children.Count);
        foreach (var entry in list.Children.Cast<YamlMappingNode>())
        {
            var fields = entry.Children.ToDictionary(
                kv => ((YamlScalarNode)kv.Key).Value!,
                kv => kv.Value is YamlScalarNode { Value: { Length: > 0 } v } ? v : null);
            // The user agent itself may be the empty string (a case of its own), not "no value".
            var ua = entry.Children[new YamlScalarNode("user_agent_string")] is YamlScalarNode { Value: { } v } ? v : string.Empty;
            cases.Add((ua, fields));
        }

        return cases;
    }

    /// <summary>Every distinct user agent of every file present (empty when the folder is absent).</summary>
    public static List<string> AllUserAgents() =>
        [.. Files
            .Select(f => Path.Combine(Directory, f.File))
            .Where(File.Exists)
            .SelectMany(p => Cases(p).Select(c => c.UserAgent))
            .Distinct(StringComparer.Ordinal)];
}
