using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LogPipeline.EndToEnd.Tests.Harness;

/// <summary>
/// One real worker binary run as a child process (<c>dotnet &lt;dll&gt;</c>), configured only through its
/// environment, with stdout/stderr captured for assertions. The output buffer is written by the process's
/// reader threads and read by the test thread, hence the lock.
/// </summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Lock _gate = new();

    private WorkerProcess(Process process, string name, int metricsPort)
    {
        _process = process;
        Name = name;
        MetricsPort = metricsPort;
        process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Name { get; }

    public int Pid => _process.Id;

    /// <summary>The port its /metrics, /healthz and /readyz are served on (127.0.0.1).</summary>
    public int MetricsPort { get; }

    public Uri MetricsUrl => new($"http://127.0.0.1:{MetricsPort}/metrics");

    public bool HasExited => _process.HasExited;

    /// <summary>Set when the test killed or stopped it, so an exit is not mistaken for a crash.</summary>
    public bool StoppedOnPurpose { get; private set; }

    public int ExitCode => _process.ExitCode;

    public string StandardOutput
    {
        get
        {
            lock (_gate)
            {
                return _stdout.ToString();
            }
        }
    }

    public string StandardError
    {
        get
        {
            lock (_gate)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Both streams, for failure messages and secret scans.</summary>
    public string Output => "--- stdout ---\n" + StandardOutput + "\n--- stderr ---\n" + StandardError;

    /// <summary>The last part of the output, short enough for an assertion message.</summary>
    public string Tail(int chars = 4000)
    {
        var all = Output;
        return all.Length <= chars ? all : "…" + all[^chars..];
    }

    /// <summary>
    /// Starts <paramref name="dll"/> with exactly the given environment on top of the inherited one. Observability
    /// is bound to 127.0.0.1 on a free port unless the caller sets <c>Observability__Port</c> itself.
    /// </summary>
    public static WorkerProcess Start(string name, string dll, IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        psi.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        // The workers must not pick up anything the test runner's environment happens to carry.
        foreach (var key in psi.Environment.Keys.Where(k => k.Contains("__", StringComparison.Ordinal) && !k.StartsWith("DOTNET", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(key);
        }

        psi.Environment["DOTNET_ENVIRONMENT"] = "Production";
        psi.Environment["Observability__BindAddress"] = "127.0.0.1";
        // A caller-supplied port may be deliberately invalid (config tests): pass it through untouched.
        var port = environment.TryGetValue("Observability__Port", out var p) && p is not null
            ? (int.TryParse(p, out var given) ? given : -1)
            : FreePort();
        psi.Environment["Observability__Port"] = p ?? port.ToString();
        foreach (var (key, value) in environment)
        {
            if (value is null)
            {
                psi.Environment.Remove(key);
            }
            else
            {
                psi.Environment[key] = value;
            }
        }

        // The worker must not keep a mock broker's connections open after the broker is set down (InheritedSockets).
        LogPipeline.Testing.Kafka.InheritedSockets.MarkCloseOnExec();
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"{name} did not start");
        return new WorkerProcess(process, name, port);
    }

    /// <summary>kill -9: no chance to flush, checkpoint or say goodbye.</summary>
    public void KillHard()
    {
        StoppedOnPurpose = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
        }

        _process.WaitForExit(10_000);
    }

    /// <summary>SIGTERM, what the kubelet sends at pod stop.</summary>
    public void Terminate()
    {
        StoppedOnPurpose = true;
        Signal("TERM");
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} did not exit within {timeout}.\n{Tail()}");
        }

        // Let the asynchronous readers drain the last lines.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Polls /readyz until it answers 200 (or the process dies, or the deadline passes).</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout, string path = "/readyz")
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} before it was ready.\n{Tail()}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{MetricsPort}{path}"));
                if (response.StatusCode == HttpStatusCode.OK)
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

        throw new TimeoutException($"{Name} was not ready ({path}) within {timeout}.\n{Tail()}");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }

        _process.Dispose();
    }

    private void Signal(string signal)
    {
        if (_process.HasExited)
        {
            return;
        }

        using var kill = Process.Start("kill", $"-{signal} {_process.Id}");
        kill.WaitForExit();
    }

    private void Append(StringBuilder target, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            // Bounded: a chatty worker must not make the test runner itself the memory hog.
            if (target.Length < 8 * 1024 * 1024)
            {
                target.Append(line).Append('\n');
            }
        }
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
