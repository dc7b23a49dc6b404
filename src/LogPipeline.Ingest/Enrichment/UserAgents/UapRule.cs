using System.Text;
using System.Text.RegularExpressions;

namespace LogPipeline.Ingest.Enrichment.UserAgents;

/// <summary>One uap-core parser entry: a regex and up to five replacements ($1…$9 substituted).</summary>
internal sealed class UapRule
{
    private readonly string?[] _replacements;

    /// <summary>Prefilter clauses as atom ids: the rule can only match when every clause has one atom found.</summary>
    private int[][] _clauses = [];

    public UapRule(Regex regex, string?[] replacements)
    {
        Regex = regex;
        _replacements = replacements;
    }

    public Regex Regex { get; }

    /// <summary>No required atom could be extracted: the rule's regex runs on every user agent that reaches it.</summary>
    public bool AlwaysCandidate => _clauses.Length == 0;

    internal int[][] Clauses
    {
        get => _clauses;
        set => _clauses = value;
    }

    /// <summary>Whether the prefilter lets this rule's regex run, given the atoms found in the user agent.</summary>
    public bool IsCandidate(ReadOnlySpan<ulong> found)
    {
        foreach (var clause in _clauses)
        {
            var any = false;
            foreach (var atom in clause)
            {
                if ((found[atom >> 6] & (1UL << atom)) != 0)
                {
                    any = true;
                    break;
                }
            }

            if (!any)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Value <paramref name="index"/> (0 = family/os/device, …): the replacement with <c>$n</c> filled in when
    /// the entry has one, else capture group <paramref name="defaultGroup"/>; trimmed, null when empty.
    /// </summary>
    public string? Value(Match match, int index, int defaultGroup)
    {
        var replacement = index < _replacements.Length ? _replacements[index] : null;
        string? value;
        if (replacement is null)
        {
            var group = defaultGroup < match.Groups.Count ? match.Groups[defaultGroup] : null;
            value = group is { Success: true } ? group.Value : null;
        }
        else
        {
            value = Substitute(replacement, match);
        }

        value = value?.Trim();
        return string.IsNullOrEmpty(value) ? null : value;
    }

    private static string Substitute(string replacement, Match match)
    {
        if (!replacement.Contains('$', StringComparison.Ordinal))
        {
            return replacement;
        }

        var builder = new StringBuilder(replacement.Length + 16);
        for (var i = 0; i < replacement.Length; i++)
        {
            var c = replacement[i];
            if (c == '$' && i + 1 < replacement.Length && replacement[i + 1] is >= '1' and <= '9')
            {
                var group = replacement[i + 1] - '0';
                if (group < match.Groups.Count && match.Groups[group].Success)
                {
                    builder.Append(match.Groups[group].ValueSpan);
                }

                i++;
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
