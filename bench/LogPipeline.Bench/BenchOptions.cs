using LogPipeline.Testing;

namespace LogPipeline.Bench;

/// <summary>
/// Command line: <c>[--quick] [--only shipper,micro,ingest,ua,drain,fleet,headers] [--workloads name,name] [--tools LogPipeline,rsyslog]</c>.
/// drain, fleet (web pods) and headers are opt-in: only with --only.
/// </summary>
public sealed record BenchOptions(bool Quick, IReadOnlySet<string> Parts, IReadOnlySet<string>? Workloads, IReadOnlySet<string>? Tools = null)
{
    public static BenchOptions Parse(string[] args)
    {
        var quick = args.Contains("--quick");
        var only = Array.IndexOf(args, "--only");
        var parts = only >= 0 && only + 1 < args.Length
            ? args[only + 1].Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal)
            : new HashSet<string>(["shipper", "micro", "ingest"], StringComparer.Ordinal);
        var pick = Array.IndexOf(args, "--workloads");
        var workloads = pick >= 0 && pick + 1 < args.Length
            ? args[pick + 1].Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal)
            : null;
        var pickTools = Array.IndexOf(args, "--tools");
        var tools = pickTools >= 0 && pickTools + 1 < args.Length
            ? args[pickTools + 1].Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal)
            : null;
        return new BenchOptions(quick, parts, workloads, tools);
    }

    /// <summary>Release, then Debug — or Debug first when the harness itself is a Debug build (bench/run --quick).</summary>
    internal static string[] PreferredConfigurations =>
        AppContext.BaseDirectory.Contains("/bin/Debug/", StringComparison.Ordinal) ? ["Debug", "Release"] : ["Release", "Debug"];

    public bool Runs(string part) => Parts.Contains(part);

    public string ResultsDirectory => RepoPaths.Combine("bench", "results");

    /// <summary>Only the full run of everything publishes to docs/.</summary>
    public bool Publishes => !Quick && Parts.Count == 3 && Workloads is null && Tools is null;
}
