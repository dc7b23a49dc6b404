using System.Threading.Channels;
using Elastic.Clients.Elasticsearch;
using Elastic.Transport;
using LogPipeline.Ingest.Consuming;
using LogPipeline.Ingest.DeadLetters;
using LogPipeline.Ingest.Diagnostics;
using LogPipeline.Ingest.Elasticsearch;
using Microsoft.Extensions.Logging;
using HttpMethod = Elastic.Transport.HttpMethod;

namespace LogPipeline.Ingest.Indexing;

/// <summary>
/// Indexing stage: sends each batch's NDJSON body as one <c>_bulk</c> request through the client's transport
/// (the factory's bytes go out as they are) and sorts the answer per item: created → indexed, 409 → already
/// indexed, 429/5xx → retried, other 4xx (a mapping or parse rejection of that document) → dead-letter topic.
/// A failure of the request as a whole says nothing about its documents, so nothing is dead-lettered for it:
/// any non-2xx answer (400/401/403/404 included), no answer, or a 2xx without one result per document is
/// retried with backoff, counted by cause and logged, and the batch's offsets stay uncommitted until it
/// succeeds or the pipeline abandons it at shutdown. 413 splits the batch in halves (down to one document:
/// a single document that is still too large is a rejection of that document).
/// Several <see cref="RunAsync"/> loops share one input channel (Indexing:MaxConcurrentBulks); each owns the
/// batch it took.
/// </summary>
internal sealed class BulkIndexer
{
    /// <summary>One log line per interval for whole-request refusals, however many loops and retries hit them.</summary>
    private static readonly TimeSpan RefusalLogInterval = TimeSpan.FromSeconds(10);

    private readonly ElasticsearchClient _client;
    private readonly string _path;
    private readonly RequestConfiguration _request;
    private readonly DeadLetterPublisher _deadLetters;
    private readonly IngestMetrics _metrics;
    private readonly ElasticsearchHealth _health;
    private readonly Backoff _backoff;
    private readonly TimeProvider _time;
    private readonly LogThrottle _refusalLog;
    private readonly LogThrottle _splitLog;
    private readonly ILogger _logger;

    /// <param name="major">The server's major version: the compatibility media types sent (see ElasticsearchCompatibility).</param>
    public BulkIndexer(
        ElasticsearchClient client,
        string dataStream,
        int major,
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
        // require_data_stream: a missing template must fail the write instead of creating a plain index.
        _path = "/" + Uri.EscapeDataString(dataStream)
                + "/_bulk?require_data_stream=true&filter_path=errors,items.*.status,items.*.error.type,items.*.error.reason,error.type,error.reason,error.caused_by.reason";
        _request = new RequestConfiguration
        {
            ContentType = ElasticsearchCompatibility.Ndjson(major),
            Accept = ElasticsearchCompatibility.Json(major),
            RequestTimeout = options.RequestTimeout,
            MaxRetries = 0,
        };
        _deadLetters = deadLetters;
        _metrics = metrics;
        _health = health;
        _backoff = backoff;
        _time = time;
        _refusalLog = new LogThrottle(time, RefusalLogInterval);
        _splitLog = new LogThrottle(time, RefusalLogInterval);
        _logger = logger;
    }

