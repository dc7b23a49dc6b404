using System.Globalization;
using System.Net;
using System.Net.Sockets;
using LogPipeline.Bench.Peers;
using LogPipeline.Testing;

namespace LogPipeline.Bench.Ingest;

/// <summary>The real ingest worker processes (<c>dotnet logpipeline-ingest.dll</c>), configured by environment.</summary>
public static class IngestWorkers
{
    /// <summary>The worker of this checkout, or LPBENCH_INGEST_DLL (another build of it, for before/after runs).</summary>
    public static string? Dll => Environment.GetEnvironmentVariable("LPBENCH_INGEST_DLL") is { Length: > 0 } other
        ? (File.Exists(other) ? other : null)
        : BenchOptions.PreferredConfigurations
            .Select(c => RepoPaths.Combine("src", "LogPipeline.Ingest", "bin", c, "net10.0", "logpipeline-ingest.dll"))
            .FirstOrDefault(File.Exists);

    /// <param name="observabilityPort">Where the worker serves /metrics (the bench reads the user-agent cache from it).</param>
    /// <param name="threads">Indexing:ProcessingParallelism; null leaves the worker's default.</param>
    public static ToolProcess Start(string dll, string runDirectory, string bootstrap, string topic, string groupId, Uri elasticsearch, int observabilityPort, int? threads = null)
    {
        Directory.CreateDirectory(runDirectory);
        var env = new Dictionary<string, string>
        {
            ["Kafka__BootstrapServers"] = bootstrap,
            ["Kafka__Topic"] = topic,
            ["Kafka__GroupId"] = groupId,
            ["Elasticsearch__Url"] = elasticsearch.ToString(),
            ["Observability__Port"] = observabilityPort.ToString(CultureInfo.InvariantCulture),
            ["DOTNET_gcServer"] = "0",
            // As the image sets it (src/LogPipeline.Ingest/Dockerfile): the bench measures what ships.
            ["DOTNET_GCgen0size"] = "0x4000000",
        };
        if (threads is { } n)
        {
            env["Indexing__ProcessingParallelism"] = n.ToString(CultureInfo.InvariantCulture);
        }

        // For experiments on the worker's runtime settings: LPBENCH_INGEST_WORKER_ENV="DOTNET_X=1,DOTNET_Y=2".
        foreach (var pair in (Environment.GetEnvironmentVariable("LPBENCH_INGEST_WORKER_ENV") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                env[pair[..eq]] = pair[(eq + 1)..];
            }
        }

        return ToolProcess.Start("dotnet", [dll], runDirectory, env);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
