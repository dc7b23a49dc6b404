using LogPipeline.Hosting.Metrics;

namespace LogPipeline.Hosting.Tests.Metrics;

public sealed class MetricsRegistryTests
{
    [Fact]
    public void Renders_prometheus_text_with_one_help_and_type_per_family()
    {
        var registry = new MetricsRegistry();
        var ok = registry.Counter("lp_lines_total", "Lines.", ("outcome", "ok"));
        var other = registry.Gauge("lp_buffer_bytes", "Buffer fill.");
        var failed = registry.Counter("lp_lines_total", "Lines.", ("outcome", "failed"));
        ok.Increment(5);
        failed.Increment();
        other.Set(42);

        var text = registry.Render();

        Assert.Equal(
            "# HELP lp_lines_total Lines.\n# TYPE lp_lines_total counter\n" +
            "lp_lines_total{outcome=\"ok\"} 5\nlp_lines_total{outcome=\"failed\"} 1\n" +
            "# HELP lp_buffer_bytes Buffer fill.\n# TYPE lp_buffer_bytes gauge\nlp_buffer_bytes 42\n",
            text);
    }

    [Fact]
    public void Histogram_buckets_are_cumulative_and_count_every_observation()
    {
        var registry = new MetricsRegistry();
        var h = registry.Histogram("lp_latency_seconds", "Latency.", [0.1, 1, 0.01]);
        h.Observe(0.005);
        h.Observe(0.05);
        h.Observe(0.5);
        h.Observe(5);

        var lines = registry.Render().Split('\n');

        Assert.Contains("lp_latency_seconds_bucket{le=\"0.01\"} 1", lines);
        Assert.Contains("lp_latency_seconds_bucket{le=\"0.1\"} 2", lines);
        Assert.Contains("lp_latency_seconds_bucket{le=\"1\"} 3", lines);
        Assert.Contains("lp_latency_seconds_bucket{le=\"+Inf\"} 4", lines);
        Assert.Contains("lp_latency_seconds_count 4", lines);
        Assert.Contains("lp_latency_seconds_sum 5.555", lines);
    }

    [Fact]
    public void Label_values_are_escaped()
    {
        var registry = new MetricsRegistry();
        registry.Counter("lp_x_total", "X.", ("reason", "a \"quoted\"\\ value\nnext")).Increment();
        Assert.Contains("lp_x_total{reason=\"a \\\"quoted\\\"\\\\ value\\nnext\"} 1", registry.Render(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_increments_are_not_lost()
    {
        var registry = new MetricsRegistry();
        var c = registry.Counter("lp_c_total", "C.");
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 100_000; i++)
            {
                c.Increment();
            }
        })));
        Assert.Equal(400_000, c.Value);
    }
}
