using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;
using LogPipeline.Contracts;

namespace LogPipeline.Ingest.Consuming;

/// <summary>
/// Polls the Confluent consumer's own librdkafka handle and builds each <see cref="IngestRecord"/> straight from the
/// native message: the header names are compared as bytes, a header value equal to the previous message's (the
/// source, file, metadata and key of a run of lines) is the same array again, and only the line and the offset
/// are copied. Confluent's <c>Consume</c> allocates a result, a message, a header list, and a string and an array per
/// header for every message, which was most of what the worker allocated per line (and so most of its collections).
/// Group membership, rebalance callbacks (librdkafka runs them inside this poll, into Confluent's handlers), offset
/// storage, commits, pause and resume all stay Confluent's: this replaces only the fetch of one message.
/// The calls must reach the very library copy Confluent created the handle with, so <see cref="TryCreate"/> loads
/// the one librdkafka file mapped into the process and gives up (the loop then uses <c>Consume</c>) when it cannot
/// tell which that is. Owned by the consume thread, like the consumer.
/// </summary>
internal sealed unsafe class NativePoll : IDisposable
{
    private const int PartitionEof = -191;
    private const int Fatal = -150;

    private static ReadOnlySpan<byte> SourceName => "lp.source"u8;

    private static ReadOnlySpan<byte> FileName => "lp.file"u8;

    private static ReadOnlySpan<byte> OffsetName => "lp.offset"u8;

    private static ReadOnlySpan<byte> TruncatedName => "lp.truncated"u8;

    private static ReadOnlySpan<byte> MetadataName => "lp.meta"u8;

    private readonly Functions _native;
    private readonly SafeHandle _handle;
    private readonly IntPtr _rk;
    private readonly string _topic;
    private readonly SourceHeaders _decoder = new();
    private readonly List<RecordHeader> _headers = new(8);
    private bool _released;

    // The previous message's values, handed out again while a run of lines repeats them (read-only once shared).
    private byte[] _lastSource = [];
    private byte[] _lastFile = [];
    private byte[] _lastMetadata = [];
    private byte[] _lastKey = [];
    private readonly Dictionary<string, byte[]> _lastOther = new(StringComparer.Ordinal);

    private NativePoll(Functions native, SafeHandle handle, string topic)
    {
        _native = native;
        _handle = handle;
        var added = false;
        handle.DangerousAddRef(ref added);
        _released = !added;
        _rk = handle.DangerousGetHandle();
        _topic = topic;
    }

    /// <summary>The librdkafka file the calls go to.</summary>
    public string Library => _native.Path;

    /// <summary>What one <see cref="Poll"/> found.</summary>
    public enum Outcome
    {
        /// <summary>Nothing within the timeout (or an end-of-partition event).</summary>
        None,

        /// <summary>A message: <c>record</c> is set.</summary>
        Record,

        /// <summary>A consumer error: <c>error</c> is set (as Confluent's <c>ConsumeException</c> would carry it).</summary>
        Error,
    }

    /// <summary>Null when the handle or the library copy cannot be determined; <paramref name="why"/> then says why.</summary>
    public static NativePoll? TryCreate(IConsumer<byte[], byte[]> consumer, string topic, out string? why)
    {
        var handle = LibrdkafkaHandle(consumer.Handle);
        if (handle is null)
        {
            why = "Confluent's Handle.LibrdkafkaHandle is not there (another Confluent.Kafka version)";
            return null;
        }

        if (Functions.Load(out why) is not { } functions)
        {
            return null;
        }

        return new NativePoll(functions, handle, topic);
    }

    /// <summary>
    /// One message within <paramref name="timeoutMs"/>. Rebalance, error and log callbacks run inside, on this thread,
    /// exactly as inside Confluent's <c>Consume</c>.
    /// </summary>
    public Outcome Poll(int timeoutMs, out IngestRecord? record, out Error? error)
    {
        record = null;
        error = null;
        var message = _native.ConsumerPoll(_rk, timeoutMs);
        if (message is null)
        {
            return Outcome.None;
        }

        try
        {
            if (message->Err != 0)
            {
                if (message->Err == PartitionEof)
                {
                    return Outcome.None;
                }

                error = ErrorOf(message);
                return Outcome.Error;
            }

            record = Read(message);
            return Outcome.Record;
        }
        finally
        {
            _native.MessageDestroy(message);
        }
    }

