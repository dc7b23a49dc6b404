using System.Text;
using LogPipeline.Ingest.Enrichment.Visitors;

namespace LogPipeline.Ingest.Tests.Enrichment;

public sealed class VisitorKeyCacheTests
{
    [Fact]
    public void Answers_exactly_like_the_uncached_key_through_hits_evictions_and_long_inputs()
    {
        var cache = new VisitorKeyCache();
        var random = new Random(15);
        var day = new DateTimeOffset(2025, 3, 14, 23, 0, 0, TimeSpan.FromHours(2));
        Span<byte> cached = stackalloc byte[VisitorKey.Length];
        Span<byte> direct = stackalloc byte[VisitorKey.Length];

        // 5,000 distinct visitors against 1,024 slots: every slot is evicted and refilled many times.
        for (var n = 0; n < 60_000; n++)
        {
            var visitor = random.Next(5_000);
            var ip = Encoding.ASCII.GetBytes($"203.0.{visitor % 250}.{visitor / 250}");
            var ua = Encoding.UTF8.GetBytes(visitor % 97 == 0 ? new string('x', 400) + visitor : $"Mozilla/5.0 agent-{visitor % 13}");
            var time = day.AddHours(visitor % 3);

            cache.Write(ip, time, ua, cached);
            VisitorKey.Write(ip, time, ua, direct);

            Assert.True(cached.SequenceEqual(direct), $"visitor {visitor}");
        }

        Assert.True(cache.Hits > 10_000, $"{cache.Hits} hits");
    }

    [Fact]
    public void Inputs_differing_only_in_the_day_or_one_byte_of_the_agent_get_different_keys()
    {
        var cache = new VisitorKeyCache();
        var day = new DateTimeOffset(2025, 3, 14, 12, 0, 0, TimeSpan.Zero);
        string Key(string ip, DateTimeOffset time, string ua)
        {
            var key = new byte[VisitorKey.Length];
            cache.Write(Encoding.ASCII.GetBytes(ip), time, Encoding.UTF8.GetBytes(ua), key);
            return Encoding.ASCII.GetString(key);
        }

        var first = Key("8.8.8.8", day, "agent/1");
        Assert.Equal(first, Key("8.8.8.8", day.AddHours(11), "agent/1"));
        Assert.NotEqual(first, Key("8.8.8.8", day.AddDays(1), "agent/1"));
        Assert.NotEqual(first, Key("8.8.8.8", day, "agent/2"));
        Assert.NotEqual(first, Key("8.8.8.9", day, "agent/1"));
        Assert.Equal(first, VisitorKey.Compute("8.8.8.8", day, "agent/1"));
    }
}
