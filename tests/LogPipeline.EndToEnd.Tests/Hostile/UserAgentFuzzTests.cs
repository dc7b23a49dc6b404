using System.Diagnostics;
using System.Text;
using LogPipeline.EndToEnd.Tests.Harness;
using LogPipeline.Ingest.Enrichment.UserAgents;

namespace LogPipeline.EndToEnd.Tests.Hostile;

/// <summary>
/// The UA engine under hostile user agents (time-boxed, seeded): every call returns, within a bound that
/// only the regex match timeout and the length cut make possible, with a well-formed result.
/// </summary>
public sealed class UserAgentFuzzTests
{
    private const int Seed = 7_2025;
    private static readonly TimeSpan TimeBox = TimeSpan.FromSeconds(10);

    // Generous on purpose (2 shared cores, other suites building): the property is "bounded", not "fast".
    private static readonly TimeSpan PerCallBound = TimeSpan.FromSeconds(5);

    [Fact]
    public void Hostile_user_agents_always_return_within_the_bound_with_a_well_formed_result()
    {
        var parser = new UserAgentParser(RegexesPath(), cacheBytes: 64 * 1024, maxLength: 512, matchTimeout: TimeSpan.FromMilliseconds(50));
        var random = new Random(Seed);
        var clock = Stopwatch.StartNew();
        var cases = 0;
        var slowest = TimeSpan.Zero;
        var slowestInput = string.Empty;
        while (clock.Elapsed < TimeBox)
        {
            var ua = HostileInput.UserAgent(random, 64 * 1024);
            var started = clock.Elapsed;
            var viaChars = parser.Parse(ua.AsSpan());
            var viaBytes = parser.Parse(Encoding.UTF8.GetBytes(ua));
            var took = clock.Elapsed - started;
            cases++;
            if (took > slowest)
            {
                slowest = took;
                slowestInput = ua;
            }

            Assert.True(took < PerCallBound, $"seed {Seed}, case {cases}: parsing a {ua.Length}-char UA took {took} (bound {PerCallBound}): {Preview(ua)}");
            AssertWellFormed(viaChars, ua);
            AssertWellFormed(viaBytes, ua);
        }

        Assert.True(cases > 50, $"only {cases} cases ran in {TimeBox}; the engine is far slower than expected");
        Measurements.Record("ua-fuzz", $"{cases} cases, slowest {slowest.TotalMilliseconds:F1} ms ({slowestInput.Length} chars), regex timeouts {parser.Timeouts}");
    }

    [Fact]
    public void A_user_agent_longer_than_the_limit_parses_like_its_prefix()
    {
        var parser = new UserAgentParser(RegexesPath(), cacheBytes: 64 * 1024, maxLength: 512);
        var prefix = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 ";
        var padded = prefix + new string('(', 100_000);
        var full = parser.Parse(padded.AsSpan());
        Assert.Equal("Chrome", full.Name);
        Assert.Equal("Windows", full.OsName);
    }

    internal static string RegexesPath()
    {
        var path = Path.Combine(Binaries.DataDirectory, "regexes.yaml");
        if (!File.Exists(path))
        {
            Assert.Skip($"{path} is missing: run build/fetch-data.sh data (CI does).");
        }

        return path;
    }

    private static void AssertWellFormed(UserAgentInfo info, string ua)
    {
        Assert.False(string.IsNullOrEmpty(info.Name), $"empty browser name for {Preview(ua)}");
        Assert.False(string.IsNullOrEmpty(info.OsName), $"empty OS name for {Preview(ua)}");
        Assert.False(string.IsNullOrEmpty(info.DeviceName), $"empty device name for {Preview(ua)}");
        Assert.True(info.Name.Length <= 512 && info.DeviceName.Length <= 512, $"result longer than the input cut for {Preview(ua)}");
    }

    private static string Preview(string ua) => ua.Length <= 120 ? ua : ua[..120] + $"… ({ua.Length} chars)";
}
