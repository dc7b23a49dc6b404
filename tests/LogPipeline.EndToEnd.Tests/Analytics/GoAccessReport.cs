using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace LogPipeline.EndToEnd.Tests.Analytics;

/// <summary>
/// GoAccess (the Debian package) run on a log file, and the counts its JSON report gives. Configured so its counting
/// rule is the one the dashboards use: <c>--log-format=COMBINED</c>; <c>--4xx-to-unique-count</c> (by default GoAccess
/// leaves 4xx requests out of unique visitors); <c>--no-query-string</c> (url.path has no query); crawlers included
/// (no <c>--ignore-crawlers</c>); <c>--no-global-config</c> so /etc/goaccess.conf cannot change the rule.
/// </summary>
internal sealed class GoAccessReport
{
    private GoAccessReport(JsonObject json) => Json = json;

    public JsonObject Json { get; }

    public long TotalRequests => General("total_requests");

    public long ValidRequests => General("valid_requests");

    public long FailedRequests => General("failed_requests");

    public long UniqueVisitors => General("unique_visitors");

    /// <summary>Hits per hour of day ("visit_time", the hour as written in the line).</summary>
    public Dictionary<int, long> HitsByHour => Data("visit_time").ToDictionary(d => int.Parse((string)d["data"]!, CultureInfo.InvariantCulture), Hits);

    /// <summary>Hits and visitors per day ("visitors" panel, yyyyMMdd as written in the line).</summary>
    public Dictionary<string, (long Hits, long Visitors)> ByDay =>
        Data("visitors").ToDictionary(d => (string)d["data"]!, d => (Hits(d), (long)d["visitors"]!["count"]!));

    /// <summary>Hits per status code (the items under each status class; their label starts with the code).</summary>
    public Dictionary<int, long> HitsByStatus =>
        Data("status_codes").SelectMany(c => c["items"]!.AsArray().Select(i => i!.AsObject()))
            .ToDictionary(i => int.Parse(((string)i["data"]!)[..3], CultureInfo.InvariantCulture), Hits);

    /// <summary>Hits per decoded path over the three request panels (files, static files, not found).</summary>
    public Dictionary<string, long> HitsByPath =>
        new[] { "requests", "static_requests", "not_found" }.SelectMany(Data)
            .GroupBy(d => (string)d["data"]!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(Hits), StringComparer.Ordinal);

    public static bool IsInstalled() => Find() is not null;

    public static async Task<GoAccessReport> RunAsync(string logPath, string outputPath, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(Find() ?? throw new InvalidOperationException("goaccess is not installed"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[logPath, "--log-format=COMBINED", "--4xx-to-unique-count", "--no-query-string", "--no-global-config", "-o", outputPath])
        {
            psi.ArgumentList.Add(argument);
        }

        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"goaccess exited {process.ExitCode}: {await stderr}{await stdout}");
        }

        return new GoAccessReport(JsonNode.Parse(await File.ReadAllTextAsync(outputPath, cancellationToken))!.AsObject());
    }

    private static string? Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "goaccess")).FirstOrDefault(File.Exists);

    private static long Hits(JsonObject d) => (long)d["hits"]!["count"]!;

    private long General(string name) => (long)Json["general"]![name]!;

    private IEnumerable<JsonObject> Data(string panel) => Json[panel]!["data"]!.AsArray().Select(d => d!.AsObject());
}
