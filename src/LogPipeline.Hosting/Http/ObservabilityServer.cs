using System.Net;
using System.Net.Sockets;
using System.Text;
using LogPipeline.Hosting.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LogPipeline.Hosting.Http;

/// <summary>
/// A deliberately tiny HTTP/1.1 server for <c>/metrics</c>, <c>/healthz</c> and <c>/readyz</c>.
/// Kestrel would add megabytes of resident memory to a sidecar that runs in every web pod; probes and
/// scrapes need only GET, one request per connection.
/// </summary>
public sealed partial class ObservabilityServer(
    IOptions<ObservabilityOptions> options,
    MetricsRegistry metrics,
    HealthRegistry health,
    ILogger<ObservabilityServer> logger) : BackgroundService
{
    private readonly TaskCompletionSource<int> _boundPort = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The port actually bound (useful when configured as 0).</summary>
    public Task<int> BoundPort => _boundPort.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var listener = new TcpListener(IPAddress.Parse(options.Value.BindAddress), options.Value.Port);
        try
        {
            listener.Start();
        }
        catch (SocketException ex)
        {
            LogBindFailed(logger, options.Value.BindAddress, options.Value.Port, ex.Message);
            _boundPort.TrySetException(ex);
            throw;
        }

        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _boundPort.TrySetResult(port);
        LogListening(logger, options.Value.BindAddress, port);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(stoppingToken);
                _ = ServeAsync(client, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            listener.Stop();
        }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken stoppingToken)
    {
        using var _ = client;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            var stream = client.GetStream();
            var buffer = new byte[2048];
            var read = 0;
            while (read < buffer.Length)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(read), timeout.Token);
                if (n == 0)
                {
                    break;
                }

                read += n;
                if (buffer.AsSpan(0, read).IndexOf("\r\n\r\n"u8) >= 0 || buffer.AsSpan(0, read).IndexOf("\n\n"u8) >= 0)
                {
                    break;
                }
            }

            var requestLine = Encoding.ASCII.GetString(buffer, 0, read).Split('\n')[0].Trim();
            var parts = requestLine.Split(' ');
            var (status, contentType, body) = parts.Length >= 2 && parts[0] is "GET" or "HEAD"
                ? Route(parts[1])
                : (405, "text/plain", "method not allowed\n");
            var payload = Encoding.UTF8.GetBytes(body);
            var head = $"HTTP/1.1 {status} {Reason(status)}\r\nContent-Type: {contentType}\r\nContent-Length: {payload.Length}\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head), timeout.Token);
            if (parts[0] != "HEAD")
            {
                await stream.WriteAsync(payload, timeout.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
        {
            // A probe that hangs up or stalls is its own problem; the server keeps serving.
        }
    }

    private (int Status, string ContentType, string Body) Route(string path)
    {
        var query = path.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            path = path[..query];
        }

        switch (path)
        {
            case "/metrics":
                return (200, "text/plain; version=0.0.4; charset=utf-8", metrics.Render());
            case "/healthz":
            case "/livez":
                {
                    var failing = health.FailingLiveness();
                    return failing.Count == 0 ? (200, "text/plain", "ok\n") : (503, "text/plain", string.Join('\n', failing) + "\n");
                }

            case "/readyz":
                {
                    var failing = health.FailingReadiness();
                    return failing.Count == 0 ? (200, "text/plain", "ready\n") : (503, "text/plain", string.Join('\n', failing) + "\n");
                }

            default:
                return (404, "text/plain", "not found\n");
        }
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Service Unavailable",
    };

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Serving /metrics, /healthz and /readyz on {Address}:{Port}")]
    private static partial void LogListening(ILogger logger, string address, int port);

    [LoggerMessage(EventId = 2, Level = LogLevel.Critical, Message = "Cannot listen on {Address}:{Port} (Observability:Port): {Error}")]
    private static partial void LogBindFailed(ILogger logger, string address, int port, string error);
}
