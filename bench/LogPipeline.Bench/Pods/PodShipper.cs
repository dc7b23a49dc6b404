using System.Globalization;
using System.Net;
using System.Net.Sockets;
using LogPipeline.Bench.Peers;
using LogPipeline.Bench.Workloads;

namespace LogPipeline.Bench.Pods;

/// <summary>
/// One web pod's shipper as k8s/base/web/deployment.yaml configures it (built-in 50 KB rotation, Keep 1, the
/// manifest's grace period), writing to its own log file fed by a <see cref="LogWriter"/> that stands in for nginx.
/// The shipper signals this process (the PidFile holds its pid); <see cref="ReopenAll"/> is called from the SIGUSR1
/// handler and makes every pod's writer reopen its path, which is harmless for a writer whose file did not move.
/// </summary>
public sealed class PodShipper : IDisposable
{
    private static readonly Lock WritersGate = new();
    private static readonly List<LogWriter> Writers = [];

    private PodShipper(string name, string directory, ToolProcess process, LogWriter writer, int metricsPort)
    {
        Name = name;
        Directory = directory;
        Process = process;
        Writer = writer;
        MetricsUrl = new Uri($"http://127.0.0.1:{metricsPort}/metrics");
    }

    public string Name { get; }

    public string Directory { get; }

    public ToolProcess Process { get; }

    public LogWriter Writer { get; }

    public Uri MetricsUrl { get; }

    public static PodShipper Start(string binary, string root, string name, string bootstrap, string topic, WorkloadSpec workload, TimeSpan grace)
    {
        var directory = Path.Combine(root, name);
        var logs = Path.Combine(directory, "logs");
        var state = Path.Combine(directory, "state");
        System.IO.Directory.CreateDirectory(logs);
        System.IO.Directory.CreateDirectory(state);
        var logPath = Path.Combine(logs, "access.log");
        File.WriteAllBytes(logPath, []);
        var pidFile = Path.Combine(directory, "nginx.pid");
        File.WriteAllText(pidFile, Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        var port = FreePort();
        var env = new Dictionary<string, string>
        {
            ["Shipper__Path"] = logPath,
            ["Shipper__StateDirectory"] = state,
            ["Shipper__SourceName"] = name,
            ["Shipper__Rotation__MaxBytes"] = "51200",
            ["Shipper__Rotation__Keep"] = "1",
            ["Shipper__Rotation__PidFile"] = pidFile,
            ["Shipper__ShutdownGracePeriod"] = grace.ToString("c", CultureInfo.InvariantCulture),
            ["Shipper__MaxBacklogBytes"] = "12582912", // the manifest's: what the 16 Mi log volume can hold back
            ["Kafka__BootstrapServers"] = bootstrap,
            ["Kafka__Topic"] = topic,
            ["Observability__BindAddress"] = "127.0.0.1",
            ["Observability__Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["DOTNET_EnableDiagnostics"] = "0",
        };
        var writer = new LogWriter(workload, logPath);
        lock (WritersGate)
        {
            Writers.Add(writer);
        }

        return new PodShipper(name, directory, ToolProcess.Start(binary, [], directory, env), writer, port);
    }

    /// <summary>What nginx does on SIGUSR1, for every pod of the run (any thread: the signal handler's).</summary>
    public static void ReopenAll()
    {
        lock (WritersGate)
        {
            foreach (var writer in Writers)
            {
                writer.RequestReopen();
            }
        }
    }

    /// <summary>Polls /healthz until it answers (or the deadline): the startup probe.</summary>
    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !Process.HasExited)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(MetricsUrl, "/healthz"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException($"{Name} did not become healthy: {Process.Tail()}");
    }

    /// <summary>One counter family summed from /metrics, or null when the scrape fails.</summary>
    public async Task<double?> ScrapeAsync(string family)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            var text = await http.GetStringAsync(MetricsUrl);
            return text.Split('\n')
                .Where(l => l.StartsWith(family, StringComparison.Ordinal) && (l.Length == family.Length || l[family.Length] is ' ' or '{'))
                .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        lock (WritersGate)
        {
            Writers.Remove(Writer);
        }

        Process.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held; the run's root is removed afterwards.
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
