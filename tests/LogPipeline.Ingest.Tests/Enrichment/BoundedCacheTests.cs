using LogPipeline.Ingest.Enrichment.UserAgents;

namespace LogPipeline.Ingest.Tests.Enrichment;

public sealed class BoundedCacheTests
{
    [Fact]
    public void Never_holds_more_than_its_capacity()
    {
        var cache = new BoundedCache<string>(100);
        for (var i = 0; i < 10_000; i++)
        {
            cache.Add($"key{i}", "v");
            Assert.InRange(cache.Count, 1, 100);
        }
    }

    [Fact]
    public void Keeps_entries_that_are_in_use()
    {
        var cache = new BoundedCache<string>(100);
        cache.Add("hot", "value");
        for (var i = 0; i < 5_000; i++)
        {
            cache.Add($"cold{i}", "v");
            Assert.True(cache.TryGet("hot", out var value));
            Assert.Equal("value", value);
        }

        Assert.False(cache.TryGet("cold0", out _));
    }

    [Fact]
    public async Task Concurrent_use_stays_bounded_and_consistent()
    {
        var cache = new BoundedCache<string>(64);
        var tasks = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                var key = $"k{(i * 7 + t) % 500}";
                if (cache.TryGet(key, out var value))
                {
                    Assert.Equal(key + "!", value);
                }
                else
                {
                    cache.Add(key, key + "!");
                }
            }
        }, TestContext.Current.CancellationToken));

        await Task.WhenAll(tasks);

        // Racing adds may overshoot a generation by one entry per thread, never more.
        Assert.InRange(cache.Count, 1, 64 + 8);
    }
}
