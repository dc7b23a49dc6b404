using System.Text;
using Confluent.Kafka;
using LogPipeline.Contracts;
using LogPipeline.Ingest.Diagnostics;
using LogPipeline.Ingest.Consuming;
using Microsoft.Extensions.Logging;

namespace LogPipeline.Ingest.DeadLetters;

/// <summary>
/// Sends refused messages to the dead-letter topic: the original key and bytes, the original headers plus
/// <c>lp.error</c> and <c>lp.stage</c>. A publish completes only when the broker acknowledged it (the offset of
/// the original may be committed only then) and is retried until it is, or until the pipeline gives up at
/// shutdown. Thread-safe (the Confluent producer is). <c>retryDelayAsync(attempt, token)</c> is the indexer's backoff
/// (Indexing:InitialRetryBackoff/MaxRetryBackoff), passed as a delegate so this stage needs nothing of Indexing.
/// </summary>
internal sealed class DeadLetterPublisher(
    IProducer<byte[], byte[]> producer,
    string topic,
    IngestMetrics metrics,
    Func<int, CancellationToken, Task> retryDelayAsync,
    ILogger logger)
{
    public const string ErrorHeader = HeaderNames.Error;
    public const string StageHeader = HeaderNames.Stage;
    public const string ParseStage = "parse";
    public const string IndexStage = "index";

    private const int MaxReasonBytes = 4096;

    public string Topic => topic;

    public async Task PublishAsync(IngestRecord record, string stage, string reason, CancellationToken abandon)
    {
        var headers = new Headers();
        foreach (var header in record.Headers)
        {
            headers.Add(header.Key, header.Value);
        }

        var reasonBytes = Encoding.UTF8.GetBytes(reason);
        headers.Add(ErrorHeader, reasonBytes.Length <= MaxReasonBytes ? reasonBytes : reasonBytes[..MaxReasonBytes]);
        headers.Add(StageHeader, Encoding.UTF8.GetBytes(stage));
        // A null key (a producer that sent none) goes out as none, as it came.
        var message = new Message<byte[], byte[]> { Key = record.Key!, Value = record.Value, Headers = headers };

        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await producer.ProduceAsync(topic, message, abandon);
                metrics.KafkaConnection.OnSuccess();
                (stage == ParseStage ? metrics.DeadLetteredParse : metrics.DeadLetteredIndex).Increment();
                return;
            }
            catch (ProduceException<byte[], byte[]> ex) when (!abandon.IsCancellationRequested)
            {
                // The idempotent producer already retried within message.timeout.ms; keep trying: never drop.
                metrics.DeadLetterRetries.Increment();
                IngestLog.DeadLetterRetry(logger, ex.Error.Reason);
                await retryDelayAsync(attempt, abandon);
            }
        }
    }
}
