using System.Net;
using System.Net.Sockets;

namespace LogPipeline.Testing.Http;

/// <summary>The HTTP plumbing the test stand-ins share: bind a free loopback port, accept requests until stopped.</summary>
internal static class LoopbackHttpListener
{
    /// <summary>Starts a listener on a free 127.0.0.1 port (retrying if another process takes it first).</summary>
    public static (HttpListener Listener, Uri BaseAddress) Start()
    {
        for (var attempt = 0; ; attempt++)
        {
            int port;
            using (var probe = new TcpListener(IPAddress.Loopback, 0))
            {
                probe.Start();
                port = ((IPEndPoint)probe.LocalEndpoint).Port;
            }

            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return (listener, new Uri($"http://127.0.0.1:{port}/"));
            }
            catch (HttpListenerException) when (attempt < 10)
            {
                // Someone took the port between probing and binding; try another.
                listener.Close();
            }
        }
    }

    /// <summary>Hands each request to <paramref name="serve"/> on the thread pool until the listener closes or <paramref name="stop"/> fires.</summary>
    public static async Task AcceptLoopAsync(HttpListener listener, Func<HttpListenerContext, Task> serve, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => serve(context));
        }
    }
}
