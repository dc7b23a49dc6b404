using System.Globalization;
using System.Text;
using LogPipeline.Bench.Micro;
using LogPipeline.Bench.Workloads;

namespace LogPipeline.Bench.Ingest;

/// <summary>
/// Which user agents the preloaded lines carry: the cost of a line depends mostly on whether its user agent was seen
/// before. Deterministic (a hash of the sequence number), so every run produces the same lines.
/// </summary>
public sealed class IngestWorkload
{
    private readonly Func<long, string?> _agent;

    private IngestWorkload(string name, string description, Func<long, string?> agent)
    {
        Name = name;
        Description = description;
        _agent = agent;
    }

    public string Name { get; }

    public string Description { get; }

    /// <summary>(i) The line generator's 3 user agents, as every other bench workload: after the first lines, all cached.</summary>
    public static IngestWorkload FewUserAgents { get; } = new(
        "few-ua", "3 distinct user agents (the line generator's)", _ => null);

    /// <summary>
    /// A real site's traffic once the cache is warm (issue #14's "real access log" row): uap-core's 1,429 test strings
    /// with the long tail's skew, every one repeating — hundreds of distinct user agents, none new after the first
    /// sight of each.
    /// </summary>
    public static IngestWorkload ManyUserAgents(string[] agents) => new(
        "many-ua",
        $"{agents.Length:N0} uap-core test strings, skewed, all repeating (no first-seen beyond each string's first line)",
        seq => Pick(agents, seq, uniquePercent: 0));

    /// <summary>
    /// (ii) A long tail from uap-core's test_ua.yaml (1,429 distinct strings, skewed: a few are most of the traffic),
    /// and 5 % of lines with a user agent never seen before (a test string with a unique build token).
    /// </summary>
    public static IngestWorkload LongTail(string[] agents) => new(
        "long-tail",
        $"{agents.Length:N0} uap-core test strings, skewed, + 5 % first-seen",
        seq => Pick(agents, seq, uniquePercent: 5));

    /// <summary>(iii) A bot storm: the long tail without its first-seen lines, and 20 % of lines with a unique user agent.</summary>
    public static IngestWorkload BotStorm(string[] agents) => new(
        "bot-storm",
        $"{agents.Length:N0} uap-core test strings, skewed, + 20 % unique (randomised scanner headers)",
        seq => Pick(agents, seq, uniquePercent: 20));

    /// <summary>The workloads of the ingest section; without uap-core's test file only the first.</summary>
    public static IReadOnlyList<IngestWorkload> All()
    {
        var agents = UserAgentEngine.TestUaStrings();
        return agents is null ? [FewUserAgents] : [FewUserAgents, ManyUserAgents(agents), LongTail(agents), BotStorm(agents)];
    }

    /// <summary>The line for <paramref name="seq"/> without its newline.</summary>
    public byte[] Line(long seq)
    {
        var line = _agent(seq) is { } agent ? LineGenerator.Line(seq, NginxEscape(agent)) : LineGenerator.Line(seq);
        return Encoding.ASCII.GetBytes(line.AsSpan(0, line.Length - 1).ToString());
    }

    /// <summary>As nginx writes a header into the default log format: <c>"</c>, <c>\</c>, control and non-ASCII bytes as <c>\xHH</c>.</summary>
    private static string NginxEscape(string value)
    {
        var sb = new StringBuilder(value.Length + 8);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is < 0x20 or >= 0x7F or (byte)'"' or (byte)'\\')
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\x{b:X2}");
            }
            else
            {
                sb.Append((char)b);
            }
        }

        return sb.ToString();
    }

    private static string Pick(string[] agents, long seq, int uniquePercent)
    {
        var h = Mix((ulong)seq);
        if ((int)(h % 100) < uniquePercent)
        {
            // A real test string with a token only this line has: the engine's cold path, as for a scanner that
            // randomises a browser header.
            var bas = agents[(int)((h >> 8) % (ulong)agents.Length)];
            return bas + " lpbench/" + seq.ToString("x", CultureInfo.InvariantCulture);
        }

        // Skewed: u³ puts half the traffic on the first ~12 % of the strings, the rest spread over the tail.
        var u = (h >> 11) * (1.0 / (1UL << 53));
        return agents[Math.Min(agents.Length - 1, (int)(u * u * u * agents.Length))];
    }

    /// <summary>SplitMix64's finaliser: a well-spread hash of the sequence number.</summary>
    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
