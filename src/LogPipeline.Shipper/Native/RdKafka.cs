using System.Runtime.InteropServices;
using LogPipeline.Kafka.Native;
using Microsoft.Win32.SafeHandles;

namespace LogPipeline.Shipper.Native;

/// <summary>
/// The librdkafka entry points the shipper's producer calls, source-generated P/Invokes (<c>LibraryImport</c>,
/// AOT-safe) resolved by <see cref="LibrdkafkaLibrary"/> to the build Confluent.Kafka's package (librdkafka.redist)
/// places beside the binary. Why not through Confluent.Kafka's producer: its Native AOT start-up binds ~250
/// delegates by reflection and its produce path allocates objects per message (headers, delivery-report objects,
/// closures), which a sidecar with a tight memory limit cannot afford (docs/shipper.md, docs/decisions/0017).
/// Layouts below are librdkafka's public ABI (rdkafka.h). Owned handles (<c>rd_kafka_t</c>, topic, conf) are
/// <see cref="SafeHandle"/>s; borrowed pointers (the <c>rk</c> of a callback, a message in a delivery report) and
/// objects whose ownership passes to librdkafka within the same call (a message's header list) stay raw.
/// </summary>
internal static unsafe partial class RdKafka
{
    public const int ProducerType = 0;
    public const int ConfOk = 0;

    /// <summary>RD_KAFKA_MSG_F_COPY: librdkafka copies the payload, so the caller's buffer is free after the call.</summary>
    public const int MsgFlagCopy = 0x2;

    /// <summary>RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT.</summary>
    public const int PurgeQueueAndInFlight = 0x1 | 0x2;

    public const int ErrFatal = -150;

    /// <summary>RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART.</summary>
    public const int ErrUnknownTopicOrPart = 3;

    /// <summary>
    /// Loads librdkafka (once per process, shared with every other binding) and checks its version; call before
    /// any other member.
    /// </summary>
    /// <exception cref="LibrdkafkaUnavailableException">Missing, not loadable, or older than the minimum.</exception>
    public static void Load() => LibrdkafkaLibrary.UseFor(typeof(RdKafka).Assembly);

    private const string Lib = LibrdkafkaLibrary.Name;

    [LibraryImport(Lib, EntryPoint = "rd_kafka_conf_new")]
    public static partial ConfHandle ConfNew();

    [LibraryImport(Lib, EntryPoint = "rd_kafka_conf_set", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int ConfSet(ConfHandle conf, string name, string value, byte* errstr, nuint errstrSize);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_conf_destroy")]
    internal static partial void ConfDestroy(IntPtr conf);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_conf_set_opaque")]
    public static partial void ConfSetOpaque(ConfHandle conf, IntPtr opaque);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_conf_set_dr_msg_cb")]
    public static partial void ConfSetDrMsgCb(ConfHandle conf, delegate* unmanaged<IntPtr, Message*, IntPtr, void> callback);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_conf_set_error_cb")]
    public static partial void ConfSetErrorCb(ConfHandle conf, delegate* unmanaged<IntPtr, int, byte*, IntPtr, void> callback);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_conf_set_log_cb")]
    public static partial void ConfSetLogCb(ConfHandle conf, delegate* unmanaged<IntPtr, int, byte*, byte*, void> callback);

    /// <summary>rd_kafka_new: on success the handle owns <paramref name="conf"/> (the caller must then mark it invalid).</summary>
    [LibraryImport(Lib, EntryPoint = "rd_kafka_new")]
    public static partial KafkaHandle New(int type, ConfHandle conf, byte* errstr, nuint errstrSize);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_destroy")]
    internal static partial void Destroy(IntPtr rk);

    /// <summary>rd_kafka_opaque of a borrowed <c>rk</c> (a callback's).</summary>
    [LibraryImport(Lib, EntryPoint = "rd_kafka_opaque")]
    public static partial IntPtr Opaque(IntPtr rk);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_topic_new", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr TopicNewRaw(KafkaHandle rk, string topic, IntPtr conf);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_topic_destroy")]
    internal static partial void TopicDestroy(IntPtr rkt);

    /// <summary>A topic handle that keeps <paramref name="rk"/> alive until it is released itself; invalid when refused.</summary>
    public static TopicHandle TopicNew(KafkaHandle rk, string topic) => new(rk, TopicNewRaw(rk, topic, IntPtr.Zero));

    [LibraryImport(Lib, EntryPoint = "rd_kafka_headers_new")]
    public static partial IntPtr HeadersNew(nuint initialCount);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_headers_destroy")]
    public static partial void HeadersDestroy(IntPtr headers);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_header_add")]
    public static partial int HeaderAdd(IntPtr headers, byte* name, nint nameSize, byte* value, nint valueSize);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_produceva")]
    public static partial IntPtr ProduceVa(KafkaHandle rk, VarArg* args, nuint count);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_error_code")]
    public static partial int ErrorCode(IntPtr error);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_error_destroy")]
    public static partial void ErrorDestroy(IntPtr error);

    /// <summary>Serves queued callbacks on the calling thread. The producer calls it from its poll thread only.</summary>
    [LibraryImport(Lib, EntryPoint = "rd_kafka_poll")]
    public static partial int Poll(KafkaHandle rk, int timeoutMs);

