namespace LogPipeline.Shipper.Checking;

/// <summary>What <c>logpipeline-shipper --help</c> prints (kept beside the check so both stay in step with the keys).</summary>
internal static class ShipperUsage
{
    public static string Text(string version, string? command) => command switch
    {
        "check" => $"""
            logpipeline-shipper {version}

            usage: logpipeline-shipper check [--Section:Key=value ...]

            Validates the configuration with the same rules as at start, then checks the log and state directories
            and asks Kafka for the topic's metadata (reachable, topic exists, every partition has a leader).
            Prints one line per check (✓ or ✗ with a hint). Exit code 0 when every check passed, 1 when one failed,
            2 for an unknown option.

            {Keys}
            """,
        _ => $"""
            logpipeline-shipper {version} — follows an nginx access log through rotation and publishes every line to Kafka

            usage: logpipeline-shipper [run|check] [--help] [--version] [--Section:Key=value ...]

            commands:
              run      (default) ship Shipper:Path to Kafka:Topic until SIGTERM, checkpointing what Kafka acknowledged
              check    validate the configuration and reach Kafka; one ✓/✗ line per check; exit 0 only when all pass

            exit codes of run: 0 stopped with everything delivered, 1 failure, 2 configuration or command-line error,
            3 stopped with lines undelivered (they are re-read from the checkpoint at the next start)

            {Keys}
            """,
    };

    private const string Keys = """
        configuration (appsettings.json beside the binary, environment Section__Key, or --Section:Key=value):
          Shipper:Path                  /var/log/nginx/access.log   the live access log (rotated siblings <path>.1 …)
          Shipper:StateDirectory        /var/lib/logpipeline-shipper   checkpoint registry
          Shipper:Rotation:MaxBytes     0 (off)                     built-in size rotation; with Rotation:Keep (1), Rotation:PidFile
          Shipper:Metadata:*            —                           lp.meta: Namespace, PodName, PodUid, NodeName, ContainerName, Labels, LabelsFile
          Kafka:BootstrapServers        kafka:9092
          Kafka:Topic                   nginx-access
          Kafka:Partitioning            spread                      spread | file
          Kafka:SecurityProtocol        Plaintext                   Plaintext | Ssl | SaslPlaintext | SaslSsl (+ Kafka:Sasl*, Kafka:SslCaLocation)
          Observability:Port            9100                        /metrics, /healthz, /readyz

        Every key, the Kafka message format and the metrics: docs/contracts.md
        """;
}
