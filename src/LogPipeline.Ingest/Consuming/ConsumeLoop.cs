using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Confluent.Kafka;
using LogPipeline.Hosting.Connectivity;
using LogPipeline.Ingest.Diagnostics;
using LogPipeline.Kafka;
using Microsoft.Extensions.Logging;

namespace LogPipeline.Ingest.Consuming;

/// <summary>
/// The consume stage. One dedicated thread owns the <see cref="IConsumer{TKey,TValue}"/> and everything in this
/// class (trackers, in-flight count, pause state): it polls, registers each record's offset, hands the record
/// to the processing worker of its partition, and applies completions coming back from the indexers
/// (StoreOffset, and Commit on revoke and at shutdown, are thus called on the owning thread only).
/// Records go to the workers in chunks (up to <see cref="ChunkSize"/>, or whatever was ready when the local queue
/// ran dry): one channel write and at most one worker wake-up per chunk instead of per message, which was the
/// largest per-message cost measured (a thread-pool hop per record while the workers kept up).
/// Each record becomes an <see cref="IngestRecord"/> here (headers decoded once); Confluent's types stay in this folder.
/// Messages are fetched by <see cref="NativePoll"/> on the consumer's own handle (Confluent's <c>Consume</c> when
/// that is not possible); everything else goes through Confluent's consumer.
/// The thread blocks only in the poll (blocking by design) and, while saturated or draining, on
/// <see cref="CompletionQueue.Wait"/> (a monitor): never on a task. The worker queues are unbounded because every
/// record in them is counted in flight, and the in-flight limit stops consuming, so a write never has to wait.
/// Backpressure: above Indexing:MaxInFlightMessages the loop first just stops taking records and waits for
/// completions (librdkafka keeps its prefetched messages, bounded by queued.max.messages.kbytes); only when that
/// lasts longer than <see cref="HoldBeforePause"/> are the assigned partitions paused while polling goes on, so
/// max.poll.interval.ms is never exceeded however long Elasticsearch is down. Pausing at once on every short
/// saturation halved the bench's throughput: a pause discards librdkafka's prefetched messages, and after the
/// resume the consumer starved while they were fetched again.
/// </summary>
internal sealed class ConsumeLoop
{
    private readonly KafkaConsumerOptions _options;
    private readonly KafkaSecurityOptions _security;
    private readonly int _maxInFlight;
    private readonly TimeSpan _drainTimeout;
    private readonly SourceHeaders _headers = new();
    private readonly IngestMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<int, OffsetTracker> _trackers = [];
    private readonly List<int> _touched = [];
    private List<IngestRecord>?[] _pending = [];
    private ChannelWriter<List<IngestRecord>>[] _workers = [];
    private CancellationToken _abort;
    private CompletionQueue _completions = null!;
    private long _inFlight;
    private bool _paused;
    private int _pausedPartitions;
    private long _saturatedSince = -1;
    private long _lastPollTimestamp;
    private Error? _fatal;

    // A rebalance handler's exception: Confluent keeps it for its own Consume to rethrow, which the native poll
    // bypasses, so the handlers record it here too and the loop rethrows it after the poll.
    private ExceptionDispatchInfo? _handlerFailure;

    /// <param name="maxInFlightMessages">Indexing:MaxInFlightMessages: consumed, not yet completed records at most.</param>
    /// <param name="drainTimeout">Indexing:DrainTimeout: how long shutdown waits for in-flight records.</param>
    public ConsumeLoop(
        KafkaConsumerOptions options, KafkaSecurityOptions security, int maxInFlightMessages, TimeSpan drainTimeout, IngestMetrics metrics, TimeProvider time, ILogger logger)
    {
        _options = options;
        _security = security;
        _maxInFlight = maxInFlightMessages;
        _drainTimeout = drainTimeout;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _lastPollTimestamp = time.GetTimestamp();
    }

    /// <summary>Most records handed to a processing worker at once.</summary>
    public const int ChunkSize = 256;

