using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using LogPipeline.Testing;

namespace LogPipeline.Shipper.Tests.Support;

/// <summary>
/// The real shipper as a child process (<c>dotnet logpipeline-shipper.dll</c> of the same build
/// configuration), configured through environment variables the way a pod is.
/// </summary>
internal sealed partial class ShipperProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ShipperProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Port { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static string DllPath
    {
        get
        {
            // Same configuration as this test assembly (bin/<cfg>/net10.0/).
            var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
            return RepoPaths.Combine("src", "LogPipeline.Shipper", "bin", configuration, "net10.0", "logpipeline-shipper.dll");
        }
    }

    /// <summary>
    /// The Native AOT binary as CI publishes it (<c>artifacts/shipper</c>, the way the image is built), or
    /// <c>LP_SHIPPER_AOT</c>; null when it has not been published.
    /// </summary>
    public static string? NativeBinary
    {
        get
        {
            var path = Environment.GetEnvironmentVariable("LP_SHIPPER_AOT") is { Length: > 0 } fromEnv
                ? fromEnv
                : RepoPaths.Combine("artifacts", "shipper", "logpipeline-shipper");
            return File.Exists(path) ? path : null;
        }
    }

    /// <summary>Starts the JIT build through <c>dotnet</c>, or <paramref name="executable"/> (the AOT binary) directly.</summary>
    public static ShipperProcess Start(Dictionary<string, string?> config, string? executable = null)
    {
        var port = FreePort();
        var psi = new ProcessStartInfo(executable ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (executable is null)
        {
            psi.ArgumentList.Add(DllPath);
        }

        psi.Environment["Observability__Port"] = port.ToString(CultureInfo.InvariantCulture);
        psi.Environment["Observability__BindAddress"] = "127.0.0.1";
        foreach (var (key, value) in config)
        {
            psi.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        // The child must not keep a mock broker's connections open after the broker is set down (InheritedSockets).
        LogPipeline.Testing.Kafka.InheritedSockets.MarkCloseOnExec();
        return new ShipperProcess(Process.Start(psi) ?? throw new InvalidOperationException("shipper did not start"), port);
    }

    /// <summary>A metric scraped from the child's /metrics (null when it does not answer).</summary>
    public async Task<double?> MetricAsync(string name)
    {
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{Port}/metrics"));
            foreach (var line in text.Split('\n'))
            {
                if (line.StartsWith(name + " ", StringComparison.Ordinal))
                {
                    return double.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture);
                }
            }

            return 0;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>Waits until a metric reaches <paramref name="value"/>; returns whether it did.</summary>
    public async Task<bool> WaitForMetricAsync(string name, double value, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            if (await MetricAsync(name) >= value)
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }

    /// <summary>Waits until everything read was delivered and nothing is left unread.</summary>
    public async Task<bool> WaitUntilIdleAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            // files_open is set by the tail loop's first pass: before it, lag 0 means nothing.
            if (await MetricAsync("shipper_files_open") >= 1 && await MetricAsync("shipper_lag_bytes") == 0
                && await MetricAsync("shipper_inflight_lines") == 0)
            {
                return true;
            }

            await Task.Delay(200);
        }

        return false;
    }

    public void Terminate()
    {
        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, SigTerm);
        }
    }

    public void KillHard() => _process.Kill();

    /// <summary>Waits for the exit; returns the exit code, or null on timeout.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
