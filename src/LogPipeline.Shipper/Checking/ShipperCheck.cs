using Confluent.Kafka;
using LogPipeline.Hosting.CommandLine;
using LogPipeline.Hosting.Configuration;
using LogPipeline.Kafka;
using LogPipeline.Kafka.Native;
using LogPipeline.Shipper.Options;
using LogPipeline.Shipper.Publishing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LogPipeline.Shipper.Checking;

/// <summary>
/// <c>logpipeline-shipper check</c>: the configuration (the host's own start-up validation), the log and state
/// directories, and Kafka (a metadata request for the topic through the same librdkafka binding and security
/// settings the producer uses). Nothing is produced: a test line would reach the ingest worker.
/// </summary>
internal static class ShipperCheck
{
    private static readonly TimeSpan KafkaTimeout = TimeSpan.FromSeconds(10);

    public static int Run(string[] overrides, TextWriter output)
    {
        var report = new CheckReport(output);
        using var host = ShipperHost.CreateBuilder(overrides).Build();
        var failures = ConfigurationCheck.Validate(host.Services);
        if (failures.Count > 0)
        {
            report.Fail("configuration", string.Join("; ", failures), "fix the named keys (docs/contracts.md)");
            report.Skip("Kafka", "the configuration is invalid");
            report.Summary();
            return report.ExitCode;
        }

        var shipper = host.Services.GetRequiredService<IOptions<ShipperOptions>>().Value;
        var kafka = host.Services.GetRequiredService<IOptions<KafkaOptions>>().Value;
        var security = host.Services.GetRequiredService<IOptions<KafkaSecurityOptions>>().Value;
        report.Pass("configuration", "valid");
        CheckLogFile(report, shipper.Path);
        CheckStateDirectory(report, shipper.StateDirectory);
        CheckKafka(report, kafka, security);
        report.Summary();
        return report.ExitCode;
    }

    private static void CheckLogFile(CheckReport report, string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(directory))
        {
            report.Fail("log file", $"{directory} does not exist", "mount the log volume nginx writes to (Shipper:Path)");
            return;
        }

        if (!File.Exists(path))
        {
            report.Pass("log file", $"{path} not there yet; its directory exists (the shipper follows it once nginx creates it)");
            return;
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            report.Pass("log file", $"{path} readable ({stream.Length} bytes)");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            report.Fail("log file", $"{path}: {ex.Message}", "the shipper's user must be able to read the log (and its directory)");
        }
    }

    private static void CheckStateDirectory(CheckReport report, string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
            var probe = Path.Combine(directory, ".check-" + Environment.ProcessId);
            File.WriteAllText(probe, "check");
            File.Delete(probe);
            report.Pass("state directory", $"{directory} writable");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            report.Fail("state directory", $"{directory}: {ex.Message}", "mount a writable volume there (Shipper:StateDirectory); checkpoints must survive restarts");
        }
    }

    private static void CheckKafka(CheckReport report, KafkaOptions kafka, KafkaSecurityOptions security)
    {
        var config = new ProducerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            ClientId = "logpipeline-shipper-check",
            // A metadata request must not create the topic it is asking about.
            AllowAutoCreateTopics = false,
            SocketConnectionSetupTimeoutMs = (int)KafkaTimeout.TotalMilliseconds,
        };
        security.ApplyTo(config);
        var events = new CheckEvents();
        RdKafkaProducer producer;
        try
        {
            producer = new RdKafkaProducer(config, kafka.Topic, events);
        }
        catch (Exception ex) when (ex is LibrdkafkaUnavailableException or InvalidOperationException)
        {
            report.Fail("Kafka", ex.Message, "check the Kafka:* settings; librdkafka must sit beside the binary");
            report.Skip($"topic {kafka.Topic}", "no Kafka client");
            return;
        }

        using (producer)
        {
            // Short attempts, so that "every broker refused" ends the wait early instead of after the whole timeout.
            var started = Environment.TickCount64;
            int code;
            TopicState topic;
            do
            {
                code = producer.TopicMetadata(TimeSpan.FromSeconds(1), out topic);
            }
            while (code != 0 && Environment.TickCount64 - started < KafkaTimeout.TotalMilliseconds
                   && !(events.AllBrokersDown && Environment.TickCount64 - started >= 2000));

            if (code != 0)
            {
                report.Fail(
                    "Kafka",
                    $"no broker of {kafka.BootstrapServers} answered: {events.LastError ?? producer.Describe(code)}",
                    "check Kafka:BootstrapServers, that the brokers run and are reachable from here, and Kafka:SecurityProtocol / Kafka:Sasl*");
                report.Skip($"topic {kafka.Topic}", "Kafka did not answer");
                return;
            }

            report.Pass("Kafka", $"{kafka.BootstrapServers}: {topic.Brokers} broker(s), answered by broker {topic.AnsweredBy}");
            switch ((ErrorCode)topic.Error)
            {
                case ErrorCode.NoError when topic.Partitions > 0 && topic.PartitionsWithoutLeader == 0:
                    report.Pass($"topic {kafka.Topic}", $"{topic.Partitions} partition(s), each with a leader");
                    break;
                case ErrorCode.NoError or ErrorCode.LeaderNotAvailable:
                    report.Fail(
                        $"topic {kafka.Topic}",
                        $"{topic.PartitionsWithoutLeader} of {topic.Partitions} partition(s) have no leader",
                        "lines for them wait until the brokers elect one; check the brokers' health");
                    break;
                case ErrorCode.UnknownTopicOrPart:
                    report.Fail($"topic {kafka.Topic}", "does not exist", "create it (docs/deploy.md) or set Kafka:Topic; the shipper does not create topics");
                    break;
                case ErrorCode.TopicAuthorizationFailed:
                    report.Fail($"topic {kafka.Topic}", "not authorised", "grant the shipper's principal Describe and Write on the topic");
                    break;
                default:
                    report.Fail($"topic {kafka.Topic}", producer.Describe(topic.Error), "check the topic on the brokers");
                    break;
            }
        }
    }

    /// <summary>Keeps librdkafka's last client error for the hint; its log lines are not printed (the ✓/✗ lines say it).</summary>
    private sealed class CheckEvents : IProducerEvents
    {
        private volatile string? _lastError;
        private volatile bool _allBrokersDown;

        public string? LastError => _lastError;

        public bool AllBrokersDown => _allBrokersDown;

        public void OnDelivered(object state, int error)
        {
        }

        public void OnError(int code, string reason, bool fatal)
        {
            if (code == (int)ErrorCode.Local_AllBrokersDown)
            {
                _allBrokersDown = true;
            }
            else
            {
                _lastError = reason;
            }
        }

        public void OnLog(int level, string facility, string message)
        {
        }
    }
}
