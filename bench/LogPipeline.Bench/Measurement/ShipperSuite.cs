using System.Runtime.InteropServices;
using LogPipeline.Bench.Peers;
using LogPipeline.Bench.Workloads;

namespace LogPipeline.Bench.Measurement;

/// <summary>Runs every tool on every workload, one at a time (they share 2 cores), printing progress.</summary>
public static class ShipperSuite
{
    private const int SigUsr1 = 10;

    public static List<RunResult> Run(IReadOnlyList<WorkloadSpec> workloads, IReadOnlyList<ITool> tools, string logsRoot, TimeSpan quiet, CancellationToken ct)
    {
        // Built-in rotation: the shipper signals the "nginx" in its PidFile — this process — to reopen.
        using var reopen = PosixSignalRegistration.Create((PosixSignal)SigUsr1, c =>
        {
            c.Cancel = true;
            ShipperRun.CurrentWriter?.RequestReopen();
        });
        var workRoot = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"lpbench-{Environment.ProcessId}");
        var results = new List<RunResult>();
        try
        {
            foreach (var w in workloads)
            {
                Console.WriteLine($"== {w.Name}: {w.Describe()}");
                foreach (var tool in tools.Where(t => t.Supports(w)))
                {
                    if (ct.IsCancellationRequested)
                    {
                        return results;
                    }

                    var result = tool.UnavailableReason is { } why
                        ? RunResult.NotAvailable(tool.Name, w.Name, w.Lines, why)
                        : Guarded(tool, w, workRoot, logsRoot, quiet, ct);
                    results.Add(result);
                    Console.WriteLine(result.Available
                        ? $"  {tool.Name,-13} lost {result.Lost,9:N0}  dup {result.Duplicated,7:N0}  cpu {result.CpuSeconds,6:0.00}s  rss {result.PeakRssMb,6:0.0} MB  deliver {result.DeliverSeconds,6:0.00}s"
                        : $"  {tool.Name,-13} not available: {result.Unavailable}");
                }
            }
        }
        finally
        {
            if (Directory.Exists(workRoot))
            {
                Directory.Delete(workRoot, recursive: true);
            }
        }

        return results;
    }

    private static RunResult Guarded(ITool tool, WorkloadSpec w, string workRoot, string logsRoot, TimeSpan quiet, CancellationToken ct)
    {
        try
        {
            return new ShipperRun(tool, w, workRoot, logsRoot, quiet).Execute(ct);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
        {
            return RunResult.NotAvailable(tool.Name, w.Name, w.Lines, "failed: " + e.Message);
        }
    }
}
