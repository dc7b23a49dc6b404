using System.Buffers.Text;
using System.Text;
using Confluent.Kafka;

namespace LogPipeline.Ingest.Consuming;

/// <summary>
/// Reads the shipper's headers (<c>lp.source</c>, <c>lp.file</c>, <c>lp.offset</c>, <c>lp.truncated</c>) into an
/// <see cref="IngestRecord"/>. Owned by the consume thread (not thread-safe): it caches the last source and
/// file strings, which repeat for long runs of messages, so most messages allocate no strings.
/// </summary>
internal sealed class SourceHeaders
{
    public const string SourceHeader = "lp.source";
    public const string FileHeader = "lp.file";
    public const string OffsetHeader = "lp.offset";
    public const string TruncatedHeader = "lp.truncated";

    private byte[] _lastSourceBytes = [];
    private string _lastSource = string.Empty;
    private byte[] _lastFileBytes = [];
    private string _lastFile = string.Empty;

    /// <summary>The record with its headers copied and the <c>lp.*</c> ones decoded.</summary>
    /// <param name="topic">The subscribed topic (the consumer does not marshal it per message).</param>
    public IngestRecord Read(ConsumeResult<byte[], byte[]> record, string topic)
    {
        byte[]? source = null, file = null, offset = null;
        var truncated = false;
        RecordHeader[] all = [];
        if (record.Message.Headers is { } headers)
        {
            all = new RecordHeader[headers.Count];
            for (var i = 0; i < headers.Count; i++)
            {
                var header = headers[i];
                all[i] = new RecordHeader(header.Key, header.GetValueBytes());
                switch (header.Key)
                {
                    case SourceHeader:
                        source = header.GetValueBytes();
                        break;
                    case FileHeader:
                        file = header.GetValueBytes();
                        break;
                    case OffsetHeader:
                        offset = header.GetValueBytes();
                        break;
                    case TruncatedHeader:
                        truncated = header.GetValueBytes() is [(byte)'1'];
                        break;
                }
            }
        }

        long? fileOffset = null;
        if (file is not null && offset is not null && Utf8Parser.TryParse(offset, out long parsed, out var consumed) && consumed == offset.Length)
        {
            fileOffset = parsed;
        }

        var decoded = new RecordSource(
            source is null ? null : Cached(source, ref _lastSourceBytes, ref _lastSource),
            file is null ? null : Cached(file, ref _lastFileBytes, ref _lastFile),
            fileOffset,
            truncated,
            source,
            file,
            offset);
        return new IngestRecord(topic, record.Partition.Value, record.Offset.Value, record.Message.Key, record.Message.Value ?? [], all, decoded);
    }

    private static string Cached(byte[] bytes, ref byte[] lastBytes, ref string last)
    {
        if (!bytes.AsSpan().SequenceEqual(lastBytes))
        {
            lastBytes = bytes;
            last = Encoding.UTF8.GetString(bytes);
        }

        return last;
    }
}
