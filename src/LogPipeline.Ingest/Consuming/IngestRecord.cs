using LogPipeline.Contracts;

namespace LogPipeline.Ingest.Consuming;

/// <summary>
/// One consumed Kafka message as every later stage sees it: where it sits (topic-partition-offset), its bytes, and
/// the shipper's <c>lp.*</c> headers decoded once by <see cref="SourceHeaders"/> on the consume thread. Confluent's
/// <c>ConsumeResult</c> stays inside <c>Consuming/</c>. Immutable once built: it moves consume thread → processing
/// worker → indexer (→ dead-letter publisher) without locks.
/// </summary>
internal sealed class IngestRecord
{
    public IngestRecord(string topic, int partition, long offset, byte[]? key, byte[] value, RecordHeader[] headers, RecordSource source)
    {
        Topic = topic;
        Partition = partition;
        Offset = offset;
        Key = key;
        Value = value;
        Headers = headers;
        Source = source;
    }

    public string Topic { get; }

    public int Partition { get; }

    public long Offset { get; }

    public byte[]? Key { get; }

    /// <summary>The log line (empty for a message without a value).</summary>
    public byte[] Value { get; }

    /// <summary>Every header as received, in order (copied to the dead-letter topic as they are).</summary>
    public RecordHeader[] Headers { get; }

    /// <summary>The decoded <c>lp.*</c> headers.</summary>
    public RecordSource Source { get; }

    public Position Position => new(Partition, Offset);

    /// <summary>
    /// Writes the document <c>_id</c> (<see cref="DocumentId.Length"/> ASCII bytes, docs/contracts.md): from the line's
    /// source position when the shipper's headers carry one, else from this record's Kafka position.
    /// </summary>
    public void WriteDocumentId(Span<byte> id)
    {
        if (Source.FileOffset is not null)
        {
            DocumentId.FromSource(Source.SourceBytes ?? [], Source.FileBytes, Source.OffsetBytes, id);
        }
        else
        {
            DocumentId.FromKafkaPosition(Topic, Partition, Offset, id);
        }
    }
}

/// <summary>One Kafka header as received.</summary>
internal readonly record struct RecordHeader(string Key, byte[]? Value);

/// <summary>
/// The shipper's headers of one message (docs/contracts.md), decoded. The raw <c>lp.source</c>, <c>lp.file</c> and
/// <c>lp.offset</c> bytes are kept because the document <c>_id</c> is hashed from exactly those bytes.
/// </summary>
/// <param name="Source"><c>lp.source</c> as text (null when absent).</param>
/// <param name="File"><c>lp.file</c> as text (null when absent).</param>
/// <param name="FileOffset"><c>lp.offset</c>, when present with <c>lp.file</c> and a valid integer: the id then comes from the source.</param>
/// <param name="Truncated"><c>lp.truncated</c> was <c>1</c>.</param>
/// <param name="SourceBytes">Raw <c>lp.source</c> (null when absent).</param>
/// <param name="FileBytes">Raw <c>lp.file</c> (null when absent).</param>
/// <param name="OffsetBytes">Raw <c>lp.offset</c> (null when absent).</param>
/// <param name="Kubernetes"><c>lp.meta</c> decoded (null when absent, of an unknown version or malformed).</param>
internal readonly record struct RecordSource(
    string? Source, string? File, long? FileOffset, bool Truncated, byte[]? SourceBytes, byte[]? FileBytes, byte[]? OffsetBytes,
    KubernetesSource? Kubernetes);
