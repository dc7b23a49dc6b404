using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace LogPipeline.Ingest.Enrichment.UserAgents;

/// <summary>uap-core's regexes.yaml: three ordered rule lists (user agent, OS, device).</summary>
internal sealed class UapRegexes
{
    private UapRegexes(UapRule[] userAgents, UapRule[] operatingSystems, UapRule[] devices, List<string[][]> atoms)
    {
        UserAgents = userAgents;
        OperatingSystems = operatingSystems;
        Devices = devices;

        // One automaton over the atoms of all three lists: a single scan per user agent serves all three parsers.
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        UapRule[] all = [.. userAgents, .. operatingSystems, .. devices];
        for (var r = 0; r < all.Length; r++)
        {
            all[r].Clauses = [.. atoms[r].Select(clause => clause.Select(atom =>
            {
                if (!ids.TryGetValue(atom, out var id))
                {
                    id = ids.Count;
                    ids[atom] = id;
                }

                return id;
            }).ToArray())];
        }

        Scanner = new AtomScanner([.. ids.OrderBy(kv => kv.Value).Select(kv => kv.Key)]);
    }

    public UapRule[] UserAgents { get; }

    public UapRule[] OperatingSystems { get; }

    public UapRule[] Devices { get; }

    /// <summary>Finds the rules' required atoms in a user agent (see <see cref="RegexAtoms"/>).</summary>
    public AtomScanner Scanner { get; }

    /// <summary>
    /// Loads and compiles every regex once. Interpreted (not Compiled): with the result cache a regex runs
    /// only for a user agent not seen recently, and compiling ~1,200 regexes would cost seconds at start.
    /// uap-core uses no lookbehind/backreference-heavy constructs, but the match timeout bounds any pathological
    /// input anyway.
    /// </summary>
    public static UapRegexes Load(string path, TimeSpan matchTimeout, RegexOptions extra = RegexOptions.None)
    {
        using var reader = File.OpenText(path);
        var yaml = new YamlStream();
        yaml.Load(reader);
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var atoms = new List<string[][]>();
        return new UapRegexes(
            Rules(root, "user_agent_parsers", ["family_replacement", "v1_replacement", "v2_replacement", "v3_replacement", "v4_replacement"], matchTimeout, extra, atoms),
            Rules(root, "os_parsers", ["os_replacement", "os_v1_replacement", "os_v2_replacement", "os_v3_replacement", "os_v4_replacement"], matchTimeout, extra, atoms),
            Rules(root, "device_parsers", ["device_replacement", "brand_replacement", "model_replacement"], matchTimeout, extra, atoms),
            atoms);
    }

    private static UapRule[] Rules(YamlMappingNode root, string section, string[] replacementKeys, TimeSpan matchTimeout, RegexOptions extra, List<string[][]> atoms)
    {
        if (!root.Children.TryGetValue(new YamlScalarNode(section), out var node) || node is not YamlSequenceNode list)
        {
            throw new InvalidDataException($"regexes.yaml has no '{section}' list");
        }

        var rules = new List<UapRule>(list.Children.Count);
        foreach (var entry in list.Children.OfType<YamlMappingNode>())
        {
            var pattern = Scalar(entry, "regex") ?? throw new InvalidDataException($"a '{section}' entry has no regex");
            var options = RegexOptions.CultureInvariant | extra;
            if (Scalar(entry, "regex_flag") == "i")
            {
                options |= RegexOptions.IgnoreCase;
            }

            var replacements = replacementKeys.Select(k => Scalar(entry, k)).ToArray();
            rules.Add(new UapRule(new Regex(pattern, options, matchTimeout), replacements));
            atoms.Add(RegexAtoms.Extract(pattern));
        }

        return [.. rules];
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? scalar.Value : null;
}