    public void Dispose()
    {
        if (!_released)
        {
            _released = true;
            _handle.DangerousRelease();
        }
    }

    private IngestRecord Read(Message* message)
    {
        byte[]? source = null, file = null, offset = null, metadata = null;
        var truncated = false;
        _headers.Clear();
        IntPtr headers;
        if (_native.MessageHeaders(message, &headers) == 0 && headers != IntPtr.Zero)
        {
            for (nuint i = 0; ; i++)
            {
                byte* namePointer;
                byte* valuePointer;
                nuint size;
                if (_native.HeaderGetAll(headers, i, &namePointer, &valuePointer, &size) != 0)
                {
                    break;
                }

                var name = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(namePointer);
                // A header may carry no value at all (null), which is not the same as an empty one.
                var isNull = valuePointer is null;
                var value = isNull ? default : new ReadOnlySpan<byte>(valuePointer, checked((int)size));
                string key;
                byte[]? bytes;
                if (name.SequenceEqual(SourceName))
                {
                    key = HeaderNames.Source;
                    bytes = source = isNull ? null : Repeated(value, ref _lastSource);
                }
                else if (name.SequenceEqual(FileName))
                {
                    key = HeaderNames.File;
                    bytes = file = isNull ? null : Repeated(value, ref _lastFile);
                }
                else if (name.SequenceEqual(OffsetName))
                {
                    key = HeaderNames.Offset;
                    bytes = offset = isNull ? null : value.ToArray();
                }
                else if (name.SequenceEqual(TruncatedName))
                {
                    key = HeaderNames.Truncated;
                    bytes = isNull ? null : value.ToArray();
                    truncated = value is [(byte)'1'];
                }
                else if (name.SequenceEqual(MetadataName))
                {
                    key = HeaderNames.Metadata;
                    bytes = metadata = isNull ? null : Repeated(value, ref _lastMetadata);
                }
                else
                {
                    key = Encoding.UTF8.GetString(name);
                    ref var last = ref CollectionsMarshal.GetValueRefOrAddDefault(_lastOther, key, out _);
                    last ??= [];
                    bytes = isNull ? null : Repeated(value, ref last);
                }

                _headers.Add(new RecordHeader(key, bytes));
            }
        }

        var line = message->Payload is null ? [] : new ReadOnlySpan<byte>(message->Payload, checked((int)message->Length)).ToArray();
        var recordKey = message->Key is null ? null : Repeated(new ReadOnlySpan<byte>(message->Key, checked((int)message->KeyLength)), ref _lastKey);
        return new IngestRecord(
            _topic, message->Partition, message->Offset, recordKey, line, [.. _headers], _decoder.Decode(source, file, offset, truncated, metadata));
    }

    /// <summary>The previous array when the bytes are the same (records only read them), else a copy that becomes the previous.</summary>
    private static byte[] Repeated(ReadOnlySpan<byte> value, ref byte[] last)
    {
        if (!value.SequenceEqual(last))
        {
            last = value.ToArray();
        }

        return last;
    }

    private Error ErrorOf(Message* message)
    {
        if (message->Err == Fatal)
        {
            // As Confluent reports it: the underlying fatal error's code and reason.
            var buffer = stackalloc byte[512];
            var code = _native.FatalError(_rk, buffer, 512);
            return new Error((ErrorCode)code, Encoding.UTF8.GetString(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(buffer)), isFatal: true);
        }

        // rd_kafka_message_errstr (an inline in rdkafka.h): the payload carries the reason when there is one.
        var reason = message->Payload is not null && message->Length > 0
            ? Encoding.UTF8.GetString(new ReadOnlySpan<byte>(message->Payload, checked((int)message->Length)))
            : Marshal.PtrToStringUTF8(_native.Err2Str(message->Err)) ?? string.Empty;
        return new Error((ErrorCode)message->Err, reason, isFatal: false);
    }

    private static SafeHandle? LibrdkafkaHandle(Handle handle) =>
        typeof(Handle).GetProperty("LibrdkafkaHandle", BindingFlags.Instance | BindingFlags.NonPublic)?.GetValue(handle) as SafeHandle;

