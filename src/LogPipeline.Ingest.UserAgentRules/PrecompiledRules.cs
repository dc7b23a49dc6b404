using System.Text.RegularExpressions;

namespace LogPipeline.Ingest.UserAgentRules;

/// <summary>
/// uap-core's rules (the pinned regexes.yaml the build fetched) as source-generated regexes, compiled to native code
/// at build time (ReadyToRun, with the shared framework in the version bubble so framework helpers are inlined as the
/// JIT would): a rule runs as optimized machine code from its first match, with nothing interpreted and nothing
/// compiled or JIT-ed in the worker (docs/decisions/0019-precompiled-user-agent-rules.md).
/// Nothing in this assembly may run before the worker has checked that its native code was built against the
/// framework build it runs on (LogPipeline.Ingest's <c>PrecompiledRuleSet</c>): only constants are read before that.
/// Immutable; any thread may read.
/// </summary>
public static partial class PrecompiledRules
{
    /// <summary>
    /// The match timeout the rules are generated with; the worker's default UserAgent:MatchTimeout. A worker
    /// configured with another timeout does not use these rules.
    /// </summary>
    public const int MatchTimeoutMilliseconds = 250;

    /// <summary>Prefix of the assembly metadata keys naming the framework assemblies the native code was built against (value: module version id).</summary>
    public const string NativeFrameworkMetadataPrefix = "LogPipeline.NativeFramework.";

    /// <summary>Built at first use: the order of static initializers across this class's two files is not defined, and <c>Generated</c> is in the other one.</summary>
    private static Dictionary<(string, RegexOptions), Func<Regex>>? _index;

    /// <summary>Rules generated (0 when regexes.yaml was not there at build time).</summary>
    public static int Count => Generated.Length;

    /// <summary>The precompiled regex for a rule with this exact pattern and options, or null.</summary>
    public static Regex? Find(string pattern, RegexOptions options) =>
        LazyInitializer.EnsureInitialized(ref _index, BuildIndex).TryGetValue((pattern, options), out var create) ? create() : null;

    private static Dictionary<(string, RegexOptions), Func<Regex>> BuildIndex()
    {
        var index = new Dictionary<(string, RegexOptions), Func<Regex>>(Generated.Length);
        foreach (var rule in Generated)
        {
            index.TryAdd((rule.Pattern, rule.Options), rule.Create);
        }

        return index;
    }

    private sealed record Rule(string Pattern, RegexOptions Options, Func<Regex> Create);
}