    /// <summary>
    /// How long the loop may stop polling while saturated before it pauses the partitions and polls again: far
    /// below max.poll.interval.ms, and short enough that a rebalance (served inside Consume) waits little.
    /// </summary>
    public static readonly TimeSpan HoldBeforePause = TimeSpan.FromSeconds(2);

    /// <summary>Time since the loop last polled Kafka (liveness), readable from any thread.</summary>
    public TimeSpan SinceLastPoll => _time.GetElapsedTime(Volatile.Read(ref _lastPollTimestamp));

    /// <summary>
    /// Runs until <paramref name="stop"/> (then drains: flush, store, commit, close) or <paramref name="abort"/>
    /// (then leaves at once, committing nothing new: a crash as far as delivery is concerned).
    /// </summary>
    public void Run(
        ChannelWriter<List<IngestRecord>>[] workers,
        CompletionQueue completions,
        CancellationTokenSource abandon,
        CancellationToken stop,
        CancellationToken abort)
    {
        _completions = completions;
        _workers = workers;
        _pending = new List<IngestRecord>?[workers.Length];
        _abort = abort;
        using var consumer = new ConsumerBuilder<byte[], byte[]>(KafkaClientConfigs.Consumer(_options, _security))
            .SetPartitionsAssignedHandler((_, partitions) => Guarded(() => OnAssigned(partitions)))
            .SetPartitionsRevokedHandler((c, partitions) => Guarded(() => OnRevoked(c, partitions)))
            .SetPartitionsLostHandler((_, partitions) => Guarded(() => OnLost(partitions)))
            .SetErrorHandler((_, error) =>
            {
                // A fatal error is logged once by OnFatal; connection errors go to the connection monitor.
                if (!OnFatal(error) && !_metrics.KafkaConnection.OnError(error.Code, error.Reason, error.IsFatal))
                {
                    IngestLog.KafkaError(_logger, error.Reason, error.IsFatal);
                }
            })
            .SetLogHandler((_, line) => KafkaConnectivity.OnLog(_logger, (int)line.Level, "consumer", line.Facility, line.Message))
            .Build();
        // While Kafka is down, a metadata request every few seconds notices recovery even when no record flows.
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        using var probe = new ConnectionProbe(_metrics.KafkaConnection.Monitor, () => ProbeKafka(admin), _time, TimeSpan.FromSeconds(5));
        using var native = NativePoll.TryCreate(consumer, _options.Topic, out var why);
        if (native is null)
        {
            IngestLog.ConfluentPoll(_logger, why ?? "unknown");
        }
        else
        {
            IngestLog.NativePoll(_logger, native.Library);
        }

        consumer.Subscribe(_options.Topic);
        var nextLag = _time.GetTimestamp();
        try
        {
            while (!stop.IsCancellationRequested && !abort.IsCancellationRequested && _fatal is null)
            {
                ApplyCompletions(consumer);
                if (Hold())
                {
                    continue;
                }

                ApplyBackpressure(consumer);

                // One clock read per poll, for the liveness stamp and the lag schedule (a lag update up to one poll
                // timeout late is fine). A plain volatile write: the readers only need the latest value.
                var now = _time.GetTimestamp();
                Volatile.Write(ref _lastPollTimestamp, now);
                var holding = HasPending;
                // While records wait in a chunk, only take what librdkafka already has; when it has nothing
                // more, the chunks go out before the loop blocks in the poll.
                var timeout = holding ? 0 : _paused ? 20 : 100;
                var record = native is null ? ConsumeWithConfluent(consumer, timeout) : ConsumeNative(native, timeout);
                if (record is not null)
                {
                    _metrics.KafkaConnection.OnSuccess();
                    Dispatch(record);
                }
                else if (holding)
                {
                    FlushAll();
                }

                if (now >= nextLag)
                {
                    UpdateLag(consumer);
                    nextLag = now + _time.TimestampFrequency;
                }
            }

            if (_fatal is { } fatal)
            {
                throw new KafkaFatalException($"Fatal Kafka consumer error: {fatal.Reason} ({fatal.Code})");
            }
        }
        finally
        {
            // After a fatal error the consumer instance is unusable: stop as after abort. Nothing more is stored (what
            // librdkafka may still commit when the consumer is destroyed was stored before, so it is indexed);
            // in-flight batches are abandoned and consumed again after the restart.
            if (!abort.IsCancellationRequested && _fatal is null)
            {
                // Tracked and counted in flight: they must reach the workers for the drain to complete them.
                FlushAll();
            }

            foreach (var writer in workers)
            {
                writer.TryComplete();
            }

            if (!abort.IsCancellationRequested && _fatal is null)
            {
                Drain(consumer, abandon);
                consumer.Close();
                IngestLog.Stopped(_logger);
            }
        }
    }

