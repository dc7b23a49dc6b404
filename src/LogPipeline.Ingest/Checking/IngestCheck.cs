using System.Text.Json.Nodes;
using Confluent.Kafka;
using LogPipeline.Hosting.CommandLine;
using LogPipeline.Hosting.Configuration;
using LogPipeline.Ingest.Commands;
using LogPipeline.Ingest.Consuming;
using LogPipeline.Ingest.Elasticsearch;
using LogPipeline.Ingest.Setup;
using LogPipeline.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using EsMethod = Elastic.Transport.HttpMethod;

namespace LogPipeline.Ingest.Checking;

/// <summary>
/// <c>logpipeline-ingest check</c>: the configuration (the worker's own start-up validation, plus the setup
/// sections), Kafka (metadata of the topic and the dead-letter topic, the group coordinator through an offset
/// fetch that does not join the group), Elasticsearch (version, index template, write privileges) and Kibana
/// (given <c>Kibana:Url</c>). Nothing is written anywhere.
/// </summary>
internal static class IngestCheck
{
    private static readonly TimeSpan KafkaTimeout = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(string[] overrides, TextWriter output, CancellationToken ct)
    {
        var report = new CheckReport(output);
        using var host = IngestHost.CreateBuilder(overrides).Build();
        var failures = ConfigurationCheck.Validate(host.Services).ToList();
        var configuration = host.Services.GetRequiredService<IConfiguration>();
        var kibana = SetupConfiguration.Kibana(configuration, failures);
        SetupConfiguration.Lifecycle(configuration, failures);
        if (failures.Count > 0)
        {
            report.Fail("configuration", string.Join("; ", failures), "fix the named keys (docs/contracts.md)");
            report.Skip("Kafka, Elasticsearch, Kibana", "the configuration is invalid");
            report.Summary();
            return report.ExitCode;
        }

        report.Pass("configuration", "valid");
        var kafka = host.Services.GetRequiredService<IOptions<KafkaConsumerOptions>>().Value;
        var security = host.Services.GetRequiredService<IOptions<KafkaSecurityOptions>>().Value;
        var elasticsearch = host.Services.GetRequiredService<IOptions<ElasticsearchOptions>>().Value;
        CheckKafka(report, kafka, security);
        await CheckElasticsearchAsync(report, elasticsearch, ct);
        await CheckKibanaAsync(report, kibana, elasticsearch, ct);
        report.Summary();
        return report.ExitCode;
    }

    private static void CheckKafka(CheckReport report, KafkaConsumerOptions kafka, KafkaSecurityOptions security)
    {
        var config = new AdminClientConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            ClientId = "logpipeline-ingest-check",
            SocketConnectionSetupTimeoutMs = (int)KafkaTimeout.TotalMilliseconds,
        };
        // A metadata request must not create the topic it is asking about.
        config.Set("allow.auto.create.topics", "false");
        security.ApplyTo(config);
        string? lastError = null;
        var allBrokersDown = false;
        using var admin = new AdminClientBuilder(config)
            .SetErrorHandler((_, e) =>
            {
                if (e.Code == ErrorCode.Local_AllBrokersDown)
                {
                    allBrokersDown = true;
                }
                else
                {
                    lastError = e.Reason;
                }
            })
            .SetLogHandler((_, _) => { }) // The ✓/✗ lines say what matters; librdkafka's lines would repeat it as noise.
            .Build();

        Metadata? metadata = null;
        var started = Environment.TickCount64;
        while (metadata is null)
        {
            try
            {
                metadata = admin.GetMetadata(kafka.Topic, TimeSpan.FromSeconds(1));
            }
            catch (KafkaException ex)
            {
                var elapsed = Environment.TickCount64 - started;
                if (elapsed >= KafkaTimeout.TotalMilliseconds || (Volatile.Read(ref allBrokersDown) && elapsed >= 2000))
                {
                    report.Fail(
                        "Kafka",
                        $"no broker of {kafka.BootstrapServers} answered: {Volatile.Read(ref lastError) ?? ex.Error.Reason}",
                        "check Kafka:BootstrapServers, that the brokers run and are reachable from here, and Kafka:SecurityProtocol / Kafka:Sasl*");
                    report.Skip($"topic {kafka.Topic}", "Kafka did not answer");
                    report.Skip($"dead-letter topic {kafka.EffectiveDeadLetterTopic}", "Kafka did not answer");
                    report.Skip($"consumer group {kafka.GroupId}", "Kafka did not answer");
                    return;
                }
            }
        }

