using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using LogPipeline.Bench.Peers;
using LogPipeline.Bench.Reporting;

namespace LogPipeline.Bench.Pods;

/// <summary>
/// The web tier's numbers: <c>--only drain</c> (the sidecar's drain budget at SIGTERM) and <c>--only fleet</c>
/// (N concurrent shippers: CPU and memory for the sizing guide). Opt-in parts, not in the default run: their
/// results feed docs/deploy.md ("Grace periods", "Sizing").
/// Fleet knobs: LPBENCH_FLEET_SHIPPERS (20), LPBENCH_FLEET_RATE (500 lines/s each), LPBENCH_FLEET_SECONDS (30).
/// </summary>
public static class PodsSection
{
    private const int SigUsr1 = 10;

    public static string Run(bool drain, bool fleet, bool quick, CancellationToken ct)
    {
        var shipper = new LogPipelineShipper();
        if (shipper.Binary is null)
        {
            return $"\n## Web pods\n\nnot available: {shipper.UnavailableReason}\n";
        }

        // Built-in rotation: every pod's shipper signals this process, which stands in for each pod's nginx.
        using var reopen = PosixSignalRegistration.Create((PosixSignal)SigUsr1, c =>
        {
            c.Cancel = true;
            PodShipper.ReopenAll();
        });
        var root = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"lpbench-pods-{Environment.ProcessId}");
        var text = new StringBuilder();
        try
        {
            if (drain)
            {
                text.Append(Drain(shipper, root, quick, ct));
            }

            if (fleet)
            {
                text.Append(Fleet(shipper, root, quick, ct));
            }
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }

        return text.ToString();
    }

    private static string Drain(LogPipelineShipper shipper, string root, bool quick, CancellationToken ct)
    {
        var writeFor = TimeSpan.FromSeconds(quick ? 5 : 10);
        var text = new StringBuilder()
            .AppendLine()
            .AppendLine("## Web pod: the shipper's drain at SIGTERM")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"LogPipeline build: **{shipper.Build}**. The pod's shipper configuration (built-in 50 KB rotation, Keep 1, grace {DrainBudget.Grace.TotalSeconds:0} s); a writer stands in for nginx at the given rate for {writeFor.TotalSeconds:0} s, stops, and the shipper gets SIGTERM at that moment (nginx has exited). ")
            .AppendLine("Drain s = SIGTERM → process exit. Unread / unacked = lines written but not yet read / not yet acknowledged by Kafka at SIGTERM. RTT = every mock broker's injected round trip.")
            .AppendLine()
            .AppendLine("| lines/s | broker RTT ms | lines | unread at SIGTERM | unacked at SIGTERM | drain s | exit code | lost | CPU s | peak RSS MB |")
            .AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var drainCase in DrainBudget.Cases(quick))
        {
            Console.WriteLine($"  drain {drainCase}");
            var r = DrainBudget.Run(shipper.Binary!, root, drainCase, writeFor, ct);
            Console.WriteLine($"    drain {r.DrainSeconds:0.00}s exit {r.ExitCode} unacked {r.UnackedAtTerm} lost {r.Lost} | {r.Tail}");
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Case.Rate:N0}{(r.Case.Backlog ? " (brokers down while written)" : string.Empty)} | {r.Case.Rtt.TotalMilliseconds:0} | {r.Lines:N0} | {r.UnreadAtTerm:N0} | {r.UnackedAtTerm:N0} | {r.DrainSeconds:0.00} | {r.ExitCode} | {r.Lost:N0} | {r.CpuSeconds:0.00} | {r.PeakRssMb:0.0} |"));
        }

        return text.ToString();
    }

    private static string Fleet(LogPipelineShipper shipper, string root, bool quick, CancellationToken ct)
    {
        var shippers = Knob("LPBENCH_FLEET_SHIPPERS", quick ? 5 : 20);
        var rate = Knob("LPBENCH_FLEET_RATE", 500);
        var seconds = Knob("LPBENCH_FLEET_SECONDS", quick ? 10 : 30);
        Console.WriteLine($"  fleet: {shippers} shippers × {rate} lines/s for {seconds} s");
        var r = FleetRun.Run(shipper.Binary!, root, shippers, rate, TimeSpan.FromSeconds(seconds), partitions: 12, ct);
        Console.WriteLine($"    cores {r.Cores:0.000} ({r.MillicoresPerShipper:0.0} m each), rss max {r.MaxPeakRssMb:0.0} MB, delivered {r.Delivered}/{r.Written}");
        return new StringBuilder()
            .AppendLine()
            .AppendLine("## Web pods: many shippers at once")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"LogPipeline build: **{shipper.Build}**. {r.Shippers} shippers, each the pod's configuration tailing its own file at {r.RatePerShipper} lines/s (built-in 50 KB rotation), into one 3-broker mock cluster, one topic of {r.Partitions} partitions; measured for {r.Seconds:0} s after a 3 s warm-up. ")
            .AppendLine("Harness CPU = this process over the same interval (the mock brokers and the writers standing in for nginx), for reference only.")
            .AppendLine()
            .AppendLine("| shippers | lines/s each | total lines/s | shipper CPU s | cores (all shippers) | millicores per shipper | lines per shipper CPU-s | peak RSS MB max / mean / sum | harness CPU s | written | delivered | exited early |")
            .AppendLine("|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|")
            .AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Shippers} | {r.RatePerShipper} | {r.Shippers * r.RatePerShipper:N0} | {r.CpuSeconds:0.00} | {r.Cores:0.000} | {r.MillicoresPerShipper:0.0} | {r.LinesPerCpuSecond:N0} | {r.MaxPeakRssMb:0.0} / {r.MeanPeakRssMb:0.0} / {r.SumPeakRssMb:0} | {r.HarnessCpuSeconds:0.00} | {r.Written:N0} | {r.Delivered:N0} | {r.ExitedEarly} |"))
            .ToString();
    }

    private static int Knob(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : fallback;
}
