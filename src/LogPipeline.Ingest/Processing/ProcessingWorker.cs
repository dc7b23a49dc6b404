using System.Threading.Channels;
using LogPipeline.Contracts;
using LogPipeline.Ingest.Consuming;
using LogPipeline.Ingest.Enrichment;
using LogPipeline.Ingest.Indexing;

namespace LogPipeline.Ingest.Processing;

/// <summary>
/// Parse/enrich stage: turns consumed messages into <c>_bulk</c> lines (action + the factory's document, no
/// re-serialization) and cuts batches by count, bytes or age. Each worker owns a disjoint set of partitions
/// (chosen by the consume loop), so one partition's messages keep their order; it runs on its own task and
/// owns its current batch.
/// </summary>
internal sealed class ProcessingWorker(
    ChannelReader<List<IngestRecord>> input,
    ChannelWriter<Batch> output,
    IDocumentFactory factory,
    IndexingOptions options,
    TimeProvider time)
{
    private static ReadOnlySpan<byte> ActionPrefix => "{\"create\":{\"_id\":\""u8;

    private static ReadOnlySpan<byte> ActionSuffix => "\"}}\n"u8;

    private Batch? _batch;

    // Body bytes of the last batch sent: the next body starts that large, so a full batch is written without the
    // buffer growing (each growth copies the whole body) and a trickle's small batches stay small.
    private int _lastBodyBytes;

    public async Task RunAsync(CancellationToken abort)
    {
        try
        {
            while (true)
            {
                if (input.TryRead(out var chunk))
                {
                    // event.ingested: once per chunk (they arrive within milliseconds), not a clock read per line.
                    var receivedAt = time.GetUtcNow();
                    foreach (var record in chunk)
                    {
                        Add(record, receivedAt);
                        if (_batch!.Items.Count >= options.BatchSize || _batch.Body.Length >= options.BatchBytes)
                        {
                            await EmitAsync(abort);
                        }
                    }

                    continue;
                }

                if (_batch is null)
                {
                    if (!await input.WaitToReadAsync(abort))
                    {
                        break;
                    }

                    continue;
                }

                var remaining = options.FlushInterval - time.GetElapsedTime(_batch.StartedAt);
                if (remaining <= TimeSpan.Zero || !await WaitForInputAsync(remaining, abort))
                {
                    await EmitAsync(abort);
                }
            }

            // Input completed: the consume loop is draining; the last partial batch goes out too.
            if (_batch is not null)
            {
                await EmitAsync(abort);
            }
        }
        finally
        {
            _batch?.Dispose();
            _batch = null;
        }
    }

    /// <summary>True when input arrived before the timeout; false on timeout or when the input completed.</summary>
    private async Task<bool> WaitForInputAsync(TimeSpan timeout, CancellationToken abort)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(abort);
        timer.CancelAfter(timeout);
        try
        {
            return await input.WaitToReadAsync(timer.Token);
        }
        catch (OperationCanceledException) when (!abort.IsCancellationRequested)
        {
            return false;
        }
    }

    private void Add(IngestRecord record, DateTimeOffset receivedAt)
    {
        _batch ??= new Batch(options.BatchSize, InitialBodyBytes(), time.GetTimestamp());
        var body = _batch.Body;
        var start = body.Length;
        Span<byte> id = stackalloc byte[DocumentId.Length];
        record.WriteDocumentId(id);
        var headers = record.Source;

        var source = new SourceInfo(headers.Source, headers.File, headers.FileOffset, headers.Truncated, receivedAt) { Kubernetes = headers.Kubernetes };

        body.Write(ActionPrefix);
        body.Write(id);
        body.Write(ActionSuffix);
        var documentStart = body.Length;
        DocumentResult result;
        try
        {
            result = factory.TryCreate(record.Value, source, body);
        }
#pragma warning disable CA1031 // A factory bug on one line must dead-letter that line, not stop the worker.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            result = DocumentResult.Fail($"document factory threw {ex.GetType().Name}: {ex.Message}");
        }

        if (result.Success && body.Length > documentStart)
        {
            body.WriteByte((byte)'\n');
            _batch.Items.Add(new BatchItem(record, start, body.Length - start, null));
            _batch.DocumentCount++;
        }
        else
        {
            body.Truncate(start);
            _batch.Items.Add(new BatchItem(record, start, 0, result.Error ?? "document factory wrote no document"));
        }
    }

    /// <summary>The last body's size and an eighth more (a batch is cut on count or bytes, so sizes repeat), 64 KiB at least.</summary>
    private int InitialBodyBytes()
    {
        const long Smallest = 64 * 1024;
        var largest = Math.Max(Smallest, options.BatchBytes + ((long)options.BatchBytes / 8));
        return (int)Math.Clamp(_lastBodyBytes + ((long)_lastBodyBytes / 8), Smallest, largest);
    }

    private async Task EmitAsync(CancellationToken abort)
    {
        var batch = _batch!;
        _batch = null;
        _lastBodyBytes = batch.Body.Length;
        try
        {
            await output.WriteAsync(batch, abort);
        }
        catch
        {
            batch.Dispose();
            throw;
        }
    }
}
