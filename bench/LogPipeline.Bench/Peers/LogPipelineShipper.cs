using System.Globalization;
using System.Net;
using System.Net.Sockets;
using LogPipeline.Bench.Workloads;
using LogPipeline.Testing;

namespace LogPipeline.Bench.Peers;

/// <summary>
/// Our shipper (logpipeline-shipper). bench/run points <c>LP_SHIPPER_BIN</c> at the Native AOT build; without it
/// the framework-dependent Release (or Debug) build is used, and the row says so.
/// </summary>
public sealed class LogPipelineShipper : ITool
{
    /// <summary>Written into the PidFile the shipper signals after a built-in rotation (the harness reopens).</summary>
    private readonly string _harnessPid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

    public LogPipelineShipper() => Binary = FindBinary();

    public string Name => "LogPipeline";

    public string? Binary { get; }

    public string Build => Binary is null ? "none"
        : Environment.GetEnvironmentVariable("LP_SHIPPER_BIN") is { Length: > 0 } ? "Native AOT"
        : "JIT (framework-dependent)";

    public string? UnavailableReason => Binary is null ? "logpipeline-shipper not built (set LP_SHIPPER_BIN or build src/LogPipeline.Shipper)" : null;

    public bool TailsFile => true;

    public bool Supports(WorkloadSpec workload) => true;

    public ToolProcess Start(ToolContext context)
    {
        var env = new Dictionary<string, string>
        {
            ["Shipper__Path"] = context.LogPath,
            ["Shipper__StateDirectory"] = context.StateDirectory,
            ["Kafka__BootstrapServers"] = context.BootstrapServers,
            ["Kafka__Topic"] = context.Topic,
            ["Observability__Port"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["Shipper__SourceName"] = "bench",
            ["Shipper__Rotation__MaxBytes"] = "0",
        };
        if (context.Workload.Rotation == RotationMode.BuiltIn)
        {
            var pidFile = Path.Combine(context.RunDirectory, "writer.pid");
            File.WriteAllText(pidFile, _harnessPid);
            env["Shipper__Rotation__MaxBytes"] = context.Workload.RotateBytes.ToString(CultureInfo.InvariantCulture);
            env["Shipper__Rotation__Keep"] = "1";
            env["Shipper__Rotation__PidFile"] = pidFile;
        }

        // LP_SHIPPER_ENV="NAME=value;NAME=value": extra environment for the shipper only (runtime-knob experiments).
        foreach (var pair in (Environment.GetEnvironmentVariable("LP_SHIPPER_ENV") ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                env[pair[..eq]] = pair[(eq + 1)..];
            }
        }

        return ToolProcess.Start(Binary!, [], context.RunDirectory, env);
    }

    private static string? FindBinary()
    {
        if (Environment.GetEnvironmentVariable("LP_SHIPPER_BIN") is { Length: > 0 } fromEnv)
        {
            return File.Exists(fromEnv) ? fromEnv : null;
        }

        return BenchOptions.PreferredConfigurations
            .Select(c => RepoPaths.Combine("src", "LogPipeline.Shipper", "bin", c, "net10.0", "logpipeline-shipper"))
            .FirstOrDefault(File.Exists);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
