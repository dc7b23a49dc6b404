namespace LogPipeline.EndToEnd.Tests.Harness;

/// <summary>Real HTTP requests to nginx, each tagged <c>?seq=N</c>; returns the ids nginx answered (and so logged).</summary>
internal static class Traffic
{
    public static async Task<IReadOnlyCollection<int>> SendAsync(Uri baseAddress, int firstSeq, int count, int concurrency, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0");
        var served = new System.Collections.Concurrent.ConcurrentBag<int>();
        var next = firstSeq - 1;
        var end = firstSeq + count - 1;
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int seq;
            while ((seq = Interlocked.Increment(ref next)) <= end)
            {
                try
                {
                    using var response = await http.GetAsync(new Uri($"/page?seq={seq}", UriKind.Relative), cancellationToken);
                    served.Add(seq);
                }
                catch (HttpRequestException)
                {
                    // Not answered, so possibly not logged: not expected downstream.
                }
            }
        });
        await Task.WhenAll(workers);
        return [.. served];
    }
}