    /// <summary>Indexes batches until the input completes; <paramref name="abandon"/> gives up the current batch (not committed).</summary>
    public async Task RunAsync(ChannelReader<Batch> input, CompletionQueue completions, CancellationToken abandon)
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
                        positions[i] = batch.Items[i].Record.Position;
                    }

                    batch.Dispose();
                    completions.Post(new Completion(positions, !done));
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

        await SendDocumentsAsync(batch, pending, whole: true, deadLetters, abandon);
    }

    /// <summary>
    /// Sends the documents <paramref name="pending"/> (indices into the batch; <paramref name="whole"/> when they
    /// are all of the batch's documents, whose body is sent as it is) until each is indexed, a duplicate or
    /// dead-lettered for its own rejection.
    /// </summary>
    private async Task SendDocumentsAsync(Batch batch, List<int> pending, bool whole, List<Task> deadLetters, CancellationToken abandon)
    {
        BulkBuffer? subset = null;
        var statuses = new List<BulkItemStatus>();
        try
        {
            var body = whole ? batch.Body.Memory : Build(batch, pending, ref subset);
            for (var attempt = 0; ; attempt++)
            {
                var (status, answer, failure) = await SendAsync(body, pending.Count, abandon);
                if (failure is null && status == 413)
                {
                    await SplitAsync(batch, pending, answer, deadLetters, abandon);
                    return;
                }

                var count = 0;
                if (failure is null && status is >= 200 and < 300 && BulkResponseParser.TryParse(answer, statuses, out var allSucceeded, out count)
                    && count == pending.Count)
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
                    body = Build(batch, pending, ref subset);
                    await _backoff.DelayAsync(attempt, abandon);
                    continue;
                }

                var cause = Cause(status, failure);
                failure ??= status is >= 200 and < 300
                    ? $"HTTP {status} without one result per document ({count} results for {pending.Count} documents): {Truncate(answer)}"
                    : $"HTTP {status} {ErrorOf(answer)}";
                _metrics.BulkFailures(cause).Increment();
                _metrics.BulkRetries.Increment();
                _health.Failed($"_bulk failing: {failure}");
                var delay = _backoff.Delay(attempt);
                if (cause is "connection" or "http_429" or "http_5xx")
                {
                    IngestLog.BulkRetry(_logger, failure, attempt + 1, (long)delay.TotalMilliseconds);
                }
                else if (_refusalLog.TryEnter(out var suppressed))
                {
                    IngestLog.BulkRefused(_logger, cause, failure, suppressed);
                }

                await Task.Delay(delay, _time, abandon);
            }
        }
        finally
        {
            subset?.Dispose();
        }
    }

    /// <summary>413: each half goes on its own; one document that is still too large is rejected on its own.</summary>
    private async Task SplitAsync(Batch batch, List<int> pending, byte[] answer, List<Task> deadLetters, CancellationToken abandon)
    {
        _metrics.BulkFailures("http_413").Increment();
        if (pending.Count == 1)
        {
            var item = batch.Items[pending[0]];
            var reason = $"413 request_entity_too_large: the document alone ({item.Length} bytes with its action line) is larger than Elasticsearch accepts (http.max_content_length) {ErrorOf(answer)}".TrimEnd();
            IngestLog.DocumentRejected(_logger, 413, reason, _deadLetters.Topic);
            deadLetters.Add(_deadLetters.PublishAsync(item.Record, DeadLetterPublisher.IndexStage, reason, abandon));
            return;
        }

        if (_splitLog.TryEnter(out var suppressed))
        {
            IngestLog.BulkSplit(_logger, pending.Count, suppressed);
        }

        var half = pending.Count / 2;
        await SendDocumentsAsync(batch, pending[..half], whole: false, deadLetters, abandon);
        await SendDocumentsAsync(batch, pending[half..], whole: false, deadLetters, abandon);
    }

    /// <summary>The body of just <paramref name="pending"/>, in <paramref name="buffer"/> (rented on first use).</summary>
    private static ReadOnlyMemory<byte> Build(Batch batch, List<int> pending, ref BulkBuffer? buffer)
    {
        buffer ??= new BulkBuffer(batch.Body.Length);
        buffer.Reset();
        foreach (var index in pending)
        {
            buffer.Write(batch.Body.Span.Slice(batch.Items[index].Start, batch.Items[index].Length));
        }

        return buffer.Memory;
    }

    /// <summary>The <c>cause</c> label of a whole-request failure (one of IngestMetrics.BulkFailureCauses).</summary>
    private static string Cause(int status, string? failure) => status switch
    {
        _ when failure is not null => "connection",
        >= 200 and < 300 => "no_items",
        400 or 401 or 403 or 404 or 429 => "http_" + status.ToString(System.Globalization.CultureInfo.InvariantCulture),
        >= 500 => "http_5xx",
        _ => "http_other",
    };

    /// <summary>Elasticsearch's error type and reason (and the reason it was caused by) from an error body, else its start.</summary>
    private static string ErrorOf(byte[] answer)
    {
        try
        {
            if (System.Text.Json.Nodes.JsonNode.Parse(answer)?["error"] is System.Text.Json.Nodes.JsonObject error)
            {
                var caused = error["caused_by"]?["reason"]?.GetValue<string>();
                return $"{error["type"]}: {error["reason"]}" + (caused is null ? string.Empty : $" ({caused})");
            }
        }
        catch (System.Text.Json.JsonException)
        {
        }

        return Truncate(answer);
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
            var response = await _client.Transport.RequestAsync<BytesResponse>(HttpMethod.POST, _path, Body(body), _request, abandon);
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

    /// <summary>
    /// The body written to the request stream as it is. PostData.ReadOnlyMemory writes it with the stream's span
    /// overload, which the request stream does not override: Stream's default copied the whole body into a rented
    /// array first. The memory overload reaches the connection with the array itself.
    /// </summary>
    private static PostData Body(ReadOnlyMemory<byte> body) => PostData.StreamHandler(
        body,
        static (bytes, stream) => stream.Write(bytes.Span),
        static (bytes, stream, cancel) => stream.WriteAsync(bytes, cancel).AsTask());

    private static string Truncate(byte[] answer) =>
        System.Text.Encoding.UTF8.GetString(answer, 0, Math.Min(answer.Length, 512));
}
