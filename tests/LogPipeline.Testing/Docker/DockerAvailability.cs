using System.Net.Sockets;

namespace LogPipeline.Testing.Docker;

/// <summary>Decides whether Testcontainers scenarios can run here.</summary>
public static class DockerAvailability
{
    private static readonly Lazy<string?> Reason = new(Probe);

    /// <summary>Null when a Docker engine answers, else why not.</summary>
    public static string? UnavailableReason => Reason.Value;

    /// <summary>Skips the calling test with the reason when no Docker engine answers.</summary>
    public static void SkipUnlessAvailable()
    {
        if (UnavailableReason is { } reason)
        {
            Xunit.Assert.Skip($"Docker engine not available ({reason}); this scenario runs against real containers where Docker exists.");
        }
    }

    private static string? Probe()
    {
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (!string.IsNullOrEmpty(host) && !host.StartsWith("unix://", StringComparison.Ordinal))
        {
            return null; // A remote engine is configured; let Testcontainers try it and fail loudly if wrong.
        }

        var socket = string.IsNullOrEmpty(host) ? "/var/run/docker.sock" : host["unix://".Length..];
        if (!File.Exists(socket))
        {
            return $"no socket at {socket}";
        }

        try
        {
            using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            s.Connect(new UnixDomainSocketEndPoint(socket));
            s.Send("GET /_ping HTTP/1.0\r\n\r\n"u8);
            var buffer = new byte[256];
            s.ReceiveTimeout = 2000;
            var n = s.Receive(buffer);
            return n > 0 && System.Text.Encoding.ASCII.GetString(buffer, 0, n).Contains(" 200 ", StringComparison.Ordinal)
                ? null
                : "the engine did not answer /_ping with 200";
        }
        catch (SocketException ex)
        {
            return $"cannot connect to {socket}: {ex.Message}";
        }
    }
}
