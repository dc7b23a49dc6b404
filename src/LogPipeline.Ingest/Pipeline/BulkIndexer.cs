using System.Threading.Channels;
using Elastic.Clients.Elasticsearch;
using Elastic.Transport;
using LogPipeline.Ingest.Diagnostics;
using LogPipeline.Ingest.Indexing;
using Microsoft.Extensions.Logging;
using HttpMethod = Elastic.Transport.HttpMethod;

namespace LogPipeline.Ingest.Pipeline;

/// <summary>
/// Indexing stage: sends each batch's NDJSON body as one <c>_bulk</c> request through the client's transport
/// (the factory's bytes go out as they are) and sorts the answer per item: created → indexed, 409 → already
/// indexed, 429/5xx → retried, other 4xx → dead-letter topic. Whole-request failures (429, 5xx, connection,
/// timeout) are retried with backoff until they succeed or the pipeline abandons the batch at shutdown.
/// Several <see cref="RunAsync"/> loops share one input channel (Indexing:MaxConcurrentBulks); each owns the
/// batch it took.
/// </summary>
internal sealed class BulkIndexer
{
    private readonly ElasticsearchClient _client;
    private readonly string _path;
    private readonly RequestConfiguration _request;
    private readonly DeadLetterPublisher _deadLetters;
    private readonly IngestMetrics _metrics;
    private readonly ElasticsearchHealth _health;
    private readonly Backoff _backoff;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public BulkIndexer(
        ElasticsearchClient client,
        string dataStream,
        IndexingOptions options,
        DeadLetterPublisher deadLetters,
        IngestMetrics metrics,
        ElasticsearchHealth health,
        Backoff backoff,
        TimeProvider time,
        ILogger logger)
    {
        _client = client;
        // filter_path keeps the answer to what is read: a 2000-item answer shrinks from ~400 KB to ~40 KB.
        _path = "/" + Uri.EscapeDataString(dataStream) + "/_bulk?filter_path=errors,items.*.status,items.*.error.type,items.*.error.reason";
        _request = new RequestConfiguration
        {
            ContentType = "application/vnd.elasticsearch+x-ndjson;compatible-with=9",
            RequestTimeout = options.RequestTimeout,
            MaxRetries = 0,
        };
        _deadLetters = deadLetters;
        _metrics = metrics;
        _health = health;
        _backoff = backoff;
        _time = time;
        _logger = logger;
    }

    /// <summary>Indexes batches until the input completes; <paramref name="abandon"/> gives up the current batch (not committed).</summary>
    public async Task RunAsync(ChannelReader<Batch> input, ChannelWriter<Completion> completions, CancellationToken abandon)
    {
        while (await input.WaitToReadAsync(abandon))
        {
            while (input.TryRead(out var batch))
            {
                var done = false;
                try
                {
                    await IndexAsync(batch, abandon);
                    done = true;
                }
                catch (OperationCanceledException) when (abandon.IsCancellationRequested)
                {
                    IngestLog.BatchAbandoned(_logger, batch.Items.Count);
                }
                finally
                {
                    var positions = new Position[batch.Items.Count];
                    for (var i = 0; i < positions.Length; i++)
                    {
                        var record = batch.Items[i].Record;
                        positions[i] = new Position(record.Partition.Value, record.Offset.Value);
                    }

                    batch.Dispose();
                    completions.TryWrite(new Completion(positions, !done));
                }

                abandon.ThrowIfCancellationRequested();
            }
        }
    }

    internal async Task IndexAsync(Batch batch, CancellationToken abandon)
    {
        List<Task>? deadLetters = null;
        foreach (var item in batch.Items)
        {
            if (item.ParseError is not null)
            {
                (deadLetters ??= []).Add(_deadLetters.PublishAsync(item.Record, DeadLetterPublisher.ParseStage, item.ParseError, abandon));
            }
        }

        if (batch.DocumentCount > 0)
        {
            await SendDocumentsAsync(batch, deadLetters ??= [], abandon);
        }

        if (deadLetters is not null)
        {
            await Task.WhenAll(deadLetters);
        }
    }

