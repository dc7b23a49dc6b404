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

        // Each add reserves its slot before it inserts: racing adds never overshoot.
        Assert.InRange(cache.Count, 1, 64);
    }

    [Fact]
    public async Task Concurrent_adds_never_cost_more_than_the_budget()
    {
        const long budget = 10_000;
        var cache = new BoundedCache<string>(budget, static (key, value) => key.Length + value.Length);
        var overBudget = 0L;
        var tasks = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 50_000; i++)
            {
                // Unique keys with costs from ~10 to ~400: every generation fills and swaps many times.
                var key = $"t{t}-{i}";
                cache.Add(key, new string('v', i % 397));
                if (cache.Cost > budget)
                {
                    Interlocked.Increment(ref overBudget);
                }
            }
        }, TestContext.Current.CancellationToken));

        await Task.WhenAll(tasks);

        Assert.Equal(0, overBudget);
        Assert.InRange(cache.Cost, 1, budget);
    }

    [Fact]
    public void An_entry_larger_than_half_the_budget_is_not_kept()
    {
        var cache = new BoundedCache<string>(1_000, static (_, value) => value.Length);
        cache.Add("small", new string('v', 100));
        cache.Add("huge", new string('v', 501));

        Assert.True(cache.TryGet("small", out _));
        Assert.False(cache.TryGet("huge", out _));
        Assert.Equal(100, cache.Cost);
    }
}
