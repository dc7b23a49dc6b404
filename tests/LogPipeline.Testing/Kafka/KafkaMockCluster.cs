using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;

namespace LogPipeline.Testing.Kafka;

/// <summary>
/// librdkafka's in-process mock cluster: real Kafka protocol brokers on loopback TCP ports, reachable by
/// any client in any process through <see cref="BootstrapServers"/>, with fault injection.
/// Broker ids are 1..N. Methods may be called from any thread (librdkafka serialises them internally).
/// </summary>
public sealed unsafe class KafkaMockCluster : IDisposable
{
    private readonly IntPtr _rk;
    private readonly IntPtr _cluster;
    private bool _disposed;

    private KafkaMockCluster(IntPtr rk, IntPtr cluster, int brokers)
    {
        _rk = rk;
        _cluster = cluster;
        BrokerCount = brokers;
        BootstrapServers = Marshal.PtrToStringUTF8(RdKafkaNative.MockClusterBootstraps(cluster))
                           ?? throw new InvalidOperationException("mock cluster has no bootstrap servers");
    }

    public string BootstrapServers { get; }

    public int BrokerCount { get; }

    /// <summary>Path of the native library in use; Confluent clients in this process are pointed at it too.</summary>
    public static string NativeLibraryPath => RdKafkaNative.LibraryPath;

    /// <summary>Starts a cluster of <paramref name="brokers"/> brokers.</summary>
    public static KafkaMockCluster Start(int brokers = 3)
    {
        EnsureConfluentLoaded();
        RdKafkaNative.Load();
        var conf = RdKafkaNative.ConfNew();
        var err = stackalloc byte[512];
        SetConf(conf, "log_level", "3", err);

        var rk = RdKafkaNative.New(0 /* RD_KAFKA_PRODUCER */, conf, err, 512);
        if (rk == IntPtr.Zero)
        {
            throw new InvalidOperationException("rd_kafka_new failed: " + Marshal.PtrToStringUTF8((IntPtr)err));
        }

        var cluster = RdKafkaNative.MockClusterNew(rk, brokers);
        if (cluster == IntPtr.Zero)
        {
            RdKafkaNative.Destroy(rk);
            throw new InvalidOperationException("rd_kafka_mock_cluster_new failed");
        }

        return new KafkaMockCluster(rk, cluster, brokers);
    }

    /// <summary>
    /// Points Confluent.Kafka at the loadable librdkafka variant. Safe to call many times; must run
    /// before the first Confluent client of the process is created.
    /// </summary>
    public static void EnsureConfluentLoaded()
    {
        RdKafkaNative.Load();
    }

    public void CreateTopic(string topic, int partitions = 3, int replicationFactor = 3)
    {
        var bytes = Encoding.UTF8.GetBytes(topic + "\0");
        fixed (byte* p = bytes)
        {
            var rc = RdKafkaNative.MockTopicCreate(_cluster, p, partitions, Math.Min(replicationFactor, BrokerCount));
            if (rc != 0)
            {
                throw new InvalidOperationException($"rd_kafka_mock_topic_create({topic}) failed: {(ErrorCode)rc}");
            }
        }
    }

    public void SetBrokerDown(int brokerId) => Check(RdKafkaNative.MockBrokerSetDown(_cluster, brokerId), "set_down");

    public void SetBrokerUp(int brokerId) => Check(RdKafkaNative.MockBrokerSetUp(_cluster, brokerId), "set_up");

    public void SetAllBrokersDown()
    {
        for (var id = 1; id <= BrokerCount; id++)
        {
            SetBrokerDown(id);
        }
    }

    public void SetAllBrokersUp()
    {
        for (var id = 1; id <= BrokerCount; id++)
        {
            SetBrokerUp(id);
        }
    }

    /// <summary>
    /// Makes broker <paramref name="brokerId"/> the partition's leader (clients learn it from their next metadata answer).
    /// Not -1 (no leader), which librdkafka allows: the mock then crashes the process when a Produce request reaches that
    /// partition.
    /// </summary>
    public void SetPartitionLeader(string topic, int partition, int brokerId)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokerId, 1);
        var bytes = Encoding.UTF8.GetBytes(topic + "\0");
        fixed (byte* p = bytes)
        {
            var rc = RdKafkaNative.MockPartitionSetLeader(_cluster, p, partition, brokerId);
            if (rc != 0)
            {
                throw new InvalidOperationException($"rd_kafka_mock_partition_set_leader({topic} [{partition}], {brokerId}) failed: {(ErrorCode)rc}");
            }
        }
    }

    /// <summary>Adds round-trip latency to every response of one broker.</summary>
    public void SetBrokerRtt(int brokerId, TimeSpan rtt) =>
        Check(RdKafkaNative.MockBrokerSetRtt(_cluster, brokerId, (int)rtt.TotalMilliseconds), "set_rtt");

    /// <summary>
    /// The next requests of the given API (e.g. <see cref="KafkaApiKey.Produce"/>) on any broker answer
    /// these errors, one per request, in order.
    /// </summary>
    public void PushRequestErrors(short apiKey, params ErrorCode[] errors)
    {
        var codes = errors.Select(e => (int)e).ToArray();
        fixed (int* p = codes)
        {
            RdKafkaNative.MockPushRequestErrorsArray(_cluster, apiKey, (nuint)codes.Length, p);
        }
    }

    /// <summary>Drops the errors still pushed for one API (<see cref="PushRequestErrors"/>).</summary>
    public void ClearRequestErrors(short apiKey) => RdKafkaNative.MockClearRequestErrors(_cluster, apiKey);

    /// <summary>Drops the errors still pushed for every API in <see cref="KafkaApiKey"/>.</summary>
    public void ClearRequestErrors()
    {
        foreach (var apiKey in KafkaApiKey.All)
        {
            ClearRequestErrors(apiKey);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        RdKafkaNative.MockClusterDestroy(_cluster);
        RdKafkaNative.Destroy(_rk);
    }

    private static void SetConf(IntPtr conf, string name, string value, byte* err)
    {
        var n = Encoding.UTF8.GetBytes(name + "\0");
        var v = Encoding.UTF8.GetBytes(value + "\0");
        fixed (byte* pn = n)
        fixed (byte* pv = v)
        {
            if (RdKafkaNative.ConfSet(conf, pn, pv, err, 512) != 0)
            {
                throw new InvalidOperationException($"rd_kafka_conf_set({name}) failed: " + Marshal.PtrToStringUTF8((IntPtr)err));
            }
        }
    }

    private static void Check(int rc, string what)
    {
        if (rc != 0)
        {
            throw new InvalidOperationException($"rd_kafka_mock_broker_{what} failed: {(ErrorCode)rc}");
        }
    }
}

/// <summary>Kafka protocol API keys used with <see cref="KafkaMockCluster.PushRequestErrors"/>.</summary>
public static class KafkaApiKey
{
    public const short Produce = 0;
    public const short Fetch = 1;
    public const short ListOffsets = 2;
    public const short Metadata = 3;
    public const short OffsetCommit = 8;
    public const short OffsetFetch = 9;
    public const short FindCoordinator = 10;
    public const short JoinGroup = 11;
    public const short Heartbeat = 12;
    public const short InitProducerId = 22;

    internal static readonly short[] All =
        [Produce, Fetch, ListOffsets, Metadata, OffsetCommit, OffsetFetch, FindCoordinator, JoinGroup, Heartbeat, InitProducerId];
}
