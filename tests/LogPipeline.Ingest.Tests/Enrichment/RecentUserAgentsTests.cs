using System.Text;
using LogPipeline.Hosting.Metrics;
using LogPipeline.Ingest.Enrichment.UserAgents;

namespace LogPipeline.Ingest.Tests.Enrichment;

/// <summary>The per-thread slots in front of the parser's cache answer exactly what the parser answers, and count as its hits.</summary>
public sealed class RecentUserAgentsTests
{
    [Fact]
    public void Answers_are_the_parsers_whatever_the_slots_hold()
    {
        var parser = new UserAgentParser(TestData.RegexesPath, 64L * 1024 * 1024, 512, TestData.UnhurriedMatchTimeout);
        var reference = new UserAgentParser(TestData.RegexesPath, 64L * 1024 * 1024, 512, TestData.UnhurriedMatchTimeout);
        var recent = new RecentUserAgents();

        // Three times as many distinct strings as slots, of varying lengths, visited in a shuffled order and twice, so
        // slots are replaced by strings of the same and of other lengths and hits and misses interleave.
        var agents = Enumerable.Range(0, 3 * RecentUserAgents.Slots)
            .Select(i => (i % 3) switch
            {
                0 => $"Mozilla/5.0 (X11; Linux x86_64; rv:{i}.0) Gecko/20100101 Firefox/{i}.0",
                1 => $"Mozilla/5.0 (iPhone; CPU iPhone OS 17_{i % 10} like Mac OS X) AppleWebKit/605.1.15 Version/17.{i} Mobile/15E148 Safari/604.1",
                _ => $"curl/8.{i}",
            })
            .ToArray();
        var random = new Random(14_2026);
        var order = Enumerable.Range(0, agents.Length).Concat(Enumerable.Range(0, agents.Length)).OrderBy(_ => random.Next()).ToArray();
        foreach (var i in order)
        {
            var utf8 = Encoding.UTF8.GetBytes(agents[i]);
            Assert.Equal(reference.Parse(utf8), recent.Parse(utf8, parser));
        }
    }

    [Fact]
    public void A_repeat_is_a_cache_hit_and_a_string_over_the_length_limit_goes_to_the_parser()
    {
        var registry = new MetricsRegistry();
        var metrics = new UserAgentCacheMetrics(registry, TimeProvider.System);
        var parser = new UserAgentParser(TestData.RegexesPath, cacheBytes: 1024 * 1024, maxLength: 64, metrics: metrics);
        var recent = new RecentUserAgents();
        var hot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"u8.ToArray()[..60];
        var first = recent.Parse(hot, parser);
        for (var i = 0; i < 99; i++)
        {
            Assert.Same(first, recent.Parse(hot, parser));
        }

        Assert.Equal(1, metrics.Misses.Value);
        Assert.Equal(99, metrics.Hits.Value);

        // Longer than MaxLength: the parser's own answer (for the cut string), through its cache.
        var longer = Encoding.UTF8.GetBytes("Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0 " + new string('x', 100));
        Assert.Equal(parser.Parse(longer), recent.Parse(longer, parser));
        Assert.Same(parser.Parse(longer), recent.Parse(longer, parser));
        Assert.Equal(2, metrics.Misses.Value);
    }
}
