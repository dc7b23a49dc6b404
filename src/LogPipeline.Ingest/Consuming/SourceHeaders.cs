using System.Buffers.Text;
using System.Text;
using Confluent.Kafka;
using LogPipeline.Contracts;

namespace LogPipeline.Ingest.Consuming;

/// <summary>
/// Reads the shipper's headers (<c>lp.source</c>, <c>lp.file</c>, <c>lp.offset</c>, <c>lp.truncated</c>, <c>lp.meta</c>)
/// into an <see cref="IngestRecord"/>. Owned by the consume thread (not thread-safe): it caches the last source and
/// file strings and the decoded metadata, which repeat for long runs of messages, so most messages allocate no strings.
/// </summary>
internal sealed class SourceHeaders
{
    public const string SourceHeader = HeaderNames.Source;
    public const string FileHeader = HeaderNames.File;
    public const string OffsetHeader = HeaderNames.Offset;
    public const string TruncatedHeader = HeaderNames.Truncated;
    public const string MetadataHeader = HeaderNames.Metadata;

    /// <summary>How many distinct <c>lp.meta</c> values are kept decoded: one worker sees many pods' lines interleaved.</summary>
    private const int MetadataCacheSize = 1024;

    private readonly Dictionary<string, KubernetesSource?> _metadata = new(StringComparer.Ordinal);
    private byte[] _lastMetadataBytes = [];
    private KubernetesSource? _lastMetadata;

    private byte[] _lastSourceBytes = [];
    private string _lastSource = string.Empty;
    private byte[] _lastFileBytes = [];
    private string _lastFile = string.Empty;

    /// <summary>The record with its headers copied and the <c>lp.*</c> ones decoded.</summary>
    /// <param name="topic">The subscribed topic (the consumer does not marshal it per message).</param>
    public IngestRecord Read(ConsumeResult<byte[], byte[]> record, string topic)
    {
        byte[]? source = null, file = null, offset = null, metadata = null;
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
                    case MetadataHeader:
                        metadata = header.GetValueBytes();
                        break;
                }
            }
        }

        return new IngestRecord(topic, record.Partition.Value, record.Offset.Value, record.Message.Key, record.Message.Value ?? [], all, Decode(source, file, offset, truncated, metadata));
    }

    /// <summary>The <c>lp.*</c> values of one message (raw header bytes, null when absent), decoded.</summary>
    public RecordSource Decode(byte[]? source, byte[]? file, byte[]? offset, bool truncated, byte[]? metadata)
    {
        long? fileOffset = null;
        if (file is not null && offset is not null && Utf8Parser.TryParse(offset, out long parsed, out var consumed) && consumed == offset.Length)
        {
            fileOffset = parsed;
        }

        return new RecordSource(
            source is null ? null : Cached(source, ref _lastSourceBytes, ref _lastSource),
            file is null ? null : Cached(file, ref _lastFileBytes, ref _lastFile),
            fileOffset,
            truncated,
            source,
            file,
            offset,
            metadata is null ? null : Decoded(metadata));
    }

    /// <summary>
    /// The decoded metadata; null for a version this worker does not know or a malformed value (the document is
    /// still indexed, without the kubernetes fields).
    /// </summary>
    private KubernetesSource? Decoded(byte[] bytes)
    {
        if (bytes.AsSpan().SequenceEqual(_lastMetadataBytes))
        {
            return _lastMetadata;
        }

        // Looked up by a stack copy of the text: lines of several pods interleave, and a switch must not allocate.
        Span<char> chars = bytes.Length <= 1024 ? stackalloc char[bytes.Length] : new char[bytes.Length];
        var text = chars[..Encoding.UTF8.GetChars(bytes, chars)];
        var lookup = _metadata.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!lookup.TryGetValue(text, out var decoded))
        {
            var key = text.ToString();
            if (_metadata.Count >= MetadataCacheSize)
            {
                _metadata.Clear();
            }

            decoded = SourceMetadata.TryDecode(bytes, out var parsed) ? new KubernetesSource(parsed) : null;
            _metadata[key] = decoded;
        }

        _lastMetadataBytes = bytes;
        _lastMetadata = decoded;
        return decoded;
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
