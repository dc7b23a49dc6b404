using System.Runtime.InteropServices;
using LogPipeline.Kafka.Native;

namespace LogPipeline.Testing.Kafka;

/// <summary>
/// The librdkafka entry points behind the mock cluster. Loaded by the same <see cref="LibrdkafkaLibrary"/> the
/// shipper's binding uses (same candidates, same version check, same handle), so tests exercise that loader.
/// </summary>
internal static unsafe partial class RdKafkaNative
{
    private const string Lib = LibrdkafkaLibrary.Name;

    /// <summary>The file in use (loaded by <see cref="Load"/>).</summary>
    public static string LibraryPath => LibrdkafkaLibrary.LoadedPath;

    /// <summary>Loads the shared librdkafka and resolves this assembly's imports to it; call before any other member.</summary>
    public static void Load() => LibrdkafkaLibrary.UseFor(typeof(RdKafkaNative).Assembly);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_conf_new")]
    public static partial IntPtr ConfNew();

    [LibraryImport(Lib, EntryPoint = "rd_kafka_conf_set")]
    public static partial int ConfSet(IntPtr conf, byte* name, byte* value, byte* errstr, nuint errstrSize);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_new")]
    public static partial IntPtr New(int type, IntPtr conf, byte* errstr, nuint errstrSize);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_destroy")]
    public static partial void Destroy(IntPtr rk);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_mock_cluster_new")]
    public static partial IntPtr MockClusterNew(IntPtr rk, int brokers);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_mock_cluster_destroy")]
    public static partial void MockClusterDestroy(IntPtr cluster);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_mock_cluster_bootstraps")]
    public static partial IntPtr MockClusterBootstraps(IntPtr cluster);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_mock_topic_create")]
    public static partial int MockTopicCreate(IntPtr cluster, byte* topic, int partitions, int replicationFactor);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_mock_broker_set_down")]
    public static partial int MockBrokerSetDown(IntPtr cluster, int brokerId);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_mock_broker_set_up")]
    public static partial int MockBrokerSetUp(IntPtr cluster, int brokerId);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_mock_broker_set_rtt")]
    public static partial int MockBrokerSetRtt(IntPtr cluster, int brokerId, int rttMs);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_mock_partition_set_leader")]
    public static partial int MockPartitionSetLeader(IntPtr cluster, byte* topic, int partition, int brokerId);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_mock_push_request_errors_array")]
    public static partial void MockPushRequestErrorsArray(IntPtr cluster, short apiKey, nuint count, int* errors);

    [LibraryImport(Lib, EntryPoint = "rd_kafka_mock_clear_request_errors")]
    public static partial void MockClearRequestErrors(IntPtr cluster, short apiKey);
}
