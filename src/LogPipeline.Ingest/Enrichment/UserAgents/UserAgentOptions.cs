using Microsoft.Extensions.Options;

namespace LogPipeline.Ingest.Enrichment.UserAgents;

/// <summary>User-agent parsing (section <c>UserAgent</c>).</summary>
public sealed class UserAgentOptions
{
    public const string Section = "UserAgent";

    /// <summary>uap-core's regexes.yaml; relative paths are resolved against the binary's folder.</summary>
    public string RegexesPath { get; set; } = "data/regexes.yaml";

    /// <summary>Distinct user-agent strings remembered; real traffic repeats a few hundred of them.</summary>
    public int CacheSize { get; set; } = 10_000;

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

        if (options.CacheSize is < 16 or > 10_000_000)
        {
            failures.Add($"UserAgent:CacheSize {options.CacheSize} must be between 16 and 10000000.");
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
