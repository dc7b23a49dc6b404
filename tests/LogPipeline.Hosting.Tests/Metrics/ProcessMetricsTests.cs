using System.Globalization;
using System.Text.RegularExpressions;
using LogPipeline.Hosting.Metrics;

namespace LogPipeline.Hosting.Tests.Metrics;

public sealed class ProcessMetricsTests
{
    [Fact]
    public void Exposes_resident_memory_and_cpu_read_from_this_process()
    {
        var text = new MetricsRegistry().AddProcessMetrics().Render();

        var rss = Value(text, "process_resident_memory_bytes");
        Assert.InRange(rss, 1024 * 1024, 64L * 1024 * 1024 * 1024);
        Assert.True(Value(text, "process_peak_resident_memory_bytes") >= rss);
        Assert.True(Value(text, "process_cpu_seconds_total") > 0);
        Assert.True(Value(text, "process_threads") >= 1);
        Assert.Contains("# TYPE process_cpu_seconds_total counter\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Gc_series_follow_the_runtime()
    {
        var registry = new MetricsRegistry().AddProcessMetrics();
        var before = Value(registry.Render(), "dotnet_gc_collections_total{generation=\"2\"}");
        var allocatedBefore = Value(registry.Render(), "dotnet_gc_allocated_bytes_total");
        var pauseBefore = Value(registry.Render(), "dotnet_gc_pause_seconds_total");

        GC.KeepAlive(new byte[1024 * 1024]);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true);

        var text = registry.Render();
        Assert.True(Value(text, "dotnet_gc_collections_total{generation=\"2\"}") > before);
        // GC.GetTotalAllocatedBytes() (not precise) may be off by the unused part of a thread's allocation context
        // (up to 8 KB each, per the API docs; other test threads allocate meanwhile), so allow 64 KB of slack.
        Assert.True(Value(text, "dotnet_gc_allocated_bytes_total") >= allocatedBefore + (1024 * 1024) - (64 * 1024));
        Assert.True(Value(text, "dotnet_gc_committed_bytes") > 0);
        // A blocking gen2 collection pauses the process for a measurable time.
        Assert.True(Value(text, "dotnet_gc_pause_seconds_total") > pauseBefore);
        Assert.Equal(1, Regex.Count(text, "^# TYPE dotnet_gc_collections_total counter$", RegexOptions.Multiline));
    }

    private static double Value(string text, string series)
    {
        var match = Regex.Match(text, "^" + Regex.Escape(series) + " (\\S+)$", RegexOptions.Multiline);
        Assert.True(match.Success, $"{series} not in:\n{text}");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }
}
