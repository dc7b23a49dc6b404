using LogPipeline.Ingest.Consuming;

namespace LogPipeline.Ingest.Indexing;

/// <summary>
/// Consumed messages on their way to one <c>_bulk</c> request: the NDJSON body (action line + document per
/// indexable message) and every message of the batch, including the ones the factory refused (those go to
/// the dead-letter topic). Built by one processing worker, then handed whole to one indexer, then to the
/// consume thread for offset tracking: one owner at a time, no locks.
/// </summary>
internal sealed class Batch : IDisposable
{
    public Batch(int capacity, int initialBytes, long startedAt)
    {
        Items = new List<BatchItem>(capacity);
        Body = new BulkBuffer(initialBytes);
        StartedAt = startedAt;
    }

    public List<BatchItem> Items { get; }

    public BulkBuffer Body { get; }

    /// <summary>TimeProvider timestamp of the first message (for the flush interval).</summary>
    public long StartedAt { get; }

    /// <summary>Messages with a document in <see cref="Body"/>.</summary>
    public int DocumentCount { get; set; }

    public void Dispose() => Body.Dispose();
}

/// <summary>One consumed message in a batch: where its document sits in the body, or why it has none.</summary>
/// <param name="Record">The consumed record (value and headers are needed again for the dead-letter topic).</param>
/// <param name="Start">Offset of the action line in the body.</param>
/// <param name="Length">Action line + document + newline, 0 when the factory refused the line.</param>
/// <param name="ParseError">The factory's reason, when it refused the line.</param>
internal readonly record struct BatchItem(IngestRecord Record, int Start, int Length, string? ParseError);
