namespace LogPipeline.Bench.Ingest;

/// <summary>Reads a worker's Prometheus text from its /metrics.</summary>
public static class WorkerMetrics
{
    /// <summary>The /metrics text of every worker, in order; null when one does not answer.</summary>
    public static List<string>? Scrape(IEnumerable<int> ports)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var texts = new List<string>();
        foreach (var port in ports)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{port}/metrics"));
                using var response = http.Send(request);
                using var reader = new StreamReader(response.Content.ReadAsStream());
                texts.Add(reader.ReadToEnd());
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                return null;
            }
        }

        return texts;
    }
}
