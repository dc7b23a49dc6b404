using System.Globalization;

namespace LogPipeline.Hosting.Metrics;

/// <summary>
/// The standard Prometheus process series plus the GC's own view, so a memory budget (the shipper's is a few
/// tens of MB per pod) can be watched and split into managed heap vs everything else from /metrics alone.
/// Read at scrape time from /proc/self and the GC; nothing runs in between.
/// </summary>
public static class ProcessMetrics
{
    public static MetricsRegistry AddProcessMetrics(this MetricsRegistry registry)
    {
        registry.GaugeCallback("process_resident_memory_bytes", "Resident memory size in bytes.", () => StatusKilobytes("VmRSS:") * 1024);
        registry.GaugeCallback("process_peak_resident_memory_bytes", "Peak resident memory size in bytes (VmHWM).", () => StatusKilobytes("VmHWM:") * 1024);
        registry.CounterCallback("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", () =>
        {
            using var self = System.Diagnostics.Process.GetCurrentProcess();
            return self.TotalProcessorTime.TotalSeconds;
        });
        registry.GaugeCallback("process_threads", "Number of OS threads in the process.", () => StatusKilobytes("Threads:"));
        registry.GaugeCallback("dotnet_gc_heap_size_bytes", "Managed heap size after the last GC, in bytes.", () => GC.GetGCMemoryInfo().HeapSizeBytes);
        registry.GaugeCallback("dotnet_gc_committed_bytes", "Memory the GC has committed from the OS, in bytes.", () => GC.GetGCMemoryInfo().TotalCommittedBytes);
        registry.CounterCallback("dotnet_gc_allocated_bytes_total", "Bytes allocated on the managed heap.", () => GC.GetTotalAllocatedBytes());
        registry.CounterCallback("dotnet_gc_pause_seconds_total", "Time the garbage collector has paused the process, in seconds.", () => GC.GetTotalPauseDuration().TotalSeconds);
        for (var generation = 0; generation <= 2; generation++)
        {
            var g = generation;
            registry.CounterCallback("dotnet_gc_collections_total", "Garbage collections, by generation.", () => GC.CollectionCount(g), ("generation", g.ToString(CultureInfo.InvariantCulture)));
        }

        return registry;
    }

    /// <summary>A "Name:   value kB" (or plain count) line of /proc/self/status; 0 where /proc is not there.</summary>
    private static double StatusKilobytes(string key)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith(key, StringComparison.Ordinal))
                {
                    var value = line.AsSpan(key.Length).Trim();
                    var space = value.IndexOf(' ');
                    return double.Parse(space >= 0 ? value[..space] : value, CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }

        return 0;
    }
}
