using LogPipeline.Hosting.Configuration;
using Microsoft.Extensions.Options;

namespace LogPipeline.Ingest.Enrichment.UserAgents;

/// <summary>User-agent parsing (section <c>UserAgent</c>).</summary>
public sealed class UserAgentOptions
{
    public const string Section = "UserAgent";

    /// <summary>uap-core's regexes.yaml; relative paths are resolved against the binary's folder.</summary>
    [KeyRequired("UserAgent:RegexesPath")]
    public string RegexesPath { get; set; } = "data/regexes.yaml";

    public const long DefaultCacheBytes = 16L * 1024 * 1024;

    /// <summary>
    /// Estimated bytes of cached results (key + result + bookkeeping, ~0.5–1 KB each): real traffic repeats a few
    /// hundred user agents; a storm of unique ones replaces entries instead of growing memory past this.
    /// </summary>
    [KeyRange("UserAgent:CacheBytes", 64 * 1024, 4L * 1024 * 1024 * 1024)]
    public long CacheBytes { get; set; } = DefaultCacheBytes;

    /// <summary>Longest user agent parsed; longer ones are cut first (the regexes look at the start).</summary>
    [KeyRange("UserAgent:MaxLength", 32, 65_536)]
    public int MaxLength { get; set; } = 512;

    /// <summary>
    /// Per-regex match timeout, the backstop against catastrophic backtracking. The build's precompiled rules carry
    /// this default; another value runs every rule on the runtime's regex engines instead (docs/ingest.md).
    /// </summary>
    [KeyTimeSpanRange("UserAgent:MatchTimeout", "00:00:00.0000001", "00:00:10", Rule = "must be positive and at most 00:00:10")]
    public TimeSpan MatchTimeout { get; set; } = PrecompiledRuleSet.MatchTimeout;

    public string ResolvedRegexesPath => Path.GetFullPath(RegexesPath, AppContext.BaseDirectory);
}

[OptionsValidator]
public sealed partial class UserAgentOptionsValidator : IValidateOptions<UserAgentOptions>;

/// <summary>What annotations cannot say: the regexes file must exist.</summary>
public sealed class UserAgentOptionsRules : IValidateOptions<UserAgentOptions>
{
    public ValidateOptionsResult Validate(string? name, UserAgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return string.IsNullOrWhiteSpace(options.RegexesPath) || File.Exists(options.ResolvedRegexesPath)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"UserAgent:RegexesPath '{options.ResolvedRegexesPath}' does not exist (run build/fetch-data.sh data).");
    }
}
