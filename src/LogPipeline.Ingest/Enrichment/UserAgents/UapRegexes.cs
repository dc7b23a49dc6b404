using System.Numerics;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace LogPipeline.Ingest.Enrichment.UserAgents;

/// <summary>
/// uap-core's regexes.yaml: three ordered rule lists (user agent, OS, device), numbered 0…n-1 across the three
/// (user agents first), and the prefilter index over them. Immutable after construction; any thread may read.
/// </summary>
internal sealed class UapRegexes
{
    /// <summary>For atom a, the rules whose first (most selective) clause contains it: _triggered[_triggerStart[a].._triggerStart[a + 1]].</summary>
    private readonly int[] _triggerStart;
    private readonly int[] _triggered;

    /// <summary>Rules without a required atom, as a rule bit set: candidates for every user agent.</summary>
    private readonly ulong[] _always;

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
        All = all;
        RuleWords = (all.Length + 63) / 64;
        _always = new ulong[RuleWords];
        var byAtom = new List<int>[ids.Count];
        for (var a = 0; a < byAtom.Length; a++)
        {
            byAtom[a] = [];
        }

        for (var r = 0; r < all.Length; r++)
        {
            all[r].Index = r;
            if (all[r].AlwaysCandidate)
            {
                _always[r >> 6] |= 1UL << r;
                continue;
            }

            foreach (var atom in all[r].Clauses[0])
            {
                byAtom[atom].Add(r);
            }
        }

        _triggerStart = new int[ids.Count + 1];
        for (var a = 0; a < byAtom.Length; a++)
        {
            _triggerStart[a + 1] = _triggerStart[a] + byAtom[a].Count;
        }

        _triggered = [.. byAtom.SelectMany(rules => rules)];
    }

    /// <summary>The three lists concatenated: a rule's <see cref="UapRule.Index"/> is its position here.</summary>
    public UapRule[] All { get; }

    /// <summary>ulongs needed for a rule bit set.</summary>
    public int RuleWords { get; }

    /// <summary>
    /// Scans <paramref name="text"/> once: sets the atoms found in <paramref name="found"/> and, in
    /// <paramref name="candidates"/>, every rule that has no required atom or whose first clause has an atom found.
    /// A rule with more clauses is a candidate only if <see cref="UapRule.IsCandidate"/> also holds for them; the set
    /// is a superset of the rules that can match, so walking it in order finds the first match.
    /// </summary>
    public void Candidates(ReadOnlySpan<char> text, Span<ulong> found, Span<ulong> candidates)
    {
        Scanner.Scan(text, found);
        _always.CopyTo(candidates);
        var start = _triggerStart;
        var triggered = _triggered;
        for (var w = 0; w < found.Length; w++)
        {
            var bits = found[w];
            while (bits != 0)
            {
                var atom = (w << 6) + BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
                for (var k = start[atom]; k < start[atom + 1]; k++)
                {
                    var r = triggered[k];
                    candidates[r >> 6] |= 1UL << r;
                }
            }
        }
    }

    public UapRule[] UserAgents { get; }

    public UapRule[] OperatingSystems { get; }

    public UapRule[] Devices { get; }

    /// <summary>Finds the rules' required atoms in a user agent (see <see cref="RegexAtoms"/>).</summary>
    public AtomScanner Scanner { get; }

    /// <summary>
    /// Loads the rules. Each is the build's precompiled regex when <paramref name="precompiled"/> and
    /// <see cref="PrecompiledRuleSet"/> has it (same pattern and options, same match timeout, native code for this
    /// platform); otherwise an interpreted one (not Compiled: compiling ~1,200 regexes would cost seconds at start,
    /// and <see cref="RegexPromoter"/> compiles those the traffic uses). uap-core uses no
    /// lookbehind/backreference-heavy constructs, but the match timeout bounds any pathological input anyway.
    /// </summary>
    public static UapRegexes Load(string path, TimeSpan matchTimeout, RegexOptions extra = RegexOptions.None, bool precompiled = true)
    {
        precompiled &= extra == RegexOptions.None;
        using var reader = File.OpenText(path);
        var yaml = new YamlStream();
        yaml.Load(reader);
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var atoms = new List<string[][]>();
        return new UapRegexes(
            Rules(root, "user_agent_parsers", ["family_replacement", "v1_replacement", "v2_replacement", "v3_replacement", "v4_replacement"], matchTimeout, extra, precompiled, atoms),
            Rules(root, "os_parsers", ["os_replacement", "os_v1_replacement", "os_v2_replacement", "os_v3_replacement", "os_v4_replacement"], matchTimeout, extra, precompiled, atoms),
            Rules(root, "device_parsers", ["device_replacement", "brand_replacement", "model_replacement"], matchTimeout, extra, precompiled, atoms),
            atoms);
    }

    private static UapRule[] Rules(YamlMappingNode root, string section, string[] replacementKeys, TimeSpan matchTimeout, RegexOptions extra, bool precompiled, List<string[][]> atoms)
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
            var built = precompiled ? PrecompiledRuleSet.Find(pattern, options, matchTimeout) : null;
            rules.Add(built is null ? new UapRule(new Regex(pattern, options, matchTimeout), replacements) : new UapRule(built, replacements, precompiled: true));
            atoms.Add(RegexAtoms.Extract(pattern));
        }

        return [.. rules];
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? scalar.Value : null;
}
