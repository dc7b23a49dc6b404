using LogPipeline.Bench.Workloads;

namespace LogPipeline.Bench.Peers;

/// <summary>rsyslog imfile → omkafka (Debian packages rsyslog + rsyslog-kafka), config bench/peers/rsyslog.conf.</summary>
public sealed class RsyslogPeer : ITool
{
    private const string Binary = "/usr/sbin/rsyslogd";
    private const string KafkaModule = "/usr/lib/x86_64-linux-gnu/rsyslog/omkafka.so";

    public string Name => "rsyslog";

    public string? UnavailableReason =>
        PeerConfig.SetupProblem("rsyslog")
        ?? (!File.Exists(Binary) ? "rsyslogd not installed (bench/setup-peers.sh)"
            : !File.Exists(KafkaModule) ? "omkafka module (rsyslog-kafka) not installed" : null);

    public bool TailsFile => true;

    public bool Supports(WorkloadSpec workload) => workload.Rotation != RotationMode.BuiltIn;

    public ToolProcess Start(ToolContext context)
    {
        var config = PeerConfig.Render("rsyslog.conf", context, "rsyslog.conf");
        return ToolProcess.Start(Binary, ["-n", "-f", config, "-i", context.PidFile], context.RunDirectory);
    }
}