        report.Pass("Kafka", $"{kafka.BootstrapServers}: {metadata.Brokers.Count} broker(s), answered by broker {metadata.OriginatingBrokerId}");
        var partitions = CheckTopic(report, $"topic {kafka.Topic}", metadata, kafka.Topic, "Describe and Read");
        var dlq = admin.GetMetadata(kafka.EffectiveDeadLetterTopic, KafkaTimeout);
        CheckTopic(report, $"dead-letter topic {kafka.EffectiveDeadLetterTopic}", dlq, kafka.EffectiveDeadLetterTopic, "Describe and Write");
        if (partitions is null)
        {
            report.Skip($"consumer group {kafka.GroupId}", "the topic is not usable");
            return;
        }

        CheckGroup(report, kafka, security, partitions);
    }

    /// <summary>One line for the topic; its partitions when it is usable, else null.</summary>
    private static List<TopicPartition>? CheckTopic(CheckReport report, string name, Metadata metadata, string topic, string acl)
    {
        var t = metadata.Topics.FirstOrDefault(x => x.Topic == topic);
        var error = t?.Error.Code ?? ErrorCode.UnknownTopicOrPart;
        switch (error)
        {
            case ErrorCode.NoError when t!.Partitions.Count > 0:
                var leaderless = t.Partitions.Count(p => p.Leader < 0);
                if (leaderless > 0)
                {
                    report.Fail(name, $"{leaderless} of {t.Partitions.Count} partition(s) have no leader", "check the brokers' health; records of those partitions wait for a leader");
                    return null;
                }

                report.Pass(name, $"{t.Partitions.Count} partition(s), each with a leader");
                return [.. t.Partitions.Select(p => new TopicPartition(topic, p.PartitionId))];
            case ErrorCode.UnknownTopicOrPart or ErrorCode.NoError:
                report.Fail(name, "does not exist", "create it (docs/deploy.md) or set the Kafka:* key; the worker does not create topics");
                return null;
            case ErrorCode.TopicAuthorizationFailed:
                report.Fail(name, "not authorised", $"grant the worker's principal {acl} on the topic");
                return null;
            default:
                report.Fail(name, t!.Error.Reason, "check the topic on the brokers");
                return null;
        }
    }

    /// <summary>
    /// Fetches the group's committed offsets: that needs the group coordinator (FindCoordinator) and the group's
    /// Describe/Read permission, without joining the group (no rebalance of running workers).
    /// </summary>
    private static void CheckGroup(CheckReport report, KafkaConsumerOptions kafka, KafkaSecurityOptions security, List<TopicPartition> partitions)
    {
        var name = $"consumer group {kafka.GroupId}";
        var config = KafkaClientConfigs.Consumer(kafka, security);
        config.ClientId = "logpipeline-ingest-check";
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).SetLogHandler((_, _) => { }).SetErrorHandler((_, _) => { }).Build();
        try
        {
            var committed = consumer.Committed(partitions, KafkaTimeout);
            var withOffsets = committed.Count(c => c.Offset.Value >= 0);
            report.Pass(name, $"coordinator found; committed offsets on {withOffsets} of {partitions.Count} partition(s)");
        }
        catch (KafkaException ex)
        {
            var hint = ex.Error.Code == ErrorCode.GroupAuthorizationFailed
                ? "grant the worker's principal Read on the group (Kafka:GroupId)"
                : "the group coordinator did not answer; check the brokers (__consumer_offsets must be available)";
            report.Fail(name, ex.Error.Reason, hint);
        }
    }

    internal static async Task CheckElasticsearchAsync(CheckReport report, ElasticsearchOptions options, CancellationToken ct)
    {
        var es = new ElasticsearchRawClient(options);
        var url = ElasticsearchOptions.Redact(options.Url!);
        var template = TemplateNames.For(options.DataStream).IndexTemplate;
        try
        {
            var version = await es.CheckClusterAsync(ct);
            report.Pass("Elasticsearch", $"{version} at {url}");
        }
        catch (SetupException ex)
        {
            report.Fail("Elasticsearch", ex.Message, string.Empty); // The message says what to check.
            report.Skip($"index template {template}", "Elasticsearch did not answer");
            report.Skip($"write permission on {options.DataStream}", "Elasticsearch did not answer");
            return;
        }

        try
        {
            var (status, body) = await es.TrySendAsync(EsMethod.GET, "/_index_template/" + Uri.EscapeDataString(template), null, ct);
            if (status == 200)
            {
                var patterns = JsonNode.Parse(body)?["index_templates"]?[0]?["index_template"]?["index_patterns"]?.ToJsonString() ?? "?";
                report.Pass($"index template {template}", $"present (patterns {patterns})");
            }
            else if (status == 404)
            {
                report.Fail($"index template {template}", "missing", "the worker installs it at start (its role needs manage_index_templates), or run `logpipeline-ingest setup` (docs/ingest.md)");
            }
            else
            {
                es.EnsureSuccess(EsMethod.GET, "/_index_template/" + template, status, body);
            }

            await CheckPrivilegesAsync(report, es, options, ct);
        }
        catch (SetupException ex)
        {
            report.Fail("Elasticsearch", ex.Message, string.Empty);
        }
    }

    private static async Task CheckPrivilegesAsync(CheckReport report, ElasticsearchRawClient es, ElasticsearchOptions options, CancellationToken ct)
    {
        var name = $"write permission on {options.DataStream}";
        if (string.IsNullOrEmpty(options.ApiKey) && string.IsNullOrEmpty(options.Username))
        {
            // GET / answered without credentials: security is off or anonymous access is on.
            report.Pass(name, "no credentials configured and the cluster answers without them (security off or anonymous access)");
            return;
        }

        string[] privileges = ["create_doc", "auto_configure"];
        var request = new JsonObject
        {
            ["index"] = new JsonArray(new JsonObject
            {
                ["names"] = new JsonArray(options.DataStream),
                ["privileges"] = new JsonArray([.. privileges.Select(p => (JsonNode)p)]),
            }),
        };
        var (status, body) = await es.TrySendAsync(EsMethod.POST, "/_security/user/_has_privileges", request, ct);
        if (status != 200)
        {
            // "Security must be explicitly enabled …" (security off), or no security API at all.
            if ((body.Contains("security", StringComparison.OrdinalIgnoreCase) && body.Contains("enabled", StringComparison.OrdinalIgnoreCase))
                || (status == 400 && body.Contains("no handler found", StringComparison.OrdinalIgnoreCase)))
            {
                report.Pass(name, "security is disabled on the cluster: nothing to check");
            }
            else
            {
                report.Fail(name, $"_has_privileges answered {status}", "the user needs the cluster privilege to check its own privileges (every user has it); see the body: " + body[..Math.Min(200, body.Length)]);
            }

            return;
        }

        var answer = JsonNode.Parse(body);
        if (answer?["has_all_requested"]?.GetValue<bool>() == true)
        {
            report.Pass(name, $"{string.Join(", ", privileges)} granted");
            return;
        }

        var granted = answer?["index"]?[options.DataStream] as JsonObject;
        var missing = privileges.Where(p => granted?[p]?.GetValue<bool>() != true).ToList();
        report.Fail(name, $"missing {string.Join(", ", missing)}", $"grant the worker's user {string.Join(", ", privileges)} on {options.DataStream} (docs/security.md)");
    }

    private static async Task CheckKibanaAsync(CheckReport report, KibanaOptions kibana, ElasticsearchOptions elasticsearch, CancellationToken ct)
    {
        if (kibana.Url is null)
        {
            report.Pass("Kibana", "Kibana:Url not set: setup does not import dashboards (optional)");
            return;
        }

        try
        {
            using var client = new KibanaClient(kibana, elasticsearch, TimeProvider.System);
            var version = await client.WaitUntilReadyAsync(TimeSpan.FromSeconds(5), ct);
            report.Pass("Kibana", $"{version} at {ElasticsearchOptions.Redact(kibana.Url)}");
        }
        catch (SetupException ex)
        {
            report.Fail("Kibana", ex.Message, string.Empty);
        }
    }
}
