using Microsoft.Extensions.Logging;

namespace LogPipeline.Ingest.Diagnostics;

/// <summary>The worker's log events (source-generated: no allocation when the level is off).</summary>
internal static partial class IngestLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Consuming {Topic} as group {GroupId} from {BootstrapServers}; dead letters to {DeadLetterTopic}")]
    public static partial void Starting(ILogger logger, string topic, string groupId, string bootstrapServers, string deadLetterTopic);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Partitions assigned: {Partitions}")]
    public static partial void Assigned(ILogger logger, string partitions);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Partitions revoked: {Partitions}; committed {Committed}, abandoned {Abandoned} in-flight messages")]
    public static partial void Revoked(ILogger logger, string partitions, string committed, int abandoned);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Partitions lost (no commit possible): {Partitions}")]
    public static partial void Lost(ILogger logger, string partitions);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "Kafka error: {Reason} (fatal: {Fatal})")]
    public static partial void KafkaError(ILogger logger, string reason, bool fatal);

    [LoggerMessage(EventId = 105, Level = LogLevel.Warning, Message = "Offset store/commit failed: {Reason}")]
    public static partial void CommitFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 106, Level = LogLevel.Information, Message = "Draining: {InFlight} messages in flight")]
    public static partial void Draining(ILogger logger, long inFlight);

    [LoggerMessage(EventId = 107, Level = LogLevel.Warning, Message = "Drain timed out with {InFlight} messages in flight; they are not committed and will be consumed again")]
    public static partial void DrainTimedOut(ILogger logger, long inFlight);

    [LoggerMessage(EventId = 108, Level = LogLevel.Information, Message = "Stopped: consumer closed, group left")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = 109, Level = LogLevel.Information, Message = "Backpressure: {InFlight} messages in flight, partitions paused")]
    public static partial void Paused(ILogger logger, long inFlight);

    [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "Backpressure released: partitions resumed")]
    public static partial void Resumed(ILogger logger);

    // Debug: every retry of an outage; the Elasticsearch connection monitor logs the outage itself (on change,
    // then a reminder a minute) and counts it in logpipeline_ingest_elasticsearch_up.
    [LoggerMessage(EventId = 200, Level = LogLevel.Debug, Message = "_bulk failed ({Reason}); retry {Attempt} in {DelayMs} ms")]
    public static partial void BulkRetry(ILogger logger, string reason, int attempt, long delayMs);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "Elasticsearch accepts bulks again after {Attempts} attempts")]
    public static partial void BulkRecovered(ILogger logger, int attempts);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "Abandoning a batch of {Count} messages at shutdown (not committed; consumed again after restart)")]
    public static partial void BatchAbandoned(ILogger logger, int count);

    [LoggerMessage(EventId = 203, Level = LogLevel.Warning, Message = "Document rejected by Elasticsearch ({Status} {Reason}); sent to {Topic}")]
    public static partial void DocumentRejected(ILogger logger, int status, string reason, string topic);

    [LoggerMessage(EventId = 204, Level = LogLevel.Warning, Message = "Dead-letter produce failed ({Reason}); retrying")]
    public static partial void DeadLetterRetry(ILogger logger, string reason);

    [LoggerMessage(EventId = 206, Level = LogLevel.Error, Message = "_bulk refused as a whole ({Cause}: {Reason}); the batch is kept and retried, nothing is dead-lettered or committed until it succeeds ({Suppressed} more such failures since the last message)")]
    public static partial void BulkRefused(ILogger logger, string cause, string reason, long suppressed);

    [LoggerMessage(EventId = 207, Level = LogLevel.Warning, Message = "_bulk of {Count} documents too large (413); sending it in two halves ({Suppressed} more splits since the last message)")]
    public static partial void BulkSplit(ILogger logger, int count, long suppressed);

    [LoggerMessage(EventId = 208, Level = LogLevel.Information, Message = "Elasticsearch {Version} at {Url}: speaking compatible-with={Major}; index template {Template} {TemplateState}")]
    public static partial void ElasticsearchReady(ILogger logger, Version version, string url, int major, string template, string templateState);

    /// <summary>Debug: the outage itself is reported once (and as a reminder) by the Elasticsearch connection monitor.</summary>
    [LoggerMessage(EventId = 209, Level = LogLevel.Debug, Message = "Elasticsearch not usable yet at start ({Reason}); retry {Attempt} in {DelayMs} ms")]
    public static partial void ElasticsearchStartRetry(ILogger logger, string reason, int attempt, long delayMs);

    [LoggerMessage(EventId = 210, Level = LogLevel.Critical, Message = "Elasticsearch refused the worker at start: {Reason}")]
    public static partial void ElasticsearchRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 112, Level = LogLevel.Debug, Message = "Consumer polls its librdkafka handle directly ({Library})")]
    public static partial void NativePoll(ILogger logger, string library);

    [LoggerMessage(EventId = 113, Level = LogLevel.Information, Message = "Consumer uses Confluent's Consume: {Why}")]
    public static partial void ConfluentPoll(ILogger logger, string why);

    [LoggerMessage(EventId = 111, Level = LogLevel.Critical, Message = "Fatal Kafka consumer error: {Reason} ({Code}); stopping without committing anything not indexed")]
    public static partial void KafkaFatal(ILogger logger, string reason, Confluent.Kafka.ErrorCode code);

    [LoggerMessage(EventId = 205, Level = LogLevel.Critical, Message = "Pipeline stage {Stage} failed")]
    public static partial void StageFailed(ILogger logger, string stage, Exception exception);

    [LoggerMessage(EventId = 120, Level = LogLevel.Information, Message = "User-agent rules: all {Rules} precompiled ({Source})")]
    public static partial void UserAgentRulesPrecompiled(ILogger logger, int rules, string source);

    [LoggerMessage(EventId = 121, Level = LogLevel.Warning, Message = "User-agent rules: {Interpreted} of {Rules} start interpreted and are compiled as the traffic uses them: {Reason}")]
    public static partial void UserAgentRulesInterpreted(ILogger logger, int interpreted, int rules, string reason);
}
