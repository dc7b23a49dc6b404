using LogPipeline.Testing.Kafka;
using LogPipeline.Testing.Nginx;

namespace LogPipeline.Shipper.Tests.Support;

/// <summary>
/// The preamble the pipeline tests share: a librdkafka mock cluster with the test's topic, a fresh directory on
/// /dev/shm (state/ and, unless the test wants it missing, logs/) and the shipper configuration pointing at both —
/// following <c>logs/access.log</c>, or the nginx fixture's log with built-in rotation (<see cref="ForNginx"/>).
/// </summary>
internal sealed class ShipperRig : IDisposable
{
    private readonly NginxServer? _nginx;

    private ShipperRig(string topic, int brokers, int partitions, bool createLogDirectory, NginxServer? nginx)
    {
        Topic = topic;
        _nginx = nginx;
        Cluster = KafkaMockCluster.Start(brokers);
        Cluster.CreateTopic(topic, partitions);
        Dir = new TempDir();
        if (createLogDirectory)
        {
            Directory.CreateDirectory(LogDirectory);
        }
    }

    public KafkaMockCluster Cluster { get; }

    public TempDir Dir { get; }

    public string Topic { get; }

    /// <summary>The directory the shipper follows when the test writes the log itself.</summary>
    public string LogDirectory => Dir.Combine("logs");

    /// <summary>The file the shipper follows: <c>logs/access.log</c>, or nginx's access log.</summary>
    public string LogPath => _nginx?.AccessLogPath ?? Dir.Combine("logs", "access.log");

    public string StateDirectory => Dir.Combine("state");

    /// <summary>A cluster of <paramref name="brokers"/> with <paramref name="topic"/> on as many partitions (or <paramref name="partitions"/>).</summary>
    public static ShipperRig Start(string topic, int brokers = 3, int? partitions = null, bool createLogDirectory = true) =>
        new(topic, brokers, partitions ?? brokers, createLogDirectory, null);

    /// <summary>As <see cref="Start"/>, the shipper following <paramref name="nginx"/>'s log and rotating it (as compose and k8s do).</summary>
    public static ShipperRig ForNginx(NginxServer nginx, string topic, int brokers = 3) =>
        new(topic, brokers, brokers, createLogDirectory: false, nginx);

    /// <summary>A fresh copy of the shipper configuration (tests add or change keys in it).</summary>
    public Dictionary<string, string?> Config() =>
        _nginx is null ? TestConfig.For(Dir, Cluster, Topic) : TestConfig.ForNginx(_nginx, Dir, Cluster, Topic);

    /// <summary>What reached the topic, once <paramref name="expected"/> records are there or the timeout passes.</summary>
    public ShippedLines Shipped(long expected, TimeSpan? timeout = null) => ShippedLines.Read(Cluster, Topic, expected, timeout);

    public void Dispose()
    {
        Dir.Dispose();
        Cluster.Dispose();
    }
}
