using LogPipeline.Bench.Workloads;

namespace LogPipeline.Bench.Peers;

/// <summary>
/// syslog-ng wildcard-file() → kafka-c (Debian syslog-ng-core + syslog-ng-mod-rdkafka, unpacked into a private prefix
/// because the packages conflict with rsyslog), config bench/peers/syslog-ng.conf.
/// </summary>
public sealed class SyslogNgPeer : ITool
{
    private static string Prefix => Path.Combine(PeerConfig.PrefixDirectory, "syslog-ng");

    private static string Binary => Path.Combine(Prefix, "usr", "sbin", "syslog-ng");

    private static string Modules => Path.Combine(Prefix, "usr", "lib", "syslog-ng", "3.38");

    public string Name => "syslog-ng";

    public string? UnavailableReason =>
        PeerConfig.SetupProblem("syslog-ng")
        ?? (!File.Exists(Binary) ? "syslog-ng not unpacked (bench/setup-peers.sh)"
            : !File.Exists(Path.Combine(Modules, "libkafka.so")) ? "kafka-c module (syslog-ng-mod-rdkafka) not unpacked" : null);

    public bool TailsFile => true;

    public bool Supports(WorkloadSpec workload) => workload.Rotation != RotationMode.BuiltIn;

    public ToolProcess Start(ToolContext context)
    {
        var config = PeerConfig.Render("syslog-ng.conf", context, "syslog-ng.conf");
        var state = context.StateDirectory;
        return ToolProcess.Start(
            Binary,
            [
                "-F", "--no-caps", "-f", config, "--module-path=" + Modules,
                "--persist-file=" + Path.Combine(state, "syslog-ng.persist"),
                "--pidfile=" + context.PidFile,
                "--control=" + Path.Combine(state, "syslog-ng.ctl"),
            ],
            context.RunDirectory,
            new Dictionary<string, string> { ["LD_LIBRARY_PATH"] = Path.Combine(Prefix, "usr", "lib", "syslog-ng") });
    }
}
