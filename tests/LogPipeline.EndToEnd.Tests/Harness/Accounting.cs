namespace LogPipeline.EndToEnd.Tests.Harness;

/// <summary>
/// The workers' own books, scraped from /metrics, compared with what the index and the topic hold.
/// Metric names are the ones the workers register (src/*/Diagnostics, src/LogPipeline.Shipper/…Metrics).
/// </summary>
internal sealed record Accounting(MetricsSnapshot Shipper, MetricsSnapshot Ingest)
{
    public double LinesRead => Shipper.Sum("shipper_lines_read_total");

    public double LinesDelivered => Shipper.Sum("shipper_lines_delivered_total");

    public double LinesDropped => Shipper.Sum("shipper_lines_dropped_total");

    public double BytesDropped => Shipper.Sum("shipper_bytes_dropped_total");

    public double LinesTruncated => Shipper.Sum("shipper_lines_truncated_total");

    public double InFlightLines => Shipper.Sum("shipper_inflight_lines");

    public double Consumed => Ingest.Sum("logpipeline_ingest_consumed_total");

    public double Indexed => Ingest.Sum("logpipeline_ingest_indexed_total");

    public double Duplicates => Ingest.Sum("logpipeline_ingest_duplicates_total");

    public double DeadLettered => Ingest.Sum("logpipeline_ingest_dead_lettered_total");

    public double InFlightMessages => Ingest.Sum("logpipeline_ingest_in_flight_messages");

    public static async Task<Accounting> ScrapeAsync(WorkerProcess shipper, WorkerProcess ingest) =>
        new(await MetricsSnapshot.ScrapeAsync(shipper.MetricsUrl), await MetricsSnapshot.ScrapeAsync(ingest.MetricsUrl));

    /// <summary>Scrapes until both workers say nothing is in flight and the ingest books balance (or the deadline).</summary>
    public static async Task<Accounting> SettledAsync(WorkerProcess shipper, WorkerProcess ingest, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var books = await ScrapeAsync(shipper, ingest);
            if ((books.InFlightLines == 0 && books.InFlightMessages == 0 && books.Consumed == books.Indexed + books.Duplicates + books.DeadLettered)
                || DateTime.UtcNow > deadline)
            {
                return books;
            }

            await Task.Delay(200);
        }
    }

    public override string ToString() =>
        $"shipper read {LinesRead}, delivered {LinesDelivered}, dropped {LinesDropped} lines / {BytesDropped} bytes, truncated {LinesTruncated}, in flight {InFlightLines}; " +
        $"ingest consumed {Consumed}, indexed {Indexed}, duplicates(409) {Duplicates}, dead-lettered {DeadLettered}, in flight {InFlightMessages}";
}
