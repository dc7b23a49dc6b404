using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LogPipeline.Testing.Nginx;

/// <summary>
/// The real nginx (Debian package), run in the foreground with its own config, its access log and pid
/// file under a fresh directory on /dev/shm (an in-memory volume, as in the pod).
/// </summary>
public sealed class NginxServer : IAsyncDisposable
{
    private readonly Process _process;

    private NginxServer(Process process, string directory, int port)
    {
        _process = process;
        Directory = directory;
        Port = port;
    }

    /// <summary>The run directory (config, logs, pid, temp paths).</summary>
    public string Directory { get; }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    public string AccessLogPath => Path.Combine(Directory, "logs", "access.log");

    public string PidFile => Path.Combine(Directory, "nginx.pid");

    public string ErrorLogPath => Path.Combine(Directory, "error.log");

    public int MasterPid => _process.Id;

    /// <summary>The nginx binary, or null when it is not installed.</summary>
    public static string? FindBinary() =>
        new[] { "/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx" }.FirstOrDefault(File.Exists);

    /// <summary>Skips the calling test (with the reason) when nginx is not installed.</summary>
    public static void SkipUnlessInstalled()
    {
        if (FindBinary() is null)
        {
            Xunit.Assert.Skip("nginx is not installed (apt-get install -y nginx; .ci/run does this)");
        }
    }

    /// <summary>
    /// Starts nginx. <paramref name="logFormat"/> is an nginx <c>log_format</c> body (default: the built-in
    /// <c>combined</c>); <paramref name="trustForwardedFor"/> makes <c>$remote_addr</c> the
    /// X-Forwarded-For address, as behind a load balancer.
    /// </summary>
    public static async Task<NginxServer> StartAsync(
        string? logFormat = null, bool trustForwardedFor = false, string? extraServerConfig = null, CancellationToken cancellationToken = default)
    {
        var binary = FindBinary() ?? throw new InvalidOperationException("nginx is not installed (apt-get install -y nginx)");
        var root = System.IO.Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        var dir = Path.Combine(root, "lp-nginx-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(Path.Combine(dir, "logs"));
        System.IO.Directory.CreateDirectory(Path.Combine(dir, "tmp"));
        var port = FreePort();

        var format = logFormat is null ? "combined" : "lp";
        var conf = new StringBuilder()
            .AppendLine("daemon off;")
            .AppendLine("worker_processes 1;")
            .AppendLine($"pid {dir}/nginx.pid;")
            .AppendLine($"error_log {dir}/error.log warn;")
            .AppendLine("events { worker_connections 1024; }")
            .AppendLine("http {")
            .AppendLine($"  client_body_temp_path {dir}/tmp/body; proxy_temp_path {dir}/tmp/proxy; fastcgi_temp_path {dir}/tmp/fastcgi;")
            .AppendLine($"  uwsgi_temp_path {dir}/tmp/uwsgi; scgi_temp_path {dir}/tmp/scgi;")
            .AppendLine(logFormat is null ? string.Empty : $"  log_format lp '{logFormat}';")
            .AppendLine($"  access_log {dir}/logs/access.log {format};")
            .AppendLine(trustForwardedFor ? "  set_real_ip_from 127.0.0.0/8; real_ip_header X-Forwarded-For; real_ip_recursive on;" : string.Empty)
            .AppendLine("  server {")
            .AppendLine($"    listen 127.0.0.1:{port};")
            .AppendLine("    location /status/404 { return 404 \"missing\\n\"; }")
            .AppendLine("    location /status/500 { return 500 \"broken\\n\"; }")
            .AppendLine(extraServerConfig ?? string.Empty)
            .AppendLine("    location / { return 200 \"ok\\n\"; }")
            .AppendLine("  }")
            .AppendLine("}");
        var confPath = Path.Combine(dir, "nginx.conf");
        await File.WriteAllTextAsync(confPath, conf.ToString(), cancellationToken);

        var psi = new ProcessStartInfo(binary)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-p");
        psi.ArgumentList.Add(dir);
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(confPath);
        // nginx must not keep a mock broker's connections open after the broker is set down (InheritedSockets).
        LogPipeline.Testing.Kafka.InheritedSockets.MarkCloseOnExec();
        var process = Process.Start(psi) ?? throw new InvalidOperationException("nginx did not start");
        var server = new NginxServer(process, dir, port);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                var stderr = await process.StandardError.ReadToEndAsync(cancellationToken);
                throw new InvalidOperationException($"nginx exited with {process.ExitCode}: {stderr}");
            }

            if (File.Exists(server.PidFile) && CanConnect(port))
            {
                return server;
            }

            await Task.Delay(50, cancellationToken);
        }

        await server.DisposeAsync();
        throw new TimeoutException("nginx did not start listening within 10 s");
    }

    /// <summary>Asks nginx to reopen its log files (what a rotator does after renaming).</summary>
    public void ReopenLogs() => Signal("USR1");

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Signal("QUIT");
            if (!_process.WaitForExit(5000))
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Signal(string signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {_process.Id}");
        kill.WaitForExit();
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static bool CanConnect(int port)
    {
        try
        {
            using var c = new TcpClient();
            c.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
