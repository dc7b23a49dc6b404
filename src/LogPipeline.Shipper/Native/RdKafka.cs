using System.Runtime.InteropServices;

namespace LogPipeline.Shipper.Native;

/// <summary>
/// The librdkafka entry points the shipper's producer calls, bound once at run time from the native library that
/// Confluent.Kafka's package (librdkafka.redist) places beside the binary. Why not through Confluent.Kafka's
/// producer: its Native AOT start-up binds ~250 delegates by reflection (~20 MB of garbage) and its produce path
/// allocates ~1 KB of objects per message (headers, delivery-report objects, closures); a sidecar that must stay
/// under 24 MB can afford neither (docs/shipper.md). Layouts below are librdkafka's public ABI (rdkafka.h).
/// </summary>
internal static unsafe class RdKafka
{
    public const int ProducerType = 0;
    public const int ConfOk = 0;

    /// <summary>RD_KAFKA_MSG_F_COPY: librdkafka copies the payload, so the caller's buffer is free after the call.</summary>
    public const int MsgFlagCopy = 0x2;

    /// <summary>RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT.</summary>
    public const int PurgeQueueAndInFlight = 0x1 | 0x2;

    public const int ErrFatal = -150;

    private static readonly Lock Gate = new();
    private static Api? s_api;

    /// <summary>Loads librdkafka (once per process) and returns its entry points.</summary>
    public static Api Bind()
    {
        lock (Gate)
        {
            if (s_api is not null)
            {
                return s_api;
            }

            var failures = new List<string>();
            foreach (var candidate in Candidates())
            {
                if (!File.Exists(candidate))
                {
                    continue;
                }

                try
                {
                    var handle = NativeLibrary.Load(candidate);
                    s_api = new Api(handle);
                    return s_api;
                }
                catch (Exception ex) when (ex is DllNotFoundException or BadImageFormatException or EntryPointNotFoundException)
                {
                    failures.Add($"{candidate}: {ex.Message}");
                }
            }

            throw new DllNotFoundException(
                "librdkafka could not be loaded from beside the binary (" + AppContext.BaseDirectory + "). Tried: " +
                (failures.Count == 0 ? "no candidate file exists" : string.Join("; ", failures)));
        }
    }

