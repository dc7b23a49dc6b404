using LogPipeline.Testing.Kafka;

namespace LogPipeline.Shipper.Tests.Support;

internal static class TestConfig
{
    public static Dictionary<string, string?> For(TempDir dir, KafkaMockCluster cluster, string topic) => new()
    {
        ["Shipper:Path"] = dir.Combine("logs", "access.log"),
        ["Shipper:StateDirectory"] = dir.Combine("state"),
        ["Shipper:SourceName"] = "test-pod",
        ["Shipper:ShutdownGracePeriod"] = "00:00:15",
        ["Kafka:BootstrapServers"] = cluster.BootstrapServers,
        ["Kafka:Topic"] = topic,
    };
}
