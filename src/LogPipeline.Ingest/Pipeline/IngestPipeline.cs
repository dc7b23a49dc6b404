using System.Threading.Channels;
using Confluent.Kafka;
using LogPipeline.Ingest.Consuming;
using LogPipeline.Ingest.DeadLetters;
using LogPipeline.Ingest.Diagnostics;
using LogPipeline.Ingest.Elasticsearch;
using LogPipeline.Ingest.Enrichment;
using LogPipeline.Ingest.Indexing;
using LogPipeline.Ingest.Processing;
using LogPipeline.Ingest.Setup;
using LogPipeline.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LogPipeline.Ingest.Pipeline;

/// <summary>
/// Wires the stages with bounded channels and runs them:
/// consume thread → (per-partition) processing workers → batches → indexers → completions → consume thread.
/// The in-flight limit (pause) bounds everything between the consumer and the completions.
/// Before any of it starts, Elasticsearch is checked: its version decides the compatibility headers, and the
/// index template is installed when missing (the same code as <c>setup</c>), so the first write cannot create the
/// data stream from another template. The consumer joins the group only after that.
/// </summary>
internal sealed class IngestPipeline(
    IOptions<KafkaConsumerOptions> kafka,
    IOptions<KafkaSecurityOptions> security,
    IOptions<IndexingOptions> indexing,
    IOptions<ElasticsearchOptions> elasticsearch,
    IOptions<LifecycleOptions> lifecycle,
    IDocumentFactory factory,
    IngestMetrics metrics,
    ElasticsearchHealth health,
    TimeProvider time,
    ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger("LogPipeline.Ingest.Pipeline");
    private volatile ConsumeLoop? _loop;

    /// <summary>Time since the consume thread last polled, or null before it started (liveness).</summary>
    public TimeSpan? SinceLastPoll => _loop?.SinceLastPoll;

    /// <summary>
    /// Runs until <paramref name="stop"/> (graceful: drain, commit, leave the group) or <paramref name="abort"/>
    /// (immediate: nothing in flight is committed, as after a crash). A failing stage fails the whole run;
    /// a refusal by Elasticsearch at start throws <see cref="ElasticsearchRefusedException"/>, a fatal consumer
    /// error <see cref="KafkaFatalException"/>.
    /// </summary>
    public async Task RunAsync(CancellationToken stop, CancellationToken abort)
    {
        await Task.Yield();
        var options = indexing.Value;
        var kafkaOptions = kafka.Value;
        var backoff = new Backoff(options, time);
        int major;
        using (var starting = CancellationTokenSource.CreateLinkedTokenSource(stop, abort))
        {
            try
            {
                major = await PrepareElasticsearchAsync(backoff, starting.Token);
            }
            catch (OperationCanceledException) when (starting.IsCancellationRequested)
            {
                // Stopped before anything was consumed: nothing to drain or commit.
                return;
            }
        }

        using var consumeAbort = CancellationTokenSource.CreateLinkedTokenSource(abort);
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(abort);
        // No gzip on _bulk bodies: compressing ~1 KB per document costs more CPU than parsing and enriching
        // it, and the worker is CPU-bound long before a cluster link is bandwidth-bound.
        // Chunked: without it the transport copies every body into a fresh MemoryStream to learn its length
        // (~1.4 MB, grown by doubling, on the large-object heap, per 2000-document bulk); that churn was the
        // worker's main source of gen2 collections. With it the pooled buffer is written to the socket as is.
        var client = ElasticsearchClientFactory.Create(
            elasticsearch.Value, settings => settings.EnableHttpCompression(false).TransferEncodingChunked(true));
        using var producer = new ProducerBuilder<byte[], byte[]>(KafkaClientConfigs.DeadLetterProducer(kafkaOptions, security.Value))
            .SetErrorHandler((_, error) =>
            {
                if (!metrics.KafkaConnection.OnError(error.Code, error.Reason, error.IsFatal))
                {
                    IngestLog.KafkaError(_logger, error.Reason, error.IsFatal);
                }
            })
            .SetLogHandler((_, line) => KafkaConnectivity.OnLog(_logger, (int)line.Level, "dead-letter producer", line.Facility, line.Message))
            .Build();
        var deadLetters = new DeadLetterPublisher(producer, kafkaOptions.EffectiveDeadLetterTopic, metrics, backoff.DelayAsync, _logger);
        var indexer = new BulkIndexer(client, elasticsearch.Value.DataStream, major, options, deadLetters, metrics, health, backoff, time, _logger);
        IngestLog.Starting(_logger, kafkaOptions.Topic, kafkaOptions.GroupId, kafkaOptions.BootstrapServers!, kafkaOptions.EffectiveDeadLetterTopic);

        var queues = Enumerable.Range(0, options.ProcessingParallelism)
            // Chunks of records (ConsumeLoop.ChunkSize at most); the records in them are bounded by the in-flight pause.
            .Select(_ => Channel.CreateUnbounded<List<IngestRecord>>(new UnboundedChannelOptions
            {
                SingleReader = true,
                SingleWriter = true,
            }))
            .ToArray();
        var batches = Channel.CreateBounded<Batch>(new BoundedChannelOptions(options.MaxConcurrentBulks)
        {
            SingleReader = options.MaxConcurrentBulks == 1,
            SingleWriter = options.ProcessingParallelism == 1,
        });

        var completions = new CompletionQueue();

        Exception? failure = null;
        void OnStageFault(Task task, string stage)
        {
            failure ??= task.Exception!.GetBaseException();
            IngestLog.StageFailed(_logger, stage, failure);
            consumeAbort.Cancel();
            abandon.Cancel();
        }

        var processing = queues
            .Select(q => Task.Run(() => new ProcessingWorker(q.Reader, batches.Writer, factory, options, time).RunAsync(abandon.Token)))
            .ToArray();
        var indexers = Enumerable.Range(0, options.MaxConcurrentBulks)
            .Select(_ => Task.Run(() => indexer.RunAsync(batches.Reader, completions, abandon.Token)))
            .ToArray();
        foreach (var task in processing)
        {
            _ = task.ContinueWith(t => OnStageFault(t, "processing"), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }

        foreach (var task in indexers)
        {
            _ = task.ContinueWith(t => OnStageFault(t, "indexing"), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }

        _ = Task.WhenAll(processing).ContinueWith(_ => batches.Writer.TryComplete(), TaskScheduler.Default);
        _ = Task.WhenAll(indexers).ContinueWith(_ => completions.Close(), TaskScheduler.Default);

        var loop = new ConsumeLoop(kafkaOptions, security.Value, options.MaxInFlightMessages, options.DrainTimeout, metrics, time, _logger);
        _loop = loop;
        var consumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                loop.Run([.. queues.Select(q => q.Writer)], completions, abandon, stop, consumeAbort.Token);
                consumed.SetResult();
            }
#pragma warning disable CA1031 // Handed to the awaiting task, which fails the run.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                consumed.SetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "kafka-consume",
        };
        thread.Start();

        try
        {
            await consumed.Task;
        }
        finally
        {
            // Whatever is still in flight now was not committed; give it up and wait for the stages to end.
            await abandon.CancelAsync();
            await WhenAllQuietlyAsync(processing.Concat(indexers));
            while (batches.Reader.TryRead(out var orphan))
            {
                orphan.Dispose();
            }

            producer.Flush(TimeSpan.FromSeconds(5));
        }

        if (failure is not null)
        {
            throw new InvalidOperationException("An ingest pipeline stage failed.", failure);
        }
    }

    /// <summary>
    /// Reads the server's version and makes sure the index template exists; an outage (unreachable, 429, 5xx) is
    /// retried with backoff while readiness says why, a refusal (unsupported version, 401, 403, a rejected
    /// template) throws. Returns the server's major.
    /// </summary>
    private async Task<int> PrepareElasticsearchAsync(Backoff backoff, CancellationToken cancellationToken)
    {
        var options = elasticsearch.Value;
        var es = new ElasticsearchRawClient(options);
        var names = TemplateNames.For(options.DataStream);
        var url = ElasticsearchOptions.Redact(options.Url!);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var version = await es.CheckClusterAsync(cancellationToken);
                var installed = await IndexTemplateInstaller.EnsureAsync(es, names, lifecycle.Value.Retention, cancellationToken);
                health.Succeeded();
                IngestLog.ElasticsearchReady(_logger, version, url, version.Major, names.IndexTemplate, installed ? "installed" : "present");
                return version.Major;
            }
            catch (SetupException ex) when (ex.Retriable)
            {
                health.Failed("starting: " + ex.Message);
                var delay = backoff.Delay(attempt);
                IngestLog.ElasticsearchStartRetry(_logger, ex.Message, attempt + 1, (long)delay.TotalMilliseconds);
                await Task.Delay(delay, time, cancellationToken);
            }
            catch (SetupException ex)
            {
                health.Failed("refused: " + ex.Message);
                IngestLog.ElasticsearchRefused(_logger, ex.Message);
                throw new ElasticsearchRefusedException(ex.Message, ex);
            }
        }
    }

    private static async Task WhenAllQuietlyAsync(IEnumerable<Task> tasks)
    {
        foreach (var task in tasks)
        {
            try
            {
                await task;
            }
            catch (OperationCanceledException)
            {
            }
#pragma warning disable CA1031 // Already logged by the fault continuation and rethrown by RunAsync.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }
}
