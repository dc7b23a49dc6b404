using System.Diagnostics;
using Confluent.Kafka;
using LogPipeline.Bench.Peers;
using LogPipeline.Bench.Workloads;
using LogPipeline.Testing.Kafka;

namespace LogPipeline.Bench.Measurement;

/// <summary>
/// One tool on one workload: a fresh 3-broker mock cluster and topic, the tool as a child process, the
/// generator writing the file, a consumer counting distinct lines, /proc sampling of the tool's tree.
/// Every wait is bounded; the run ends by itself.
/// </summary>
public sealed class ShipperRun
{
    private const string Topic = "nginx-access";
    private static readonly TimeSpan StartupWait = TimeSpan.FromSeconds(1.5);
    private readonly TimeSpan _quiet;

    private readonly ITool _tool;
    private readonly WorkloadSpec _workload;
    private readonly string _workRoot;
    private readonly string _logsRoot;

    /// <param name="quiet">After the last line is written: how long without a new line before the rest counts as lost.</param>
    public ShipperRun(ITool tool, WorkloadSpec workload, string workRoot, string logsRoot, TimeSpan quiet)
    {
        _quiet = quiet;
        _tool = tool;
        _workload = workload;
        _workRoot = workRoot;
        _logsRoot = logsRoot;
    }

    /// <summary>The writer of the run in progress, for the SIGUSR1 (reopen) handler; set/cleared by the run.</summary>
    public static LogWriter? CurrentWriter { get; private set; }

    public RunResult Execute(CancellationToken ct)
    {
        var name = $"{_workload.Name}-{_tool.Name.Replace(' ', '-')}";
        var runDir = Path.Combine(_workRoot, name);
        if (Directory.Exists(runDir))
        {
            Directory.Delete(runDir, recursive: true);
        }

        var logDir = Path.Combine(runDir, "logs");
        Directory.CreateDirectory(logDir);
        var logPath = Path.Combine(logDir, "access.log");
        try
        {
            return ExecuteIn(runDir, logPath, ct);
        }
        finally
        {
            CopyOutput(runDir, name);
            Directory.Delete(runDir, recursive: true);
        }
    }

    private RunResult ExecuteIn(string runDir, string logPath, CancellationToken ct)
    {
        using var cluster = KafkaMockCluster.Start(3);
        cluster.CreateTopic(Topic, _workload.Partitions);
        var startsIn = _workload.Preloaded ? TimeSpan.Zero : StartupWait;
        var context = new ToolContext(runDir, logPath, cluster.BootstrapServers, Topic, _workload, DateTimeOffset.UtcNow + startsIn);
        Directory.CreateDirectory(context.StateDirectory);
        if (_tool.TailsFile)
        {
            if (_workload.Preloaded)
            {
                LogWriter.Preload(logPath, _workload.Lines);
            }
            else
            {
                File.WriteAllBytes(logPath, []);
            }
        }

        var clock = Stopwatch.StartNew();
        // A preloaded burst is timed by the brokers' watermarks and counted afterwards (see WatermarkProbe).
        using var counter = new DeliveryCounter(cluster.BootstrapServers, Topic, _workload.Partitions, _workload.Lines, clock, deferred: _workload.Preloaded);
        using var probe = new WatermarkProbe(cluster.BootstrapServers, Topic, _workload.Partitions);
        var acceptedAt = TimeSpan.Zero;
        Func<long> progress = _workload.Preloaded ? probe.Refresh : () => counter.Distinct;
        using var tool = _tool.Start(context);
        var stats = new ProcessTreeStats(tool.Pid);
        var writer = new LogWriter(_workload, logPath);
        Task? writing = null;
        // Non-tailing (limit reference) runs start producing at context.LinesStartAt by themselves.
        var t0 = _tool.TailsFile ? TimeSpan.Zero : startsIn;
        if (_tool.TailsFile && !_workload.Preloaded)
        {
            // Give every tool the same head start to open the file and connect before lines arrive.
            Thread.Sleep(StartupWait);
            stats.Sample();
            if (tool.HasExited)
            {
                return Failed($"exited at start (code {tool.ExitCode}): {tool.Tail()}");
            }

            t0 = clock.Elapsed;
            CurrentWriter = writer;
            writing = writer.RunAsync(ct);
        }

        var outage = new OutageSchedule(cluster, _workload, t0);
        var written = () => _tool.TailsFile ? (_workload.Preloaded ? _workload.Lines : writer.Written) : _workload.Lines;
        var lastProgress = (Count: -1L, At: clock.Elapsed);
        var lastPrint = TimeSpan.Zero;
        var deadline = t0 + ExpectedDuration() + TimeSpan.FromSeconds(60);
        try
        {
            while (!ct.IsCancellationRequested && clock.Elapsed < deadline)
            {
                Thread.Sleep(100);
                stats.Sample();
                outage.Tick(clock.Elapsed);
                var delivered = progress();
                if (delivered != lastProgress.Count)
                {
                    lastProgress = (delivered, clock.Elapsed);
                    acceptedAt = clock.Elapsed;
                }

                if (clock.Elapsed - lastPrint >= TimeSpan.FromSeconds(2))
                {
                    lastPrint = clock.Elapsed;
                    Console.WriteLine(
                        $"    {_tool.Name,-13} {_workload.Name,-16} t={(clock.Elapsed - t0).TotalSeconds,5:0.0}s written {written(),9:N0} delivered {delivered,9:N0}/{_workload.Lines:N0} cpu {stats.CpuSeconds,5:0.00}s rss {stats.PeakRssMb,5:0.0} MB");
                }

                if (delivered >= _workload.Lines)
                {
                    break;
                }

                var writerDone = written() >= _workload.Lines && outage.Over(clock.Elapsed);
                var quietSince = lastProgress.At > outage.EndsAt ? lastProgress.At : outage.EndsAt;
                if (writerDone && clock.Elapsed - quietSince > _quiet)
                {
                    break;
                }

                if (writing is { IsFaulted: true })
                {
                    // A broken generator is the harness's fault, never counted as the tool's loss.
                    return Failed("the generator failed: " + writing.Exception?.InnerException?.Message);
                }

                if (tool.HasExited && _tool.TailsFile)
                {
                    return Failed($"exited during the run (code {tool.ExitCode}): {tool.Tail()}");
                }
            }

            // A little longer to let stragglers land as duplicates, so duplicates are counted fairly.
            Thread.Sleep(300);
            stats.Sample();
            if (_workload.Preloaded)
            {
                CountAfterwards(counter, clock);
            }
        }
        finally
        {
            CurrentWriter = null;
            outage.Restore();
            tool.Stop(TimeSpan.FromSeconds(10));
        }

        counter.Dispose();
        var deleted = DeletedByRetention(probe);
        var deliveredAt = _workload.Preloaded ? acceptedAt : counter.LastNewAt;
        var deliver = counter.Distinct == 0 ? 0 : (deliveredAt - t0).TotalSeconds;
        return new RunResult(
            _tool.Name, _workload.Name, _workload.Lines, counter.Distinct, counter.Received - counter.Foreign,
            stats.CpuSeconds, stats.PeakRssMb, deliver,
            Note: Notes(counter, deleted));
    }

