using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using LogPipeline.EndToEnd.Tests.Harness;
using LogPipeline.Testing.Nginx;

namespace LogPipeline.EndToEnd.Tests.Churn;

/// <summary>
/// One web pod as k8s/base/web/deployment.yaml builds it: a real nginx (main container) and the real shipper
/// (native sidecar) sharing an in-memory log volume (nginx's run directory on /dev/shm), the shipper with its own
/// state directory, its source name from <c>POD_NAME</c>, built-in 50 KB rotation (Keep 1, SIGUSR1 to nginx's pid).
/// Created, stopped and disposed by the churn test's thread; the load generator only reads <see cref="BaseAddress"/>.
/// </summary>
internal sealed partial class WebPod : IAsyncDisposable
{
    /// <summary>The manifest's Shipper__ShutdownGracePeriod.</summary>
    public static readonly TimeSpan ShipperGrace = TimeSpan.FromSeconds(30);

    private readonly NginxServer _nginx;
    private bool _volumesDeleted;

    private WebPod(string name, NginxServer nginx, WorkerProcess shipper, string stateDirectory)
    {
        Name = name;
        _nginx = nginx;
        Shipper = shipper;
        StateDirectory = stateDirectory;
    }

    public string Name { get; }

    public Uri BaseAddress => _nginx.BaseAddress;

    public WorkerProcess Shipper { get; }

    public string StateDirectory { get; }

    /// <summary>Set by <see cref="StopAsync"/>: what the pod's stop looked like.</summary>
    public PodStop? Stopped { get; private set; }

    public static async Task<WebPod> StartAsync(Pipeline pipeline, string name, CancellationToken cancellationToken)
    {
        var nginx = await NginxServer.StartAsync(cancellationToken: cancellationToken);
        var state = Path.Combine(pipeline.Directory, "pods", name, "state");
        Directory.CreateDirectory(state);
        var env = pipeline.ShipperEnvironment(nginx.AccessLogPath, state);
        // The source name comes from the downward API (POD_NAME), as in the manifest; ResolveSourceName falls back to it.
        env["Shipper__SourceName"] = null;
        env["POD_NAME"] = name;
        env["Shipper__Rotation__MaxBytes"] = "51200";
        env["Shipper__Rotation__Keep"] = "1";
        env["Shipper__Rotation__PidFile"] = nginx.PidFile;
        env["Shipper__ShutdownGracePeriod"] = ShipperGrace.ToString("c", CultureInfo.InvariantCulture);
        WorkerProcess? shipper = null;
        try
        {
            shipper = WorkerProcess.Start("shipper-" + name, Binaries.Shipper, env);
            await shipper.WaitUntilReadyAsync(Scenario.ReadyTimeout, "/readyz");
            return new WebPod(name, nginx, shipper, state);
        }
        catch
        {
            if (shipper is not null)
            {
                await shipper.DisposeAsync();
            }

            await nginx.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The kubelet's pod stop with a native sidecar: (the caller has already taken the pod out of the endpoints)
    /// the preStop pause, nginx's stop signal (the nginx image's STOPSIGNAL is SIGQUIT: graceful) and its exit, THEN
    /// SIGTERM to the shipper, which drains within its grace period; then the pod's volumes are deleted.
    /// </summary>
    public async Task<PodStop> StopAsync(TimeSpan preStop, CancellationToken cancellationToken)
    {
        await Task.Delay(preStop, cancellationToken);
        var nginxClock = Stopwatch.StartNew();
        Signal("QUIT", _nginx.MasterPid);
        // nginx removes its pid file as it exits; the process itself is reaped by NginxServer's Process object.
        while ((File.Exists(_nginx.PidFile) || IsAlive(_nginx.MasterPid)) && nginxClock.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(20, cancellationToken);
        }

        var nginxSeconds = nginxClock.Elapsed.TotalSeconds;
        var lastBooks = await TryScrapeAsync();
        var drainClock = Stopwatch.StartNew();
        Shipper.Terminate();
        int exitCode;
        try
        {
            // The kubelet's budget for the sidecar is what is left of terminationGracePeriodSeconds; the shipper's own
            // grace is 20 s, so anything beyond grace + slack is a hang.
            exitCode = await Shipper.WaitForExitAsync(ShipperGrace + TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException)
        {
            exitCode = -1;
        }

        var drainSeconds = drainClock.Elapsed.TotalSeconds;
        var stop = new PodStop(Name, exitCode, nginxSeconds, drainSeconds, StoppedLines(Shipper.StandardOutput), lastBooks);
        Stopped = stop;
        await DeleteVolumesAsync();
        return stop;
    }

    public async ValueTask DisposeAsync()
    {
        await Shipper.DisposeAsync();
        await DeleteVolumesAsync();
    }

    /// <summary>The "Stopped: every line read was delivered (N lines this run)" count of the exit log, if it said so.</summary>
    internal static long? StoppedLines(string output)
    {
        var match = StoppedCleanPattern().Match(output);
        return match.Success ? long.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture) : null;
    }

    /// <summary>The pod's deletion: nginx's directory (the log volume) and the shipper's state volume go with it.</summary>
    private async Task DeleteVolumesAsync()
    {
        if (_volumesDeleted)
        {
            return;
        }

        _volumesDeleted = true;
        await _nginx.DisposeAsync(); // kills nginx if still running, then deletes its directory (logs included)
        try
        {
            Directory.Delete(Path.GetDirectoryName(StateDirectory)!, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private async Task<MetricsSnapshot?> TryScrapeAsync()
    {
        try
        {
            return await MetricsSnapshot.ScrapeAsync(Shipper.MetricsUrl);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>Running (not gone, not a zombie waiting to be reaped).</summary>
    private static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            return close > 0 && close + 2 < stat.Length && stat[close + 2] != 'Z';
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", $"-{signal} {pid}");
        kill.WaitForExit();
    }

    [GeneratedRegex(@"every line read was delivered \((\d+) lines this run\)")]
    private static partial Regex StoppedCleanPattern();
}

/// <summary>How one pod stopped: exit code (0 clean, 3 undelivered at grace end, -1 hung), times, the exit log's books.</summary>
internal sealed record PodStop(string Pod, int ExitCode, double NginxSeconds, double DrainSeconds, long? LinesThisRun, MetricsSnapshot? LastScrape)
{
    public double? LastScrapeRead => LastScrape?.Sum("shipper_lines_read_total");

    public double? LastScrapeDelivered => LastScrape?.Sum("shipper_lines_delivered_total");
}
