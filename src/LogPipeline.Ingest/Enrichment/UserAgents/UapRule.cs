using System.Text;
using System.Text.RegularExpressions;

namespace LogPipeline.Ingest.Enrichment.UserAgents;

/// <summary>
/// One uap-core parser entry: a regex and up to five replacements ($1…$9 substituted). The regex is normally the
/// build's precompiled one (<see cref="PrecompiledRuleSet"/>: native code from the
/// first match, never promoted). Otherwise it starts interpreted (construction stays cheap) and is replaced by a <see cref="RegexOptions.Compiled"/> one built off the hot path by
/// <see cref="RegexPromoter"/> once interpreting it has cost what compiling it would (<see cref="RegexPromoter.Wants"/>):
/// the prefilter runs a rule only when the user agent holds its required literals, so the rules a site's traffic
/// never reaches are never compiled. Both engines are .NET's backtracking engine, so the answers are the same; any
/// thread may match, the swap is one volatile write.
/// </summary>
internal sealed class UapRule
{
    private readonly string?[] _replacements;

    /// <summary>Prefilter clauses as atom ids: the rule can only match when every clause has one atom found.</summary>
    private int[][] _clauses = [];

    private Regex _regex;

    /// <summary>Time spent interpreting (in the promoter's ticks), and whether the untimed first run is done; updated without atomics by any thread (a lost update only delays promotion).</summary>
    private long _interpretedTicks;
    private bool _ranOnce;

    /// <summary>0 = interpreted, 1 = queued for compilation (or compiled); a precompiled rule never gets that far (<see cref="IsPrecompiled"/>).</summary>
    private int _promotion;

    public UapRule(Regex regex, string?[] replacements, bool precompiled = false)
    {
        _regex = regex;
        _replacements = replacements;
        PatternLength = regex.ToString().Length;
        IsPrecompiled = precompiled;
    }

    /// <summary>The regex is the build's source-generated, ReadyToRun one.</summary>
    public bool IsPrecompiled { get; }

    /// <summary>Characters in the pattern: what compiling the rule is estimated to cost by.</summary>
    public int PatternLength { get; }

    public Regex Regex => Volatile.Read(ref _regex);

    /// <summary>Position in <see cref="UapRegexes.All"/> (the rule's bit in a candidate set).</summary>
    public int Index { get; internal set; }

    /// <summary>Runs as compiled code: precompiled at build, or compiled by the promoter.</summary>
    public bool IsCompiled => IsPrecompiled || (Regex.Options & RegexOptions.Compiled) != 0;

    /// <summary>Runs the regex; with a promoter, the rule asks to be compiled once interpreting it has cost what compiling it would.</summary>
    public Match Match(string input, RegexPromoter? promoter)
    {
        var regex = Regex;
        if (promoter is null || IsPrecompiled || (regex.Options & RegexOptions.Compiled) != 0)
        {
            return regex.Match(input);
        }

        // The first run is not timed: it also pays one-time costs (the regex's runner is created, shared interpreter
        // code may still be JIT-ed) that say nothing about what the rule will cost from then on.
        var timed = _ranOnce;
        var start = timed ? promoter.Time.GetTimestamp() : 0;
        try
        {
            return regex.Match(input);
        }
        finally
        {
            if (timed)
            {
                _interpretedTicks += promoter.Time.GetTimestamp() - start;
            }

            _ranOnce = true;
            if (promoter.Wants(PatternLength, _interpretedTicks)
                && Volatile.Read(ref _promotion) == 0 && Interlocked.Exchange(ref _promotion, 1) == 0)
            {
                promoter.Enqueue(this, input);
            }
        }
    }

    /// <summary>Builds the compiled regex, runs it once on <paramref name="sample"/> so its code is JIT-ed here, then swaps it in.</summary>
    /// <returns>false when the regex was already compiled (or precompiled).</returns>
    internal bool Promote(string sample)
    {
        var current = Regex;
        if (IsPrecompiled || (current.Options & RegexOptions.Compiled) != 0)
        {
            return false;
        }

        var compiled = new Regex(current.ToString(), current.Options | RegexOptions.Compiled, current.MatchTimeout);
        try
        {
            compiled.Match(sample);
        }
        catch (RegexMatchTimeoutException)
        {
            // Only the warm-up: the hot path counts its own timeouts.
        }

        Volatile.Write(ref _regex, compiled);
        return true;
    }

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
