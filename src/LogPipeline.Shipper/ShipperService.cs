using LogPipeline.Shipper.Lines;
using System.Text.Json;
using System.Threading.Channels;
using LogPipeline.Hosting.Http;
using LogPipeline.Kafka;
using LogPipeline.Shipper.Checkpointing;
using LogPipeline.Shipper.Diagnostics;
using LogPipeline.Shipper.Options;
using LogPipeline.Shipper.Publishing;
using LogPipeline.Shipper.Tailing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LogPipeline.Shipper;

/// <summary>The exit code the process ends with (0 = everything read was delivered; docs/contracts.md).</summary>
public sealed class ShipperExitCode
{
    public const int Failed = 1;
    public const int Undelivered = 3;

    /// <summary>Kafka refused delivery or the producer became unusable; the unacknowledged lines are re-sent after a restart.</summary>
    public const int KafkaRefused = 4;

    public int Value { get; set; }
}

/// <summary>
/// Wires the data path — tail loop → bounded channel → Kafka publisher → delivery reports → checkpoints —
/// and runs the orderly shutdown: stop rotating, read to the end of every file, wait for Kafka's
/// acknowledgements within <c>Shipper:ShutdownGracePeriod</c>, write the final checkpoint, set the exit code.
/// When Kafka refuses delivery (<see cref="KafkaPublisher.Refused"/>) the same shutdown runs without reading on:
/// the unacknowledged lines stay behind the checkpoint, and the service stops the host with exit code 4.
/// </summary>
internal sealed class ShipperService(
    IOptions<ShipperOptions> shipperOptions,
    IOptions<KafkaOptions> kafkaOptions,
    IOptions<KafkaSecurityOptions> securityOptions,
    ShipperMetrics metrics,
    HealthRegistry health,
    ShipperExitCode exitCode,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<ShipperService> logger) : BackgroundService
{
    /// <summary>Test only: the running publisher (null before start-up and after the run), for fault injection.</summary>
    internal KafkaPublisher? Publisher { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunAsync(stoppingToken);
        }
        catch (Exception ex)
        {
            Log.Failed(logger, ex);
            exitCode.Value = ShipperExitCode.Failed;
            lifetime.StopApplication();
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var options = shipperOptions.Value;
        var kafka = kafkaOptions.Value;
        var budget = new InFlightBudget(options.MaxInFlightBytes);
        metrics.InFlightCapacity.Set(options.MaxInFlightBytes);
        metrics.Observe(budget);
        var registry = new ProgressRegistry();
        var store = new CheckpointStore(options.StateDirectory);
        var checkpoints = new CheckpointWriter(store, registry, metrics, time, logger);
        // Bounded by bytes, not by count: the tail loop checks the in-flight budget before every read
        // and the budget covers the channel plus librdkafka's queue, so the channel never holds more than
        // Shipper:MaxInFlightBytes plus one read chunk. A count-bounded channel would make the tail loop
        // block on a full channel — and a tail loop that blocks misses short-lived rotated files.
        var channel = Channel.CreateUnbounded<LineBatch>(new UnboundedChannelOptions
        {
            SingleReader = true,
            SingleWriter = true,
        });

        var source = options.ResolveSourceName();
        Log.Starting(
            logger, options.Path, kafka.Topic, kafka.BootstrapServers, source,
            options.Rotation.MaxBytes, options.Rotation.Keep);
        // Validated at start (MetadataOptionsRules): resolving again cannot fail unless the labels file vanished.
        var metadataErrors = new List<string>();
        var metadata = options.Metadata.Resolve($"{ShipperOptions.Section}:Metadata", metadataErrors)
            ?? throw new InvalidOperationException(string.Join(" ", metadataErrors));
        using var publisher = new KafkaPublisher(kafka, securityOptions.Value, options, metadata, budget, metrics, time, logger);
        using var tailer = Tailer.Create(options, budget, channel.Writer, registry, metrics, time, logger);
        tailer.Recover(LoadCheckpoints(store));
        var livenessLimit = TimeSpan.FromSeconds(30) + options.PollInterval;
        health.AddLiveness("tail-loop", () =>
            time.GetElapsedTime(tailer.LastTick) > livenessLimit && !stoppingToken.IsCancellationRequested ? "tail loop stalled" : null);
        // Liveness too: the pod probes only /healthz, and a producer Kafka refuses must not look alive. The service
        // stops the process itself; the probe covers a shutdown that hangs.
        health.AddLiveness("kafka-producer", () => publisher.Refusal);
        health.AddReadiness("kafka-producer", () => publisher.Refusal);
        publisher.Refused += tailer.Wake;
        Publisher = publisher;
        // Ready once the first pass has opened what is there (and the inotify watch is in place): from then on
        // no rotation can slip by unseen. Start-up scripts and tests wait for this before writing.
        health.AddReadiness("tail-loop", () => tailer.LastTick == 0 ? "the tail loop has not made its first pass yet" : null);

        // The publisher outlives the tail loop's cancellation: it stops when the channel is completed.
        using var abort = new CancellationTokenSource();
        var publishing = Task.Run(() => publisher.RunAsync(channel.Reader, abort.Token), CancellationToken.None);
        using var checkpointStop = new CancellationTokenSource();
        var checkpointing = Task.Run(() => checkpoints.RunAsync(options.CheckpointInterval, checkpointStop.Token), CancellationToken.None);

        while (!stoppingToken.IsCancellationRequested && publisher.Refusal is null)
        {
            if (publishing.IsCompleted)
            {
                await publishing; // Surfaces the publisher's failure.
            }

            publisher.ReportDrops();

            // Not stoppingToken: a batch already cut from the file must reach the channel even when SIGTERM
            // arrives mid-write, or it would be neither sent nor re-read.
            if (!await tailer.TickAsync(draining: false, abort.Token))
            {
                await tailer.WaitAsync(stoppingToken);
            }
        }

        // Shutdown: everything below is bounded by the grace period. After a refusal nothing more is read.
        if (publisher.Refusal is null)
        {
            Log.Draining(logger, options.ShutdownGracePeriod);
        }

        var started = time.GetTimestamp();
        using var grace = new CancellationTokenSource(options.ShutdownGracePeriod, time);
        try
        {
            while (!grace.IsCancellationRequested && publisher.Refusal is null)
            {
                var read = await tailer.TickAsync(draining: true, grace.Token);
                if (!read && tailer.UnreadBytes == 0)
                {
                    break;
                }

                if (!read)
                {
                    await tailer.WaitAsync(grace.Token); // Budget full: wait for acknowledgements.
                }
            }
        }
        catch (OperationCanceledException) when (grace.IsCancellationRequested)
        {
        }

        channel.Writer.TryComplete();
        var left = options.ShutdownGracePeriod - time.GetElapsedTime(started);
        if (await Task.WhenAny(publishing, Task.Delay(left > TimeSpan.Zero ? left : TimeSpan.Zero, time, CancellationToken.None)) != publishing)
        {
            await abort.CancelAsync();
        }

        // After a refusal this still waits for the reports of what librdkafka holds: lines acknowledged meanwhile
        // move the checkpoint (fewer re-sends), refused ones never do.
        left = options.ShutdownGracePeriod - time.GetElapsedTime(started);
        publisher.Flush(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        publisher.ReportDrops(force: true);
        await checkpointStop.CancelAsync();
        await checkpointing;
        checkpoints.WriteNow();

        var undeliveredLines = budget.Lines;
        var undeliveredBytes = Math.Max(0, budget.Bytes - (undeliveredLines * InFlightBudget.PerLineOverhead));
        var unread = tailer.UnreadBytes;
        if (publisher.Refusal is { } refusal)
        {
            Log.StoppedRefused(logger, ShipperExitCode.KafkaRefused, refusal, undeliveredLines, undeliveredBytes, unread);
            exitCode.Value = ShipperExitCode.KafkaRefused;
        }
        else if (undeliveredLines == 0 && unread == 0)
        {
            Log.StoppedClean(logger, metrics.LinesDelivered.Value);
        }
        else
        {
            Log.StoppedUndelivered(logger, undeliveredLines, undeliveredBytes, unread);
            exitCode.Value = ShipperExitCode.Undelivered;
        }

        try
        {
            await publishing;
        }
        catch (OperationCanceledException)
        {
        }

        publisher.Refused -= tailer.Wake;
        Publisher = null;
        if (exitCode.Value == ShipperExitCode.KafkaRefused && !stoppingToken.IsCancellationRequested)
        {
            // Nobody asked us to stop: end the process ourselves rather than wait for a liveness probe.
            lifetime.StopApplication();
        }
    }

    private CheckpointDocument? LoadCheckpoints(CheckpointStore store)
    {
        try
        {
            return store.Load();
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            Log.CheckpointUnreadable(logger, store.FilePath, ex.Message);
            return null;
        }
    }
}
