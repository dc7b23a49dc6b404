using System.Diagnostics;
using LogPipeline.Bench.Measurement;
using LogPipeline.Bench.Peers;
using LogPipeline.Bench.Workloads;
using LogPipeline.Testing.Kafka;

namespace LogPipeline.Bench.Pods;

/// <summary>
/// The drain budget of the web pod's sidecar: the writer (nginx) writes at a steady rate, stops, and at that very
/// moment the shipper gets SIGTERM (the kubelet's order with a native sidecar: the main container has exited). Time
/// from SIGTERM to exit, exit code, what was still unacknowledged at SIGTERM, and whether every line arrived.
/// With Kafka healthy and with every broker at a 300 ms round trip. One case at a time, on the run's thread.
/// </summary>
public static class DrainBudget
{
    private const string Topic = "nginx-access";

    /// <summary>The manifest's Shipper__ShutdownGracePeriod.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    private static readonly int[] Rates = [500, 2_000, 10_000];

    /// <summary>
    /// Steady rates with Kafka healthy and slow; then the worst case the manifest allows: a backlog near
    /// Shipper__MaxBacklogBytes (all brokers down while 60k lines ≈ 11 MB are written) that Kafka comes back for just
    /// as the pod stops.
    /// </summary>
    public static IReadOnlyList<DrainCase> Cases(bool quick) =>
        quick
            ? [new(2_000, TimeSpan.Zero, false), new(2_000, TimeSpan.FromMilliseconds(300), false)]
            : [.. Rates.SelectMany(r => new DrainCase[] { new(r, TimeSpan.Zero, false), new(r, TimeSpan.FromMilliseconds(300), false) }),
               new(10_000, TimeSpan.Zero, true), new(10_000, TimeSpan.FromMilliseconds(300), true)];

    public static DrainResult Run(string binary, string root, DrainCase drainCase, TimeSpan writeFor, CancellationToken ct)
    {
        var (rate, rtt, outage) = drainCase;
        if (outage)
        {
            writeFor = TimeSpan.FromSeconds(60_000.0 / rate);
        }

        using var cluster = KafkaMockCluster.Start(3);
        cluster.CreateTopic(Topic, 3);
        if (rtt > TimeSpan.Zero)
        {
            for (var id = 1; id <= cluster.BrokerCount; id++)
            {
                cluster.SetBrokerRtt(id, rtt);
            }
        }

        var lines = (int)(rate * writeFor.TotalSeconds);
        var workload = new WorkloadSpec($"drain-{rate}", lines, rate, RotationMode.BuiltIn);
        var clock = Stopwatch.StartNew();
        using var counter = new DeliveryCounter(cluster.BootstrapServers, Topic, 3, lines, clock);
        using var pod = PodShipper.Start(binary, root, $"drain-{rate}-{rtt.TotalMilliseconds:0}{(outage ? "-backlog" : string.Empty)}", cluster.BootstrapServers, Topic, workload, Grace);
        pod.WaitHealthyAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        var stats = new ProcessTreeStats(pod.Process.Pid);
        if (outage)
        {
            cluster.SetAllBrokersDown();
        }

        var writing = pod.Writer.RunAsync(ct);
        while (!writing.Wait(TimeSpan.FromMilliseconds(200), ct))
        {
            stats.Sample();
        }

        if (outage)
        {
            cluster.SetAllBrokersUp();
        }

        // nginx has exited: nothing more is written. The shipper's books just before its SIGTERM.
        var read = pod.ScrapeAsync("shipper_lines_read_total").GetAwaiter().GetResult() ?? double.NaN;
        var delivered = pod.ScrapeAsync("shipper_lines_delivered_total").GetAwaiter().GetResult() ?? double.NaN;
        stats.Sample();
        var drain = Stopwatch.StartNew();
        _ = NativeSignals.Kill(pod.Process.Pid, NativeSignals.SigTerm);
        var exited = pod.Process.WaitForExit(Grace + TimeSpan.FromSeconds(20));
        var drainSeconds = drain.Elapsed.TotalSeconds;
        var exitCode = exited ? pod.Process.ExitCode : -1;

        // Count what arrived: until every line is there or nothing new came for 5 s.
        var last = (Count: -1L, At: clock.Elapsed);
        while (counter.Distinct < lines && clock.Elapsed - last.At < TimeSpan.FromSeconds(5))
        {
            Thread.Sleep(100);
            if (counter.Distinct != last.Count)
            {
                last = (counter.Distinct, clock.Elapsed);
            }
        }

        return new DrainResult(drainCase, lines, pod.Writer.Written - (long)read, pod.Writer.Written - (long)delivered, drainSeconds, exitCode,
            lines - counter.Distinct, stats.CpuSeconds, stats.PeakRssMb, pod.Process.Tail(2));
    }
}

/// <param name="UnreadAtTerm">Lines written but not yet read by the shipper when it got SIGTERM.</param>
/// <param name="UnackedAtTerm">Lines written but not yet acknowledged by Kafka when it got SIGTERM.</param>
/// <param name="Lost">Lines that never reached the topic.</param>
public sealed record DrainResult(
    DrainCase Case, int Lines, long UnreadAtTerm, long UnackedAtTerm, double DrainSeconds, int ExitCode, long Lost, double CpuSeconds, double PeakRssMb, string Tail);

/// <param name="Backlog">All brokers down while the lines are written; up again at SIGTERM.</param>
public sealed record DrainCase(int Rate, TimeSpan Rtt, bool Backlog);
