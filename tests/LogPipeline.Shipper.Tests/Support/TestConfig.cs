using LogPipeline.Testing.Kafka;
using LogPipeline.Testing.Nginx;

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

    /// <summary>Following the nginx fixture's log with built-in rotation at 50 KB (as compose and k8s do).</summary>
    public static Dictionary<string, string?> ForNginx(NginxServer nginx, TempDir state, KafkaMockCluster cluster, string topic) => new()
    {
        ["Shipper:Path"] = nginx.AccessLogPath,
        ["Shipper:StateDirectory"] = state.Combine("state"),
        ["Shipper:SourceName"] = "nginx-pod",
        ["Shipper:ShutdownGracePeriod"] = "00:00:15",
        ["Shipper:Rotation:MaxBytes"] = "51200",
        ["Shipper:Rotation:Keep"] = "1",
        ["Shipper:Rotation:PidFile"] = nginx.PidFile,
        ["Kafka:BootstrapServers"] = cluster.BootstrapServers,
        ["Kafka:Topic"] = topic,
    };
}