    /// <summary>
    /// Remembers a fatal error (the loop ends on it, see <see cref="Run"/>) and logs it once; false for any other
    /// error. On the consume thread (librdkafka serves the error callback inside Consume).
    /// </summary>
    private bool OnFatal(Error error)
    {
        if (!error.IsFatal)
        {
            return false;
        }

        if (_fatal is null)
        {
            _fatal = error;
            IngestLog.KafkaFatal(_logger, error.Reason, error.Code);
        }

        return true;
    }

    private bool HasPending
    {
        get
        {
            foreach (var chunk in _pending)
            {
                if (chunk is { Count: > 0 })
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>One record through Confluent's Consume (the fallback when the handle cannot be polled directly).</summary>
    private IngestRecord? ConsumeWithConfluent(IConsumer<byte[], byte[]> consumer, int timeout)
    {
        ConsumeResult<byte[], byte[]>? result;
        try
        {
            result = consumer.Consume(timeout);
        }
        catch (ConsumeException ex)
        {
            OnConsumeError(ex.Error);
            return null;
        }

        return result is null || result.IsPartitionEOF ? null : _headers.Read(result, _options.Topic);
    }

    private IngestRecord? ConsumeNative(NativePoll native, int timeout)
    {
        var outcome = native.Poll(timeout, out var record, out var error);
        _handlerFailure?.Throw();
        if (outcome == NativePoll.Outcome.Error)
        {
            OnConsumeError(error!);
        }

        return record;
    }

    private void OnConsumeError(Error error)
    {
        if (!OnFatal(error))
        {
            IngestLog.KafkaError(_logger, error.Reason, error.IsFatal);
        }
    }

    private void Guarded(Action handler)
    {
        try
        {
            handler();
        }
        catch (Exception ex)
        {
            _handlerFailure ??= ExceptionDispatchInfo.Capture(ex);
            throw;
        }
    }

    private void Dispatch(IngestRecord record)
    {
        var partition = record.Partition;
        if (!_trackers.TryGetValue(partition, out var tracker))
        {
            tracker = new OffsetTracker();
            _trackers[partition] = tracker;
        }

        tracker.Add(record.Offset);
        _inFlight++;
        _metrics.SetInFlight(_inFlight);
        _metrics.Consumed.Increment();
        var worker = partition % _workers.Length;
        var chunk = _pending[worker] ??= new List<IngestRecord>(ChunkSize);
        chunk.Add(record);
        if (chunk.Count >= ChunkSize)
        {
            Flush(worker);
        }
    }

    /// <summary>Hands every partly filled chunk to its worker.</summary>
    private void FlushAll()
    {
        for (var worker = 0; worker < _pending.Length; worker++)
        {
            if (_pending[worker] is { Count: > 0 })
            {
                Flush(worker);
            }
        }
    }

    private void Flush(int worker)
    {
        // The chunk changes owner here: the worker reads it, this thread starts a new one.
        var chunk = _pending[worker]!;
        _pending[worker] = null;
        if (!_workers[worker].TryWrite(chunk))
        {
            // Unbounded queues refuse only once completed, which happens after this loop ended.
            throw new InvalidOperationException("A processing worker's queue was completed while the consume loop still ran.");
        }
    }

    /// <summary>
    /// True while saturated for less than <see cref="HoldBeforePause"/>: the held records go to the workers and
    /// the loop waits for completions instead of polling (the caller skips Consume).
    /// </summary>
    private bool Hold()
    {
        if (_paused || _inFlight < _maxInFlight)
        {
            _saturatedSince = -1;
            return false;
        }

        var now = _time.GetTimestamp();
        if (_saturatedSince < 0)
        {
            _saturatedSince = now;
        }
        else if (_time.GetElapsedTime(_saturatedSince, now) >= HoldBeforePause)
        {
            return false;
        }

        // Records still waiting in chunks would never complete: they must reach the workers before waiting.
        FlushAll();
        // The caller's loop applies what came; aborted or closed, its own checks decide what happens next.
        _completions.Wait(TimeSpan.FromMilliseconds(50), _abort);
        return true;
    }

    private void ApplyBackpressure(IConsumer<byte[], byte[]> consumer)
    {
        if (!_paused && _inFlight >= _maxInFlight)
        {
            _paused = true;
            _pausedPartitions = -1;
            IngestLog.Paused(_logger, _inFlight);
        }
        else if (_paused && _inFlight <= _maxInFlight / 2)
        {
            _paused = false;
            consumer.Resume(consumer.Assignment);
            IngestLog.Resumed(_logger);
            return;
        }

        // Partitions assigned during a pause start unpaused: pause again whenever the assignment changed.
        if (_paused && consumer.Assignment.Count != _pausedPartitions)
        {
            consumer.Pause(consumer.Assignment);
            _pausedPartitions = consumer.Assignment.Count;
        }
    }

    /// <summary>Applies every completion already waiting; stores the offsets that moved.</summary>
    private void ApplyCompletions(IConsumer<byte[], byte[]> consumer)
    {
        while (_completions.TryTake(out var completion))
        {
            _inFlight -= completion.Positions.Length;
            if (completion.Abandoned)
            {
                // Never completed: the trackers stay behind these offsets, so nothing after them is committed.
                continue;
            }

            foreach (var position in completion.Positions)
            {
                // A partition revoked meanwhile has no tracker: its completion no longer matters to this member.
                if (_trackers.TryGetValue(position.Partition, out var tracker))
                {
                    tracker.Complete(position.Offset);
                    if (!_touched.Contains(position.Partition))
                    {
                        _touched.Add(position.Partition);
                    }
                }
            }
        }

        _metrics.SetInFlight(_inFlight);
        foreach (var partition in _touched)
        {
            var tracker = _trackers[partition];
            var before = tracker.Pending;
            if (tracker.TryAdvance(out var next))
            {
                _metrics.Committed.Increment(before - tracker.Pending);
                try
                {
                    consumer.StoreOffset(new TopicPartitionOffset(_options.Topic, partition, next));
                }
                catch (KafkaException ex)
                {
                    IngestLog.CommitFailed(_logger, ex.Error.Reason);
                }
            }
        }

        _touched.Clear();
    }

    /// <summary>Blocks up to <paramref name="timeout"/> for a completion to arrive, then applies what came.</summary>
    private bool WaitForCompletions(IConsumer<byte[], byte[]> consumer, TimeSpan timeout)
    {
        var more = _completions.Wait(timeout, CancellationToken.None);
        ApplyCompletions(consumer);
        return more;
    }

    private string? ProbeKafka(IAdminClient admin)
    {
        try
        {
            admin.GetMetadata(_options.Topic, TimeSpan.FromSeconds(2));
            return null;
        }
        catch (KafkaException ex)
        {
            return ex.Error.Reason;
        }
    }

    private void OnAssigned(List<TopicPartition> partitions)
    {
        _metrics.KafkaConnection.OnSuccess();
        foreach (var tp in partitions)
        {
            _trackers[tp.Partition.Value] = new OffsetTracker();
        }

        var list = string.Join(',', partitions.Select(p => p.Partition.Value));
        IngestLog.Assigned(_logger, list);
    }

    /// <summary>
    /// Cooperative revoke (on the consume thread, inside Consume): give the revoked partitions' in-flight
    /// messages up to Kafka:RevokeTimeout to finish, commit what completed, forget the rest. Messages
    /// abandoned here may still reach Elasticsearch; the new owner re-reads them and gets 409s (same _id).
    /// </summary>
    private void OnRevoked(IConsumer<byte[], byte[]> consumer, List<TopicPartitionOffset> partitions)
    {
        var revoked = partitions.Select(p => p.Partition.Value).ToList();
        // Records of revoked partitions still waiting in a chunk could never complete: send them first.
        FlushAll();
        var deadline = _time.GetTimestamp() + (long)(_options.RevokeTimeout.TotalSeconds * _time.TimestampFrequency);
        ApplyCompletions(consumer);
        while (revoked.Any(p => _trackers.TryGetValue(p, out var t) && t.Pending > 0) && _time.GetTimestamp() < deadline)
        {
            WaitForCompletions(consumer, TimeSpan.FromMilliseconds(50));
        }

        var commits = new List<TopicPartitionOffset>();
        var abandoned = 0;
        foreach (var partition in revoked)
        {
            if (_trackers.Remove(partition, out var tracker))
            {
                abandoned += tracker.Pending;
                if (tracker.Committable >= 0)
                {
                    commits.Add(new TopicPartitionOffset(_options.Topic, partition, tracker.Committable));
                }
            }
        }

        if (commits.Count > 0)
        {
            try
            {
                consumer.Commit(commits);
            }
            catch (KafkaException ex)
            {
                IngestLog.CommitFailed(_logger, ex.Error.Reason);
            }
        }

        var revokedList = string.Join(',', revoked);
        var committedList = string.Join(',', commits.Select(c => $"{c.Partition.Value}@{c.Offset.Value}"));
        IngestLog.Revoked(_logger, revokedList, committedList, abandoned);
    }

    private void OnLost(List<TopicPartitionOffset> partitions)
    {
        foreach (var tp in partitions)
        {
            _trackers.Remove(tp.Partition.Value);
        }

        var list = string.Join(',', partitions.Select(p => p.Partition.Value));
        IngestLog.Lost(_logger, list);
    }

    /// <summary>Shutdown: let in-flight batches finish (Indexing:DrainTimeout), store and commit, then close.</summary>
    private void Drain(IConsumer<byte[], byte[]> consumer, CancellationTokenSource abandon)
    {
        IngestLog.Draining(_logger, _inFlight);
        var deadline = _time.GetTimestamp() + (long)(_drainTimeout.TotalSeconds * _time.TimestampFrequency);
        ApplyCompletions(consumer);
        while (_inFlight > 0 && _time.GetTimestamp() < deadline)
        {
            WaitForCompletions(consumer, TimeSpan.FromMilliseconds(50));
        }

        if (_inFlight > 0)
        {
            IngestLog.DrainTimedOut(_logger, _inFlight);
            abandon.Cancel();
            // Let the stages observe the cancellation and report their batches as abandoned.
            var giveUp = _time.GetTimestamp() + (5 * _time.TimestampFrequency);
            while (_inFlight > 0 && _time.GetTimestamp() < giveUp && !_completions.IsClosed)
            {
                WaitForCompletions(consumer, TimeSpan.FromMilliseconds(50));
            }
        }

        try
        {
            consumer.Commit();
        }
        catch (KafkaException ex) when (ex.Error.Code == ErrorCode.Local_NoOffset)
        {
        }
        catch (KafkaException ex)
        {
            IngestLog.CommitFailed(_logger, ex.Error.Reason);
        }
    }

    private void UpdateLag(IConsumer<byte[], byte[]> consumer)
    {
        long lag = 0;
        foreach (var tp in consumer.Assignment)
        {
            var watermarks = consumer.GetWatermarkOffsets(tp);
            var position = consumer.Position(tp);
            if (watermarks.High.Value >= 0 && position.Value >= 0)
            {
                lag += Math.Max(0, watermarks.High.Value - position.Value);
            }
        }

        _metrics.SetLag(lag);
    }
}