    private async Task SendDocumentsAsync(Batch batch, List<Task> deadLetters, CancellationToken abandon)
    {
        var pending = new List<int>(batch.DocumentCount);
        for (var i = 0; i < batch.Items.Count; i++)
        {
            if (batch.Items[i].Length > 0)
            {
                pending.Add(i);
            }
        }

        var body = batch.Body.Memory;
        BulkBuffer? retryBody = null;
        var statuses = new List<BulkItemStatus>();
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                var (status, answer, failure) = await SendAsync(body, pending.Count, abandon);
                if (failure is null && status is 400 or 413)
                {
                    // The request itself is refused and would be refused again: each document goes to the DLQ.
                    var reason = $"bulk request rejected with {status}: {Truncate(answer)}";
                    foreach (var index in pending)
                    {
                        deadLetters.Add(_deadLetters.PublishAsync(batch.Items[index].Record, DeadLetterPublisher.IndexStage, reason, abandon));
                    }

                    return;
                }

                if (failure is null && status == 200 && BulkResponseParser.TryParse(answer, statuses, out var allSucceeded)
                    && (allSucceeded || statuses.Count == pending.Count))
                {
                    if (attempt > 0 && _health.Failure is not null)
                    {
                        IngestLog.BulkRecovered(_logger, attempt + 1);
                    }

                    _health.Succeeded();
                    if (allSucceeded)
                    {
                        _metrics.Indexed.Increment(pending.Count);
                        return;
                    }

                    var retry = Sort(batch, pending, statuses, deadLetters, abandon);
                    if (retry.Count == 0)
                    {
                        return;
                    }

                    _metrics.ItemRetries.Increment(retry.Count);
                    pending = retry;
                    retryBody ??= new BulkBuffer(body.Length);
                    retryBody.Reset();
                    foreach (var index in pending)
                    {
                        retryBody.Write(batch.Body.Span.Slice(batch.Items[index].Start, batch.Items[index].Length));
                    }

                    body = retryBody.Memory;
                    await _backoff.DelayAsync(attempt, abandon);
                    continue;
                }

                failure ??= status == 200 ? "unreadable _bulk answer" : $"HTTP {status}: {Truncate(answer)}";
                _health.Failed(failure);
                _metrics.BulkRetries.Increment();
                var delay = _backoff.Delay(attempt);
                IngestLog.BulkRetry(_logger, failure, attempt + 1, (long)delay.TotalMilliseconds);
                await Task.Delay(delay, _time, abandon);
            }
        }
        finally
        {
            retryBody?.Dispose();
        }
    }

    /// <summary>Counts successes and duplicates, dead-letters rejections, returns the items to retry.</summary>
    private List<int> Sort(Batch batch, List<int> pending, List<BulkItemStatus> statuses, List<Task> deadLetters, CancellationToken abandon)
    {
        var retry = new List<int>();
        long indexed = 0, duplicates = 0;
        for (var i = 0; i < pending.Count; i++)
        {
            var item = statuses[i];
            switch (item.Status)
            {
                case >= 200 and < 300:
                    indexed++;
                    break;
                case 409:
                    duplicates++;
                    break;
                case 429 or >= 500:
                    retry.Add(pending[i]);
                    break;
                default:
                    var reason = item.Describe();
                    IngestLog.DocumentRejected(_logger, item.Status, reason, _deadLetters.Topic);
                    deadLetters.Add(_deadLetters.PublishAsync(batch.Items[pending[i]].Record, DeadLetterPublisher.IndexStage, reason, abandon));
                    break;
            }
        }

        _metrics.Indexed.Increment(indexed);
        _metrics.Duplicates.Increment(duplicates);
        return retry;
    }

    private async Task<(int Status, byte[] Answer, string? Failure)> SendAsync(ReadOnlyMemory<byte> body, int documents, CancellationToken abandon)
    {
        var started = _time.GetTimestamp();
        _metrics.BulkRequests.Increment();
        _metrics.BulkSize.Observe(documents);
        try
        {
            var response = await _client.Transport.RequestAsync<BytesResponse>(HttpMethod.POST, _path, PostData.ReadOnlyMemory(body), _request, abandon);
            var details = response.ApiCallDetails;
            if (details.HttpStatusCode is not { } status)
            {
                return (0, [], details.OriginalException?.Message ?? "no answer from Elasticsearch");
            }

            return (status, response.Body ?? [], null);
        }
        catch (OperationCanceledException) when (abandon.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // Any transport failure (connection refused/reset, timeout, TLS) is retried the same way.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return (0, [], $"{ex.GetType().Name}: {ex.Message}");
        }
        finally
        {
            _metrics.BulkLatency.Observe(_time.GetElapsedTime(started).TotalSeconds);
        }
    }

    private static string Truncate(byte[] answer) =>
        System.Text.Encoding.UTF8.GetString(answer, 0, Math.Min(answer.Length, 512));
}