    /// <summary>Reads what the brokers hold once the tool is done, until all is counted or nothing new comes for 5 s.</summary>
    private void CountAfterwards(DeliveryCounter counter, Stopwatch clock)
    {
        counter.Begin();
        var last = (Count: -1L, At: clock.Elapsed);
        while (counter.Distinct < _workload.Lines && clock.Elapsed - last.At < TimeSpan.FromSeconds(5))
        {
            Thread.Sleep(100);
            if (counter.Received != last.Count)
            {
                last = (counter.Received, clock.Elapsed);
            }
        }
    }

    /// <summary>What the mock broker deleted (retention), so the report can say "lost" may include delivered lines.</summary>
    private static long DeletedByRetention(WatermarkProbe probe)
    {
        try
        {
            return probe.Totals(TimeSpan.FromSeconds(2)).Low;
        }
        catch (KafkaException)
        {
            return 0; // No answer (brokers gone): nothing known to add.
        }
    }

    private static string? Notes(DeliveryCounter counter, long deleted)
    {
        var notes = new List<string>();
        if (counter.Foreign > 0)
        {
            notes.Add($"{counter.Foreign} messages without a sequence number");
        }

        if (deleted > 0)
        {
            notes.Add($"{deleted:N0} messages were deleted by the mock broker's retention (5 MiB per partition); any the counter had not read by then count as lost here although the broker had accepted them");
        }

        if (counter.FirstError is { } error)
        {
            // The counter could not read everything the brokers had: "lost" may include lines it never saw.
            notes.Add($"the counting consumer hit {counter.Errors} error(s), first: {error}");
        }

        return notes.Count == 0 ? null : string.Join("; ", notes);
    }

    private RunResult Failed(string why) => RunResult.NotAvailable(_tool.Name, _workload.Name, _workload.Lines, "failed: " + why);

    private TimeSpan ExpectedDuration() =>
        _workload.Preloaded ? TimeSpan.FromSeconds(30) : TimeSpan.FromSeconds((double)_workload.Lines / _workload.LinesPerSecond);

    private void CopyOutput(string runDir, string name)
    {
        var output = Path.Combine(runDir, "output.log");
        if (File.Exists(output))
        {
            Directory.CreateDirectory(_logsRoot);
            File.Copy(output, Path.Combine(_logsRoot, name + ".log"), overwrite: true);
        }
    }
}
