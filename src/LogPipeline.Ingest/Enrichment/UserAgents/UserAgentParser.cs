using System.Numerics;
using System.Text;
using System.Text.RegularExpressions;

namespace LogPipeline.Ingest.Enrichment.UserAgents;

/// <summary>
/// uap-core's specification over regexes.yaml (first matching entry wins, replacements with $1…$9,
/// "Other" when nothing matches), with a bounded cache in front because user agents repeat. A never-seen user agent
/// is scanned once for every rule's required literals (<see cref="RegexAtoms"/>, <see cref="AtomScanner"/>), which
/// yields the set of rules that can match (<see cref="UapRegexes.Candidates"/>); only those run, in the list's order,
/// so the first match is the one a full walk finds. A rule's regex is compiled in the background once the traffic
/// has spent as long interpreting it as compiling it is estimated to take (<see cref="RegexPromoter"/>); the rest stay interpreted.
/// Thread-safe: the rules and the scanner are immutable (a rule's regex is swapped atomically when compiled), the
/// cache is concurrent and shared by every processing thread (one parser per worker process). The cache is bounded by
/// estimated bytes (<see cref="EstimatedBytes"/>), so a storm of unique user agents costs the cold parse of each and
/// replaces cached entries, but never grows memory past the bound or blocks a lookup.
/// </summary>
public sealed class UserAgentParser
{
    private const string Other = "Other";
    private readonly UapRegexes _regexes;
    private readonly BoundedCache<UserAgentInfo> _cache;
    private readonly int _maxLength;
    private readonly UserAgentCacheMetrics? _metrics;
    private long _timeouts;

    private readonly bool _prefilter;
    private readonly RegexPromoter? _promoter;

    /// <param name="cacheBytes">Estimated bytes the cached results may hold (UserAgent:CacheBytes).</param>
    /// <param name="metrics">Hits, misses and cold-parse time, when the parser runs in the worker.</param>
    public UserAgentParser(
        string regexesPath, long cacheBytes = UserAgentOptions.DefaultCacheBytes, int maxLength = 512, TimeSpan? matchTimeout = null, UserAgentCacheMetrics? metrics = null)
        : this(regexesPath, cacheBytes, maxLength, matchTimeout, prefilter: true, metrics)
    {
    }

    /// <summary>
    /// <paramref name="prefilter"/> false: every rule's regex is tried in order (the reference the prefilter is tested
    /// against); <paramref name="promoter"/>: when to compile a rule that is not precompiled (null:
    /// <see cref="RegexPromoter"/>'s defaults); <paramref name="precompiled"/> false: no rule uses the build's
    /// precompiled regexes (every rule starts interpreted, as with another regexes.yaml).
    /// </summary>
    internal UserAgentParser(
        string regexesPath, long cacheBytes, int maxLength, TimeSpan? matchTimeout, bool prefilter, UserAgentCacheMetrics? metrics = null, RegexPromoter? promoter = null,
        bool precompiled = true)
    {
        _regexes = UapRegexes.Load(regexesPath, matchTimeout ?? PrecompiledRuleSet.MatchTimeout, precompiled: precompiled);
        _cache = new BoundedCache<UserAgentInfo>(cacheBytes, EstimatedBytes);
        _metrics = metrics;
        _maxLength = maxLength;
        _prefilter = prefilter;
        _promoter = prefilter ? promoter ?? new RegexPromoter() : null;
    }

    /// <summary>Regex evaluations abandoned on the match timeout (each counts as "no match" for that entry).</summary>
    public long Timeouts => Interlocked.Read(ref _timeouts);

    /// <summary>
    /// Longest user agent parsed (UserAgent:MaxLength, in UTF-8 bytes for <see cref="Parse(ReadOnlySpan{byte})"/>):
    /// a longer one's result, <see cref="UserAgentInfo.Bot"/> and <see cref="UserAgentInfo.DeviceType"/> included,
    /// is that of its first <see cref="MaxLength"/> bytes.
    /// </summary>
    public int MaxLength => _maxLength;

    public int CachedCount => _cache.Count;

    /// <summary>Estimated bytes the cached entries hold (at most UserAgent:CacheBytes).</summary>
    public long CachedBytes => _cache.Cost;

    public int RuleCount => _regexes.UserAgents.Length + _regexes.OperatingSystems.Length + _regexes.Devices.Length;

    /// <summary>Rules running the build's precompiled regex (all of them with the pinned regexes.yaml and the default match timeout).</summary>
    public int PrecompiledCount => _regexes.All.Count(r => r.IsPrecompiled);

    /// <summary>Rules without an extractable required literal: their regex runs on every user agent that reaches them.</summary>
    internal int AlwaysCandidateCount => Rules.Count(r => r.AlwaysCandidate);

    internal AtomScanner Scanner => _regexes.Scanner;

