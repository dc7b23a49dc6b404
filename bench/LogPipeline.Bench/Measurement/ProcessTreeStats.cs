using System.Globalization;

namespace LogPipeline.Bench.Measurement;

/// <summary>
/// CPU seconds (utime+stime from /proc/&lt;pid&gt;/stat) and peak RSS (VmHWM from /proc/&lt;pid&gt;/status) of a
/// process and its descendants. Sampled periodically by the run's sampler task (the only writer); read after
/// that task has stopped. A descendant that exits between samples keeps its last sampled values.
/// </summary>
public sealed class ProcessTreeStats
{
    private const double ClockTicksPerSecond = 100.0; // sysconf(_SC_CLK_TCK) on Linux x86-64
    private readonly int _rootPid;
    private readonly Dictionary<int, (long Ticks, long HwmKb)> _seen = [];

    public ProcessTreeStats(int rootPid) => _rootPid = rootPid;

    public double CpuSeconds => _seen.Values.Sum(v => v.Ticks) / ClockTicksPerSecond;

    /// <summary>The largest VmHWM of any single process of the tree (the tools are single processes).</summary>
    public double PeakRssMb => _seen.Count == 0 ? 0 : _seen.Values.Max(v => v.HwmKb) / 1024.0;

    public void Sample()
    {
        foreach (var pid in TreeOf(_rootPid))
        {
            var ticks = ReadTicks(pid);
            var hwm = ReadHwmKb(pid);
            if (ticks is null)
            {
                continue;
            }

            _seen.TryGetValue(pid, out var prev);
            _seen[pid] = (Math.Max(prev.Ticks, ticks.Value), Math.Max(prev.HwmKb, hwm ?? 0));
        }
    }

    private static List<int> TreeOf(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && ReadStatFields(pid) is { } f)
            {
                parents[pid] = int.Parse(f[1], CultureInfo.InvariantCulture);
            }
        }

        var tree = new List<int> { root };
        for (var i = 0; i < tree.Count && i < 1000; i++)
        {
            tree.AddRange(parents.Where(p => p.Value == tree[i]).Select(p => p.Key));
        }

        return tree;
    }

    /// <summary>Fields after the command name: [0]=state, [1]=ppid, … [11]=utime, [12]=stime.</summary>
    private static string[]? ReadStatFields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            return close < 0 ? null : stat[(close + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static long? ReadTicks(int pid) =>
        ReadStatFields(pid) is { Length: > 12 } f
            ? long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture)
            : null;

    private static long? ReadHwmKb(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }

        return null;
    }
}
