using System.Diagnostics;
using LogPipeline.Bench.Measurement;
using LogPipeline.Bench.Workloads;
using LogPipeline.Testing.Kafka;

namespace LogPipeline.Bench.Pods;

/// <summary>
/// N web pods' shippers at once, each tailing its own file at a moderate rate (built-in 50 KB rotation), all into one
/// 3-broker mock cluster and one topic: total and per-shipper CPU and peak RSS once they run (start-up excluded),
/// and what the brokers accepted. The base of the sizing guide in docs/deploy.md. Runs on the caller's thread.
/// </summary>
public static class FleetRun
{
    private const string Topic = "nginx-access";
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(3);

    public static FleetResult Run(string binary, string root, int shippers, int ratePerShipper, TimeSpan measureFor, int partitions, CancellationToken ct)
    {
        using var cluster = KafkaMockCluster.Start(3);
        cluster.CreateTopic(Topic, partitions);
        var lines = (int)(ratePerShipper * (WarmUp + measureFor).TotalSeconds);
        var workload = new WorkloadSpec($"fleet-{ratePerShipper}", lines, ratePerShipper, RotationMode.BuiltIn);
        var pods = new List<PodShipper>();
        try
        {
            for (var i = 0; i < shippers; i++)
            {
                pods.Add(PodShipper.Start(binary, root, $"web-{i:D3}", cluster.BootstrapServers, Topic, workload, DrainBudget.Grace));
            }

            Task.WaitAll([.. pods.Select(p => p.WaitHealthyAsync(TimeSpan.FromSeconds(60)))], ct);
            var stats = pods.Select(p => new ProcessTreeStats(p.Process.Pid)).ToList();
            var writers = pods.Select(p => p.Writer.RunAsync(ct)).ToList();
            var clock = Stopwatch.StartNew();
            Thread.Sleep(WarmUp);
            stats.ForEach(s => s.Sample());
            var cpuAtStart = stats.Sum(s => s.CpuSeconds);
            var self = Process.GetCurrentProcess();
            var harnessAtStart = self.TotalProcessorTime;
            var measured = Stopwatch.StartNew();
            while (measured.Elapsed < measureFor && !ct.IsCancellationRequested)
            {
                Thread.Sleep(500);
                stats.ForEach(s => s.Sample());
            }

            var seconds = measured.Elapsed.TotalSeconds;
            var cpu = stats.Sum(s => s.CpuSeconds) - cpuAtStart;
            self.Refresh();
            var harnessCpu = (self.TotalProcessorTime - harnessAtStart).TotalSeconds;
            Task.WaitAll([.. writers], ct);

            // Delivered: every shipper's own books once the writers are done (a few seconds to catch up).
            var deadline = clock.Elapsed + TimeSpan.FromSeconds(30);
            double delivered;
            do
            {
                Thread.Sleep(500);
                delivered = pods.Sum(p => p.ScrapeAsync("shipper_lines_delivered_total").GetAwaiter().GetResult() ?? 0);
            }
            while (delivered < (double)lines * shippers && clock.Elapsed < deadline);

            var exited = pods.Count(p => p.Process.HasExited);
            return new FleetResult(shippers, ratePerShipper, partitions, seconds, cpu, harnessCpu,
                stats.Max(s => s.PeakRssMb), stats.Average(s => s.PeakRssMb), stats.Sum(s => s.PeakRssMb),
                (long)lines * shippers, (long)delivered, exited);
        }
        finally
        {
            foreach (var pod in pods)
            {
                pod.Dispose();
            }
        }
    }
}

/// <param name="CpuSeconds">User+system CPU of all shippers over the measured interval.</param>
/// <param name="HarnessCpuSeconds">This process over the same interval: the mock brokers, the writers standing in for nginx.</param>
public sealed record FleetResult(
    int Shippers, int RatePerShipper, int Partitions, double Seconds, double CpuSeconds, double HarnessCpuSeconds,
    double MaxPeakRssMb, double MeanPeakRssMb, double SumPeakRssMb, long Written, long Delivered, int ExitedEarly)
{
    public double Cores => CpuSeconds / Seconds;

    public double MillicoresPerShipper => Cores * 1000 / Shippers;

    public double LinesPerCpuSecond => Shippers * RatePerShipper * Seconds / CpuSeconds;
}