    internal IEnumerable<UapRule> Rules => _regexes.UserAgents.Concat(_regexes.OperatingSystems).Concat(_regexes.Devices);

    /// <summary>Compiles the rules the traffic uses (none for the reference engine, which stays as uap-core's spec reads).</summary>
    internal RegexPromoter? Promoter => _promoter;

    /// <summary>Parses a UTF-8 user agent (already unescaped); cached, allocation-free on a hit.</summary>
    public UserAgentInfo Parse(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > _maxLength)
        {
            utf8 = utf8[.._maxLength];
        }

        // UTF-8 never takes fewer bytes than UTF-16 units, so the string's own length is enough (a buffer of
        // MaxLength would be zeroed in full on every call, hit or miss).
        Span<char> chars = stackalloc char[utf8.Length];
        var length = Encoding.UTF8.GetChars(utf8, chars);
        return Parse(chars[..length]);
    }

    /// <summary>Counts a hit answered in front of this parser's cache (<see cref="RecentUserAgents"/>).</summary>
    internal void CountHit() => _metrics?.Hits.Increment();

    public UserAgentInfo Parse(ReadOnlySpan<char> userAgent)
    {
        if (userAgent.Length > _maxLength)
        {
            userAgent = userAgent[.._maxLength];
        }

        if (_cache.TryGet(userAgent, out var cached))
        {
            _metrics?.Hits.Increment();
            return cached!;
        }

        var started = _metrics?.Time.GetTimestamp() ?? 0;
        var key = userAgent.ToString();
        var info = Resolve(key);
        _cache.Add(key, info);
        if (_metrics is { } metrics)
        {
            metrics.Misses.Increment();
            metrics.ColdParse.Observe(metrics.Time.GetElapsedTime(started).TotalSeconds);
        }

        return info;
    }

    /// <summary>
    /// What one cache entry costs, estimated on 64-bit .NET: the key string, the result with its strings, and the
    /// dictionary node. Strings shared between results (interned rule literals) are counted for each, so the
    /// estimate errs towards a smaller cache, never a larger one.
    /// </summary>
    internal static long EstimatedBytes(string key, UserAgentInfo info) =>
        DictionaryNodeBytes + StringBytes(key) + UserAgentInfoBytes
        + StringBytes(info.Name) + StringBytes(info.Version) + StringBytes(info.OsName) + StringBytes(info.OsVersion)
        + StringBytes(info.OsFull) + StringBytes(info.DeviceName) + StringBytes(info.DeviceBrand) + StringBytes(info.DeviceModel);

    // Object header + method table (16) + 8 references + 2 enums.
    private const long UserAgentInfoBytes = 16 + (8 * 8) + (2 * 4);

    // ConcurrentDictionary node (header, key, value, next, hash) and its bucket slot.
    private const long DictionaryNodeBytes = 48 + 8;

    // Header + length + UTF-16 chars + terminator, rounded up to 8.
    private static long StringBytes(string? value) => value is null ? 0 : ((22L + (2L * value.Length)) + 7) & ~7L;

    /// <summary>What <see cref="Parse(ReadOnlySpan{char})"/> computes on a cache miss (the cold path; benchmarks call it directly).</summary>
    internal UserAgentInfo Resolve(string userAgent)
    {
        Span<ulong> found = stackalloc ulong[_regexes.Scanner.Words];
        Span<ulong> candidates = stackalloc ulong[_regexes.RuleWords];
        Scan(userAgent, found, candidates);
        var info = ToInfo(ParseUserAgent(userAgent, found, candidates), ParseOs(userAgent, found, candidates), ParseDevice(userAgent, found, candidates));
        var bot = BotClassifier.Classify(userAgent, info);
        return info with { Bot = bot, DeviceType = DeviceTypes.Classify(info, bot, userAgent) };
    }

    /// <summary>The uap-core "user_agent" result (uncached; for tests and the uap fixtures).</summary>
    public UapResult ParseUserAgent(string userAgent)
    {
        Span<ulong> found = stackalloc ulong[_regexes.Scanner.Words];
        Span<ulong> candidates = stackalloc ulong[_regexes.RuleWords];
        Scan(userAgent, found, candidates);
        return ParseUserAgent(userAgent, found, candidates);
    }

    /// <summary>The uap-core "os" result (uncached).</summary>
    public UapResult ParseOs(string userAgent)
    {
        Span<ulong> found = stackalloc ulong[_regexes.Scanner.Words];
        Span<ulong> candidates = stackalloc ulong[_regexes.RuleWords];
        Scan(userAgent, found, candidates);
        return ParseOs(userAgent, found, candidates);
    }

    /// <summary>The uap-core "device" result (uncached).</summary>
    public UapDevice ParseDevice(string userAgent)
    {
        Span<ulong> found = stackalloc ulong[_regexes.Scanner.Words];
        Span<ulong> candidates = stackalloc ulong[_regexes.RuleWords];
        Scan(userAgent, found, candidates);
        return ParseDevice(userAgent, found, candidates);
    }

    private void Scan(string userAgent, Span<ulong> found, Span<ulong> candidates)
    {
        if (_prefilter)
        {
            _regexes.Candidates(userAgent, found, candidates);
        }
    }

    private UapResult ParseUserAgent(string userAgent, ReadOnlySpan<ulong> found, ReadOnlySpan<ulong> candidates) =>
        First(_regexes.UserAgents, userAgent, found, candidates) is var (rule, m)
            ? new UapResult(rule.Value(m, 0, 1) ?? Other, rule.Value(m, 1, 2), rule.Value(m, 2, 3), rule.Value(m, 3, 4), rule.Value(m, 4, 5))
            : new UapResult(Other, null, null, null, null);

    private UapResult ParseOs(string userAgent, ReadOnlySpan<ulong> found, ReadOnlySpan<ulong> candidates) =>
        First(_regexes.OperatingSystems, userAgent, found, candidates) is var (rule, m)
            ? new UapResult(rule.Value(m, 0, 1) ?? Other, rule.Value(m, 1, 2), rule.Value(m, 2, 3), rule.Value(m, 3, 4), rule.Value(m, 4, 5))
            : new UapResult(Other, null, null, null, null);

    private UapDevice ParseDevice(string userAgent, ReadOnlySpan<ulong> found, ReadOnlySpan<ulong> candidates) =>
        First(_regexes.Devices, userAgent, found, candidates) is var (rule, m)
            ? new UapDevice(rule.Value(m, 0, 1) ?? Other, rule.Value(m, 1, int.MaxValue), rule.Value(m, 2, 1))
            : new UapDevice(Other, null, null);

    /// <summary>
    /// uap-core's first-match rule over the list in its order; the prefilter only skips rules whose required atoms
    /// are absent (they cannot match), so the first rule that matches is the same one a full walk finds.
    /// </summary>
    private (UapRule Rule, Match Match)? First(UapRule[] rules, string userAgent, ReadOnlySpan<ulong> found, ReadOnlySpan<ulong> candidates)
    {
        if (rules.Length == 0)
        {
            return null;
        }

        if (!_prefilter)
        {
            foreach (var rule in rules)
            {
                if (TryMatch(rule, userAgent) is { } m)
                {
                    return (rule, m);
                }
            }

            return null;
        }

        // The list is the contiguous index range [first, end) of the candidate set; its bits in ascending order are
        // the list's candidates in uap-core's order.
        var first = rules[0].Index;
        var end = first + rules.Length;
        var lastWord = (end - 1) >> 6;
        for (var w = first >> 6; w <= lastWord; w++)
        {
            var bits = candidates[w];
            if (w == first >> 6)
            {
                bits &= ~0UL << (first & 63);
            }

            if (w == lastWord && (end & 63) != 0)
            {
                bits &= (1UL << (end & 63)) - 1;
            }

            while (bits != 0)
            {
                var rule = rules[(w << 6) + BitOperations.TrailingZeroCount(bits) - first];
                bits &= bits - 1;

                // The candidate set checked only the first clause; the others must hold too.
                if (rule.Clauses.Length > 1 && !rule.IsCandidate(found))
                {
                    continue;
                }

                if (TryMatch(rule, userAgent) is { } m)
                {
                    return (rule, m);
                }
            }
        }

        return null;
    }

    private Match? TryMatch(UapRule rule, string userAgent)
    {
        try
        {
            var match = rule.Match(userAgent, _promoter);
            return match.Success ? match : null;
        }
        catch (RegexMatchTimeoutException)
        {
            Interlocked.Increment(ref _timeouts);
            return null;
        }
    }

    /// <summary>Shapes the result like Elasticsearch's user_agent processor (version = major[.minor[.patch]]).</summary>
    private static UserAgentInfo ToInfo(UapResult ua, UapResult os, UapDevice device)
    {
        var version = JoinVersion(ua.Major, ua.Minor, ua.Patch, null);
        var osVersion = JoinVersion(os.Major, os.Minor, os.Patch, os.PatchMinor);
        var osFull = osVersion is null ? null : $"{os.Family} {osVersion}";
        return new UserAgentInfo(ua.Family, version, os.Family, osVersion, osFull, device.Family, device.Brand, device.Model);
    }

    private static string? JoinVersion(string? major, string? minor, string? patch, string? patchMinor)
    {
        if (major is null)
        {
            return null;
        }

        var builder = new StringBuilder(major);
        foreach (var part in (ReadOnlySpan<string?>)[minor, patch, patchMinor])
        {
            if (part is null)
            {
                break;
            }

            builder.Append('.').Append(part);
        }

        return builder.ToString();
    }
}
