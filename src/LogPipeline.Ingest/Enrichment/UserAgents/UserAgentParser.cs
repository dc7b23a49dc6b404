using System.Text;
using System.Text.RegularExpressions;

namespace LogPipeline.Ingest.Enrichment.UserAgents;

/// <summary>
/// uap-core's specification over regexes.yaml (first matching entry wins, replacements with $1…$9,
/// "Other" when nothing matches), with a bounded cache in front because user agents repeat.
/// Thread-safe: the rules are immutable, the cache is concurrent.
/// </summary>
public sealed class UserAgentParser
{
    private const string Other = "Other";
    private readonly UapRegexes _regexes;
    private readonly BoundedCache<UserAgentInfo> _cache;
    private readonly int _maxLength;
    private long _timeouts;

    public UserAgentParser(string regexesPath, int cacheSize = 10_000, int maxLength = 512, TimeSpan? matchTimeout = null)
    {
        _regexes = UapRegexes.Load(regexesPath, matchTimeout ?? TimeSpan.FromMilliseconds(250));
        _cache = new BoundedCache<UserAgentInfo>(cacheSize);
        _maxLength = maxLength;
    }

    /// <summary>Regex evaluations abandoned on the match timeout (each counts as "no match" for that entry).</summary>
    public long Timeouts => Interlocked.Read(ref _timeouts);

    public int CachedCount => _cache.Count;

    public int RuleCount => _regexes.UserAgents.Length + _regexes.OperatingSystems.Length + _regexes.Devices.Length;

    /// <summary>Parses a UTF-8 user agent (already unescaped); cached, allocation-free on a hit.</summary>
    public UserAgentInfo Parse(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > _maxLength)
        {
            utf8 = utf8[.._maxLength];
        }

        Span<char> chars = stackalloc char[_maxLength];
        var length = Encoding.UTF8.GetChars(utf8, chars);
        return Parse(chars[..length]);
    }

    public UserAgentInfo Parse(ReadOnlySpan<char> userAgent)
    {
        if (userAgent.Length > _maxLength)
        {
            userAgent = userAgent[.._maxLength];
        }

        if (_cache.TryGet(userAgent, out var cached))
        {
            return cached!;
        }

        var key = userAgent.ToString();
        var info = ToInfo(ParseUserAgent(key), ParseOs(key), ParseDevice(key));
        _cache.Add(key, info);
        return info;
    }

    /// <summary>The uap-core "user_agent" result (uncached; for tests and the uap fixtures).</summary>
    public UapResult ParseUserAgent(string userAgent)
    {
        foreach (var rule in _regexes.UserAgents)
        {
            if (TryMatch(rule, userAgent) is { } m)
            {
                return new UapResult(rule.Value(m, 0, 1) ?? Other, rule.Value(m, 1, 2), rule.Value(m, 2, 3), rule.Value(m, 3, 4), rule.Value(m, 4, 5));
            }
        }

        return new UapResult(Other, null, null, null, null);
    }

    /// <summary>The uap-core "os" result (uncached).</summary>
    public UapResult ParseOs(string userAgent)
    {
        foreach (var rule in _regexes.OperatingSystems)
        {
            if (TryMatch(rule, userAgent) is { } m)
            {
                return new UapResult(rule.Value(m, 0, 1) ?? Other, rule.Value(m, 1, 2), rule.Value(m, 2, 3), rule.Value(m, 3, 4), rule.Value(m, 4, 5));
            }
        }

        return new UapResult(Other, null, null, null, null);
    }

    /// <summary>The uap-core "device" result (uncached).</summary>
    public UapDevice ParseDevice(string userAgent)
    {
        foreach (var rule in _regexes.Devices)
        {
            if (TryMatch(rule, userAgent) is { } m)
            {
                return new UapDevice(rule.Value(m, 0, 1) ?? Other, rule.Value(m, 1, int.MaxValue), rule.Value(m, 2, 1));
            }
        }

        return new UapDevice(Other, null, null);
    }

    private Match? TryMatch(UapRule rule, string userAgent)
    {
        try
        {
            var match = rule.Regex.Match(userAgent);
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
        return new UserAgentInfo(ua.Family, version, os.Family, osVersion, osFull, device.Family);
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
