using LogPipeline.Ingest.Elasticsearch;
using LogPipeline.Ingest.Indexing;
using LogPipeline.Ingest.Reporting;

namespace LogPipeline.Ingest.Checking;

/// <summary>What <c>logpipeline-ingest --help</c> and <c>&lt;command&gt; --help</c> print.</summary>
internal static class IngestUsage
{
    public static readonly string[] Commands = ["run", "setup", "report", "check"];

    public static string Text(string version, string? command) => command switch
    {
        "run" => $"""
            logpipeline-ingest {version}

            usage: logpipeline-ingest [run] [--Section:Key=value ...]

            Consumes Kafka:Topic as group Kafka:GroupId, parses each nginx line, adds country, user agent and time
            fields, and indexes ECS documents into Elasticsearch:DataStream; unparseable lines go to the dead-letter
            topic. Runs until SIGTERM, then drains and commits. Exit code 0 after a clean stop, 2 for a configuration
            error (the key is named), 1 for a failure.

            {Keys}
            """,
        "setup" => $"""
            logpipeline-ingest {version}

            usage: logpipeline-ingest setup [--overwrite] [--Section:Key=value ...]

            Installs the index and component templates and the data stream retention (Lifecycle:Retention), and,
            given Kibana:Url (base path kept) and Kibana:Space, imports the dashboards: creates missing objects,
            updates the ones still as setup wrote them, keeps the ones changed in Kibana unless --overwrite, and prints
            which. Idempotent: safe on every deploy. Exit code 0 when done, 1 when a step failed (the message says which
            and what to do), 2 for an unknown option.

            {Keys}
            """,
        "report" => $"""
            logpipeline-ingest {version}

            {ReportArguments.Usage}

            Prints the dashboard's panels (visitors by country, browser, OS, device, hour, top pages, status codes,
            referrers, sites, slowest pages, bots) for a time range, straight from Elasticsearch, with the dashboard's
            default selection (humans only) and calendar days in --time-zone (default UTC). Exit code 0, 1 when
            Elasticsearch failed, 2 for an unknown or invalid option.

            {Keys}
            """,
        "check" => $"""
            logpipeline-ingest {version}

            usage: logpipeline-ingest check [--Section:Key=value ...]

            Validates the configuration with the same rules as at start, then reaches every dependency: Kafka (the
            topic and the dead-letter topic exist and every partition has a leader, the group coordinator answers),
            Elasticsearch (version, the index template, write permission on the data stream when security is on) and,
            given Kibana:Url, Kibana. Prints one line per check (✓ or ✗ with a hint). Exit code 0 when every check
            passed, 1 when one failed, 2 for an unknown option.

            {Keys}
            """,
        _ => $"""
            logpipeline-ingest {version} — nginx access-log ingest worker: Kafka → parse, GeoIP, user agent, ECS → Elasticsearch

            usage: logpipeline-ingest [run|setup|report|check] [--help] [--version] [--Section:Key=value ...]

            commands:
              run      (default) consume Kafka and index into Elasticsearch until SIGTERM
              setup    install the index templates and retention; import the Kibana dashboards (given Kibana:Url)
              report   print the dashboard's panels as text or JSON (logpipeline-ingest report --help)
              check    validate the configuration and reach Kafka, Elasticsearch and Kibana; exit 0 only when all pass

            exit codes: 0 success, 1 failure (setup, report, check: the message says what failed),
            2 configuration or command-line error

            {Keys}
            """,
    };

    private static readonly string Keys = $"""
        configuration (appsettings.json beside the binary, environment Section__Key, or --Section:Key=value):
          Kafka:BootstrapServers      kafka:9092
          Kafka:Topic                 nginx-access
          Kafka:GroupId               logpipeline-ingest
          Kafka:DeadLetterTopic       <topic>-dlq
          Kafka:SecurityProtocol      Plaintext        Plaintext | Ssl | SaslPlaintext | SaslSsl (+ Kafka:Sasl*, Kafka:SslCaLocation)
          Elasticsearch:Url           http://elasticsearch:9200   with Elasticsearch:ApiKey or Username/Password
          Elasticsearch:DataStream    {new ElasticsearchOptions().DataStream}
          GeoIp:DatabasePath          data/geo-whois-asn-country.mmdb beside the binary
          UserAgent:RegexesPath       data/regexes.yaml beside the binary
          Parsing:LogFormat           combined         combined | json | an nginx log_format string
          Kibana:Url                  (unset)          setup and check only; may include Kibana's base path
          Kibana:Space                default          setup only: the Kibana space the dashboards go to
          Lifecycle:Retention         30d              setup only
          Observability:Port          9101             /metrics, /healthz, /readyz

        Every key, the Kafka message format and the metrics: docs/contracts.md
        """;
}