    /// <summary>Sends what lingers and serves callbacks (it polls) on the calling thread: poll thread only.</summary>
    [LibraryImport(Lib, EntryPoint = "rd_kafka_flush")]
    public static partial int Flush(KafkaHandle rk, int timeoutMs);

    /// <summary>rd_kafka_yield: wakes a thread blocked in <see cref="Poll"/> (or <see cref="Flush"/>) now.</summary>
    [LibraryImport(Lib, EntryPoint = "rd_kafka_yield")]
    public static partial void Yield(KafkaHandle rk);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_outq_len")]
    public static partial int OutqLen(KafkaHandle rk);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_purge")]
    public static partial int Purge(KafkaHandle rk, int flags);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_fatal_error")]
    public static partial int FatalError(KafkaHandle rk, byte* errstr, nuint errstrSize);

    /// <summary>rd_kafka_test_fatal_error: raises a fabricated fatal error. Tests only (no production caller).</summary>
    [LibraryImport(Lib, EntryPoint = "rd_kafka_test_fatal_error", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int TestFatalError(KafkaHandle rk, int code, string reason);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_err2str")]
    private static partial byte* Err2Str(int code);

    /// <summary>rd_kafka_metadata (used by <c>check</c> and the connection probe, never on the produce path).</summary>
    [LibraryImport(Lib, EntryPoint = "rd_kafka_metadata")]
    public static partial int Metadata(KafkaHandle rk, int allTopics, TopicHandle onlyTopic, MetadataInfo** metadata, int timeoutMs);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_metadata_destroy")]
    public static partial void MetadataDestroy(MetadataInfo* metadata);

    /// <summary>librdkafka's text for an error code (static storage in the library, copied here).</summary>
    public static string Describe(int code) =>
        Marshal.PtrToStringUTF8((IntPtr)Err2Str(code)) ?? code.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>An <c>rd_kafka_conf_t</c> not (yet) handed to <see cref="New"/>.</summary>
    public sealed class ConfHandle() : SafeHandleZeroOrMinusOneIsInvalid(ownsHandle: true)
    {
        protected override bool ReleaseHandle()
        {
            ConfDestroy(handle);
            return true;
        }
    }

    /// <summary>An <c>rd_kafka_t</c>; releasing it destroys the client (which waits for librdkafka's own threads).</summary>
    public sealed class KafkaHandle() : SafeHandleZeroOrMinusOneIsInvalid(ownsHandle: true)
    {
        protected override bool ReleaseHandle()
        {
            Destroy(handle);
            return true;
        }
    }

    /// <summary>
    /// An <c>rd_kafka_topic_t</c>. It holds a reference on its client, so even finalization cannot destroy the
    /// client before the topic (librdkafka requires topics to go first).
    /// </summary>
    public sealed class TopicHandle : SafeHandleZeroOrMinusOneIsInvalid
    {
        private readonly KafkaHandle? _client;

        internal TopicHandle(KafkaHandle client, IntPtr topic)
            : base(ownsHandle: true)
        {
            if (topic == IntPtr.Zero)
            {
                return;
            }

            var added = false;
            client.DangerousAddRef(ref added);
            _client = client;
            SetHandle(topic);
        }

        protected override bool ReleaseHandle()
        {
            TopicDestroy(handle);
            _client?.DangerousRelease();
            return true;
        }
    }

    /// <summary>rd_kafka_message_t (only what delivery reports read).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Message
    {
        public int Err;
        public IntPtr Topic;
        public int Partition;
        public IntPtr Payload;
        public nuint Length;
        public IntPtr Key;
        public nuint KeyLength;
        public long Offset;
        public IntPtr Opaque;
    }

    /// <summary>rd_kafka_metadata_t.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MetadataInfo
    {
        public int BrokerCount;
        public MetadataBroker* Brokers;
        public int TopicCount;
        public MetadataTopic* Topics;
        public int OriginatingBrokerId;
        public IntPtr OriginatingBrokerName;
    }

    /// <summary>rd_kafka_metadata_broker_t.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MetadataBroker
    {
        public int Id;
        public IntPtr Host;
        public int Port;
    }

    /// <summary>rd_kafka_metadata_topic_t.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MetadataTopic
    {
        public IntPtr Name;
        public int PartitionCount;
        public MetadataPartition* Partitions;
        public int Err;
    }

    /// <summary>rd_kafka_metadata_partition_t.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MetadataPartition
    {
        public int Id;
        public int Err;
        public int Leader;
        public int ReplicaCount;
        public int* Replicas;
        public int IsrCount;
        public int* Isrs;
    }

    /// <summary>rd_kafka_vu_t: a type tag and a 64-byte union.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 72)]
    public struct VarArg
    {
        public const int End = 0;
        public const int Rkt = 2;
        public const int Value = 4;
        public const int Key = 5;
        public const int Opaque = 6;
        public const int MsgFlags = 7;
        public const int Headers = 10;

        [FieldOffset(0)] public int Type;
        [FieldOffset(8)] public IntPtr Pointer;
        [FieldOffset(8)] public int Int;
        [FieldOffset(16)] public nuint Size;

        public static VarArg Of(int type, IntPtr pointer, nuint size = 0) => new() { Type = type, Pointer = pointer, Size = size };
    }
}