    /// <summary>
    /// Confluent's package ships one build per platform. On glibc x64 the centos8 build comes first: the default
    /// build wants libsasl2.so.3, which Debian and Ubuntu do not have (trying it first costs ~90 ms at every start).
    /// On musl (Alpine) the alpine build comes first.
    /// Tests and <c>dotnet run</c> find the builds under runtimes/; a published binary has them beside it.
    /// </summary>
    private static IEnumerable<string> Candidates()
    {
        var rid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        var musl = Directory.Exists("/lib") && Directory.EnumerateFiles("/lib", "ld-musl-*").Any();
        foreach (var dir in new[] { AppContext.BaseDirectory, Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native") })
        {
            if (musl)
            {
                yield return Path.Combine(dir, "alpine-librdkafka.so");
            }

            yield return Path.Combine(dir, "centos8-librdkafka.so");
            yield return Path.Combine(dir, "librdkafka.so");
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

    /// <summary>Function pointers into one loaded librdkafka; immutable after construction, so any thread may call.</summary>
    public sealed class Api
    {
        public Api(IntPtr library)
        {
            IntPtr F(string name) => NativeLibrary.GetExport(library, name);
            ConfNew = (delegate* unmanaged<IntPtr>)F("rd_kafka_conf_new");
            ConfSet = (delegate* unmanaged<IntPtr, byte*, byte*, byte*, nuint, int>)F("rd_kafka_conf_set");
            ConfDestroy = (delegate* unmanaged<IntPtr, void>)F("rd_kafka_conf_destroy");
            ConfSetOpaque = (delegate* unmanaged<IntPtr, IntPtr, void>)F("rd_kafka_conf_set_opaque");
            ConfSetDrMsgCb = (delegate* unmanaged<IntPtr, delegate* unmanaged<IntPtr, Message*, IntPtr, void>, void>)F("rd_kafka_conf_set_dr_msg_cb");
            ConfSetErrorCb = (delegate* unmanaged<IntPtr, delegate* unmanaged<IntPtr, int, byte*, IntPtr, void>, void>)F("rd_kafka_conf_set_error_cb");
            ConfSetLogCb = (delegate* unmanaged<IntPtr, delegate* unmanaged<IntPtr, int, byte*, byte*, void>, void>)F("rd_kafka_conf_set_log_cb");
            New = (delegate* unmanaged<int, IntPtr, byte*, nuint, IntPtr>)F("rd_kafka_new");
            Destroy = (delegate* unmanaged<IntPtr, void>)F("rd_kafka_destroy");
            Opaque = (delegate* unmanaged<IntPtr, IntPtr>)F("rd_kafka_opaque");
            TopicNew = (delegate* unmanaged<IntPtr, byte*, IntPtr, IntPtr>)F("rd_kafka_topic_new");
            TopicDestroy = (delegate* unmanaged<IntPtr, void>)F("rd_kafka_topic_destroy");
            HeadersNew = (delegate* unmanaged<nuint, IntPtr>)F("rd_kafka_headers_new");
            HeadersDestroy = (delegate* unmanaged<IntPtr, void>)F("rd_kafka_headers_destroy");
            HeaderAdd = (delegate* unmanaged<IntPtr, byte*, nint, byte*, nint, int>)F("rd_kafka_header_add");
            ProduceVa = (delegate* unmanaged<IntPtr, VarArg*, nuint, IntPtr>)F("rd_kafka_produceva");
            ErrorCode = (delegate* unmanaged<IntPtr, int>)F("rd_kafka_error_code");
            ErrorDestroy = (delegate* unmanaged<IntPtr, void>)F("rd_kafka_error_destroy");
            Poll = (delegate* unmanaged<IntPtr, int, int>)F("rd_kafka_poll");
            Flush = (delegate* unmanaged<IntPtr, int, int>)F("rd_kafka_flush");
            Purge = (delegate* unmanaged<IntPtr, int, int>)F("rd_kafka_purge");
            FatalError = (delegate* unmanaged<IntPtr, byte*, nuint, int>)F("rd_kafka_fatal_error");
            TestFatalError = (delegate* unmanaged<IntPtr, int, byte*, int>)F("rd_kafka_test_fatal_error");
            Err2Str = (delegate* unmanaged<int, byte*>)F("rd_kafka_err2str");
            Metadata = (delegate* unmanaged<IntPtr, int, IntPtr, MetadataInfo**, int, int>)F("rd_kafka_metadata");
            MetadataDestroy = (delegate* unmanaged<MetadataInfo*, void>)F("rd_kafka_metadata_destroy");
        }

        public delegate* unmanaged<IntPtr> ConfNew { get; }

        public delegate* unmanaged<IntPtr, byte*, byte*, byte*, nuint, int> ConfSet { get; }

        public delegate* unmanaged<IntPtr, void> ConfDestroy { get; }

        public delegate* unmanaged<IntPtr, IntPtr, void> ConfSetOpaque { get; }

        public delegate* unmanaged<IntPtr, delegate* unmanaged<IntPtr, Message*, IntPtr, void>, void> ConfSetDrMsgCb { get; }

        public delegate* unmanaged<IntPtr, delegate* unmanaged<IntPtr, int, byte*, IntPtr, void>, void> ConfSetErrorCb { get; }

        public delegate* unmanaged<IntPtr, delegate* unmanaged<IntPtr, int, byte*, byte*, void>, void> ConfSetLogCb { get; }

        public delegate* unmanaged<int, IntPtr, byte*, nuint, IntPtr> New { get; }

        public delegate* unmanaged<IntPtr, void> Destroy { get; }

        public delegate* unmanaged<IntPtr, IntPtr> Opaque { get; }

        public delegate* unmanaged<IntPtr, byte*, IntPtr, IntPtr> TopicNew { get; }

        public delegate* unmanaged<IntPtr, void> TopicDestroy { get; }

        public delegate* unmanaged<nuint, IntPtr> HeadersNew { get; }

        public delegate* unmanaged<IntPtr, void> HeadersDestroy { get; }

        public delegate* unmanaged<IntPtr, byte*, nint, byte*, nint, int> HeaderAdd { get; }

        public delegate* unmanaged<IntPtr, VarArg*, nuint, IntPtr> ProduceVa { get; }

        public delegate* unmanaged<IntPtr, int> ErrorCode { get; }

        public delegate* unmanaged<IntPtr, void> ErrorDestroy { get; }

        public delegate* unmanaged<IntPtr, int, int> Poll { get; }

        public delegate* unmanaged<IntPtr, int, int> Flush { get; }

        public delegate* unmanaged<IntPtr, int, int> Purge { get; }

        public delegate* unmanaged<IntPtr, byte*, nuint, int> FatalError { get; }

        /// <summary>rd_kafka_test_fatal_error: raises a fabricated fatal error. Tests only (no production caller).</summary>
        public delegate* unmanaged<IntPtr, int, byte*, int> TestFatalError { get; }

        public delegate* unmanaged<int, byte*> Err2Str { get; }

        /// <summary>rd_kafka_metadata (used by <c>check</c> only, on a producer that produces nothing).</summary>
        public delegate* unmanaged<IntPtr, int, IntPtr, MetadataInfo**, int, int> Metadata { get; }

        public delegate* unmanaged<MetadataInfo*, void> MetadataDestroy { get; }

        /// <summary>librdkafka's text for an error code (static storage in the library, copied here).</summary>
        public string Describe(int code) => Marshal.PtrToStringUTF8((IntPtr)Err2Str(code)) ?? code.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