    /// <summary><c>rd_kafka_message_t</c> (rdkafka.h, 2.x), as far as it is read here.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Message
    {
        public int Err;
        public IntPtr Topic;
        public int Partition;
        public byte* Payload;
        public nuint Length;
        public byte* Key;
        public nuint KeyLength;
        public long Offset;
        public IntPtr Private;
    }

    /// <summary>The entry points, from the librdkafka file Confluent loaded.</summary>
    private sealed class Functions
    {
        // Blocking, and librdkafka calls back into managed code from inside it: a normal transition.
        public delegate* unmanaged<IntPtr, int, Message*> ConsumerPoll;

        public delegate* unmanaged<Message*, void> MessageDestroy;

        // Short, never calling back: no GC transition.
        public delegate* unmanaged[SuppressGCTransition]<Message*, IntPtr*, int> MessageHeaders;

        public delegate* unmanaged[SuppressGCTransition]<IntPtr, nuint, byte**, byte**, nuint*, int> HeaderGetAll;

        public delegate* unmanaged<IntPtr, byte*, nuint, int> FatalError;

        public delegate* unmanaged<int, IntPtr> Err2Str;

        public string Path = string.Empty;

        private static Functions? s_loaded;
        private static string? s_why;

        public static Functions? Load(out string? why)
        {
            if (s_loaded is null && s_why is null)
            {
                s_loaded = TryLoad(out s_why);
            }

            why = s_why;
            return s_loaded;
        }

        private static Functions? TryLoad(out string? why)
        {
            // Forces Confluent to load its librdkafka now (a no-op once a client exists).
            _ = Confluent.Kafka.Library.Version;
            var mapped = MappedLibrdkafka();
            if (mapped.Count != 1)
            {
                why = mapped.Count == 0
                    ? "no librdkafka file is mapped into the process"
                    : $"several librdkafka files are mapped ({string.Join(", ", mapped)}), so which one Confluent uses is unknown";
                return null;
            }

            if (!NativeLibrary.TryLoad(mapped[0], out var library))
            {
                why = $"{mapped[0]} did not load";
                return null;
            }

            if (!NativeLibrary.TryGetExport(library, "rd_kafka_consumer_poll", out var poll)
                || !NativeLibrary.TryGetExport(library, "rd_kafka_message_destroy", out var destroy)
                || !NativeLibrary.TryGetExport(library, "rd_kafka_message_headers", out var messageHeaders)
                || !NativeLibrary.TryGetExport(library, "rd_kafka_header_get_all", out var getAll)
                || !NativeLibrary.TryGetExport(library, "rd_kafka_fatal_error", out var fatal)
                || !NativeLibrary.TryGetExport(library, "rd_kafka_err2str", out var err2Str))
            {
                why = $"{mapped[0]} lacks an entry point the poll needs";
                return null;
            }

            why = null;
            return new Functions
            {
                ConsumerPoll = (delegate* unmanaged<IntPtr, int, Message*>)poll,
                MessageDestroy = (delegate* unmanaged<Message*, void>)destroy,
                MessageHeaders = (delegate* unmanaged[SuppressGCTransition]<Message*, IntPtr*, int>)messageHeaders,
                HeaderGetAll = (delegate* unmanaged[SuppressGCTransition]<IntPtr, nuint, byte**, byte**, nuint*, int>)getAll,
                FatalError = (delegate* unmanaged<IntPtr, byte*, nuint, int>)fatal,
                Err2Str = (delegate* unmanaged<int, IntPtr>)err2Str,
                Path = mapped[0],
            };
        }

        /// <summary>Distinct files named *librdkafka*.so* in /proc/self/maps (empty where there is no /proc).</summary>
        private static List<string> MappedLibrdkafka()
        {
            var found = new List<string>();
            try
            {
                foreach (var line in File.ReadLines("/proc/self/maps"))
                {
                    var slash = line.IndexOf('/', StringComparison.Ordinal);
                    if (slash < 0)
                    {
                        continue;
                    }

                    var path = line[slash..];
                    var name = System.IO.Path.GetFileName(path);
                    if (name.Contains("librdkafka", StringComparison.Ordinal) && name.Contains(".so", StringComparison.Ordinal) && !found.Contains(path))
                    {
                        found.Add(path);
                    }
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }

            return found;
        }
    }
}
