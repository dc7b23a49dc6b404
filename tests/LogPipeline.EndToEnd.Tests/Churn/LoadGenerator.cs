using System.Collections.Concurrent;
using System.Diagnostics;

namespace LogPipeline.EndToEnd.Tests.Churn;

/// <summary>
/// Steady traffic spread over the live pods (what a Service does): <c>GET /page?seq=N</c> with a unique N per
/// request, paced to a total rate. Records per pod which ids nginx answered 2xx (those it logged) and which requests
/// got no answer (they may or may not be in nginx's log). The pod set is swapped by the test thread
/// (<see cref="SetEndpoints"/>); the workers read the current array lock-free.
/// </summary>
internal sealed class LoadGenerator : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, ConcurrentBag<int>> _served = new();
    private readonly ConcurrentBag<int> _unanswered = [];
    private readonly double _ratePerSecond;
    private volatile WebPod[] _endpoints = [];
    private Task? _running;
    private int _nextSeq;

    public LoadGenerator(double ratePerSecond)
    {
        _ratePerSecond = ratePerSecond;
        _http = new HttpClient(new SocketsHttpHandler
        {
            // Short-lived connections, as behind kube-proxy: a stopped pod's idle connections must not be reused.
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(1),
        })
        {
            Timeout = TimeSpan.FromSeconds(10),
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0");
    }

    public int Sent => Volatile.Read(ref _nextSeq);

    /// <summary>Ids nginx answered 2xx, per pod name.</summary>
    public IReadOnlyDictionary<string, IReadOnlyCollection<int>> ServedByPod =>
        _served.ToDictionary(kv => kv.Key, kv => (IReadOnlyCollection<int>)[.. kv.Value]);

    public IReadOnlySet<int> Unanswered => _unanswered.ToHashSet();

    /// <summary>The endpoints of the Service: only Ready pods, and a stopping pod is removed before its nginx stops.</summary>
    public void SetEndpoints(IEnumerable<WebPod> pods) => _endpoints = [.. pods];

    public void Start(int concurrency)
    {
        var clock = Stopwatch.StartNew();
        _running = Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(() => RunAsync(clock))));
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        if (_running is not null)
        {
            await _running;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _http.Dispose();
        _stop.Dispose();
    }

    private async Task RunAsync(Stopwatch clock)
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            // Pacing: request number n is due at n / rate seconds.
            var due = TimeSpan.FromSeconds(Volatile.Read(ref _nextSeq) / _ratePerSecond);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            var pods = _endpoints;
            if (pods.Length == 0)
            {
                await Task.Delay(10, CancellationToken.None);
                continue;
            }

            var seq = Interlocked.Increment(ref _nextSeq);
            var pod = pods[seq % pods.Length];
            try
            {
                // Not cancelled by the stop token: a request once sent is seen through, so its fate is known.
                using var response = await _http.GetAsync(new Uri(pod.BaseAddress, $"/page?seq={seq}"), CancellationToken.None);
                if (response.IsSuccessStatusCode)
                {
                    _served.GetOrAdd(pod.Name, _ => []).Add(seq);
                }
                else
                {
                    _unanswered.Add(seq);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                _unanswered.Add(seq);
            }
        }
    }
}
