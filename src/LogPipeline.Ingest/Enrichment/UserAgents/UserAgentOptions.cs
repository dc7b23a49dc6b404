using Microsoft.Extensions.Options;

namespace LogPipeline.Ingest.Enrichment.UserAgents;

/// <summary>User-agent parsing (section <c>UserAgent</c>).</summary>
public sealed class UserAgentOptions
{
    public const string Section = "UserAgent";

    /// <summary>uap-core's regexes.yaml; relative paths are resolved against the binary's folder.</summary>
    public string RegexesPath { get; set; } = "data/regexes.yaml";

    public const long DefaultCacheBytes = 16L * 1024 * 1024;

    /// <summary>
    /// Estimated bytes of cached results (key + result + bookkeeping, ~0.5–1 KB each): real traffic repeats a few
    /// hundred user agents; a storm of unique ones replaces entries instead of growing memory past this.
    /// </summary>
    public long CacheBytes { get; set; } = DefaultCacheBytes;

    /// <summary>Longest user agent parsed; longer ones are cut first (the regexes look at the start).</summary>
    public int MaxLength { get; set; } = 512;

    /// <summary>Per-regex match timeout, the backstop against catastrophic backtracking.</summary>
    public TimeSpan MatchTimeout { get; set; } = TimeSpan.FromMilliseconds(250);

    public string ResolvedRegexesPath => Path.GetFullPath(RegexesPath, AppContext.BaseDirectory);
}

public sealed class UserAgentOptionsValidator : IValidateOptions<UserAgentOptions>
{
    public ValidateOptionsResult Validate(string? name, UserAgentOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.RegexesPath))
        {
            failures.Add("UserAgent:RegexesPath is required.");
        }
        else if (!File.Exists(options.ResolvedRegexesPath))
        {
            failures.Add($"UserAgent:RegexesPath '{options.ResolvedRegexesPath}' does not exist (run build/fetch-data.sh data).");
        }

        if (options.CacheBytes is < 64 * 1024 or > 4L * 1024 * 1024 * 1024)
        {
            failures.Add($"UserAgent:CacheBytes {options.CacheBytes} must be between 65536 (64 KiB) and 4294967296 (4 GiB).");
        }

        if (options.MaxLength is < 32 or > 65_536)
        {
            failures.Add($"UserAgent:MaxLength {options.MaxLength} must be between 32 and 65536.");
        }

        if (options.MatchTimeout <= TimeSpan.Zero || options.MatchTimeout > TimeSpan.FromSeconds(10))
        {
            failures.Add($"UserAgent:MatchTimeout {options.MatchTimeout} must be positive and at most 00:00:10.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
