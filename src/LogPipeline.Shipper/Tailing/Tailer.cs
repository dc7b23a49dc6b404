using LogPipeline.Shipper.Lines;
using System.Threading.Channels;
using LogPipeline.Shipper.Checkpointing;
using LogPipeline.Shipper.Diagnostics;
using LogPipeline.Shipper.Native;
using LogPipeline.Shipper.Options;
using LogPipeline.Shipper.Publishing;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace LogPipeline.Shipper.Tailing;

/// <summary>
/// The tail loop: follows <c>Shipper:Path</c> through rename rotation and copytruncate, reads every open file to its
/// end, cuts lines and hands them to the publisher channel within the in-flight budget. It orchestrates named parts:
/// <see cref="FileSet"/> (each file's <see cref="FileState"/>, transitions in <see cref="FileTransitions"/>),
/// <see cref="FileClassifier"/> (what a handed-over descriptor or a shrunk live file is), <see cref="ReleasePolicy"/>
/// (when a renamed file is let go), <see cref="BuiltInRotator"/> (optional size rotation), <see cref="BatchReader"/>
/// (reading and batching) and <see cref="PassScheduler"/> (when the next pass runs).
/// Threading: everything here is owned by the one task that calls <see cref="Recover"/>, <see cref="TickAsync"/> and
/// <see cref="WaitAsync"/>. The inotify watcher thread only opens descriptors (taken here) and calls
/// <see cref="Wake"/>; the Kafka poll thread only completes checkpoint progress and releases the budget (which wakes).
/// </summary>
internal sealed partial class Tailer : IDisposable
{
    private readonly ShipperOptions _options;
    private readonly string _path;
    private readonly string _directory;
    private readonly FileSet _files;
    private readonly BatchReader _reader;
    private readonly ReleasePolicy _release;
    private readonly PassScheduler _scheduler;
    private readonly BuiltInRotator? _rotator;
    private readonly IOpenedFiles _watcher;
    private readonly InFlightBudget _budget;
    private readonly ShipperMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<bool> _rotationWorkPending;

    /// <summary>What the live path pointed at during this pass (null: missing).</summary>
    private FileStatus? _pathStatus;
    private long _missedReported;

    public Tailer(
        ShipperOptions options,
        FileSet files,
        BatchReader reader,
        ReleasePolicy release,
        PassScheduler scheduler,
        BuiltInRotator? rotator,
        IOpenedFiles watcher,
        InFlightBudget budget,
        ShipperMetrics metrics,
        TimeProvider time,
        ILogger logger)
    {
        _options = options;
        _path = System.IO.Path.GetFullPath(options.Path);
        _directory = System.IO.Path.GetDirectoryName(_path)!;
        _files = files;
        _reader = reader;
        _release = release;
        _scheduler = scheduler;
        _rotator = rotator;
        _watcher = watcher;
        _budget = budget;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _rotationWorkPending = () => _rotator?.WorkPending(_files) == true;
        budget.RoomAvailable += scheduler.Wake;
    }

    /// <summary>Unread bytes in all open files (what a shutdown leaves behind).</summary>
    public long UnreadBytes => _files.UnreadBytes;

    /// <summary>Timestamp of the last pass (liveness).</summary>
    public long LastTick { get; private set; }

    /// <summary>
    /// Composes the tail loop's parts for <paramref name="options"/>; <paramref name="openedFiles"/> replaces the inotify
    /// watcher (tests that decide when a descriptor is handed over).
    /// </summary>
    public static Tailer Create(
        ShipperOptions options,
        InFlightBudget budget,
        ChannelWriter<LineBatch> channel,
        ProgressRegistry registry,
        ShipperMetrics metrics,
        TimeProvider time,
        ILogger logger,
        IOpenedFiles? openedFiles = null)
    {
        var path = System.IO.Path.GetFullPath(options.Path);
        var builtIn = options.Rotation.MaxBytes > 0;
        var scheduler = new PassScheduler(options.PollInterval, builtIn, time);
        return new Tailer(
            options,
            new FileSet(),
            new BatchReader(options, budget, channel, registry, metrics, time, logger),
            new ReleasePolicy(time, options),
            scheduler,
            builtIn ? new BuiltInRotator(path, options.Rotation, metrics, logger) : null,
            openedFiles ?? new InotifyWatcher(path, options.Rotation.Keep, scheduler.Wake),
            budget,
            metrics,
            time,
            logger);
    }

    /// <summary>Any thread: something may have changed, run a pass soon.</summary>
    public void Wake() => _scheduler.Wake();

    /// <summary>Sleeps until woken (inotify, budget room) or the poll interval passes (see <see cref="PassScheduler"/>).</summary>
    public Task WaitAsync(CancellationToken cancellationToken) =>
        _scheduler.WaitAsync(LastTick, _rotationWorkPending, cancellationToken);

    /// <summary>
    /// One pass: notice rotation/truncation/new files, rotate if due, read every file as far as the
    /// budget allows, let go of finished renamed files. Returns whether any bytes were read.
    /// </summary>
    public async Task<bool> TickAsync(bool draining, CancellationToken cancellationToken)
    {
        var now = _time.GetTimestamp();
        LastTick = now;
        if (Directory.Exists(_directory))
        {
            _watcher.EnsureWatching(_directory);
        }

        ObserveLivePath(now);
        ReportMissedFiles();
        RefreshAll(now);
        if (!draining && _rotator?.TryRotate(_files, _options.MaxBacklogBytes) == true)
        {
            Move(_files.Live!, FileEvent.RotatedByShipper, now);
        }

        var progressed = false;
        foreach (var file in _files.Renamed.ToArray())
        {
            if (file.State == FileState.Rotated && NewerFileHasData(file))
            {
                Move(file, FileEvent.NewerFileHasData, now);
            }

            // Renamed files and copies are not rewritten in place (rename rotation appends, nobody writes a copy).
            var (read, atEnd, _) = await _reader.ReadAsync(file, checkHead: false, cancellationToken);
            progressed |= read;
            if (atEnd && !draining
                && _release.ShouldRelease(file.State, file.LastGrowth, file.WriterMovedAt, _files.Renamed.Count, now))
            {
                await ReleaseAsync(file, now, cancellationToken);
            }
        }

        if (_files.Live is { } live)
        {
            var (read, _, replaced) = await _reader.ReadAsync(live, checkHead: true, cancellationToken);
            progressed |= read;
            if (replaced)
            {
                // Truncated and refilled past the read offset after RefreshAll's size check: the same copytruncate
                // handling, with the offset at the end of what was old content. Its copy and the new content are
                // read in the next pass, which comes at once (the pass progressed).
                HandleTruncation(live, now);
            }
        }

        ReleaseUncopied(now);
        EnforceBacklog(now);
        _files.PruneAcknowledged();
        _metrics.LagBytes.Set(_files.LagBytes);
        _metrics.FilesOpen.Set(_files.OpenCount);
        return progressed;
    }

    public void Dispose()
    {
        _budget.RoomAvailable -= _scheduler.Wake;
        _watcher.Dispose(); // First: its thread hands descriptors over and wakes the scheduler.
        _files.Dispose();
        _scheduler.Dispose();
    }

    /// <summary>
    /// Applies a transition and the side effects the table asks for. A <see cref="FileEvent.Done"/> transition's
    /// partial-line flush is asynchronous and done by <see cref="ReleaseAsync"/> before.
    /// </summary>
    private void Move(TailedFile file, FileEvent evt, long now)
    {
        if (FileTransitions.Next(file.State, evt).Actions.HasFlag(TransitionActions.DiscardPartialLine))
        {
            _reader.DiscardPartial(file);
        }

        var actions = _files.Apply(file, evt, now);
        if (actions.HasFlag(TransitionActions.CountRotation))
        {
            _metrics.RotationsFollowed.Increment();
            Log.RotationObserved(_logger, file.Path);
        }
    }

    private void ReportMissedFiles()
    {
        var missed = _watcher.MissedFiles;
        if (missed > _missedReported)
        {
            _metrics.FilesMissed.Increment(missed - _missedReported);
            Log.FilesMissed(_logger, missed - _missedReported, _path, missed);
            _missedReported = missed;
        }
    }

    private void ObserveLivePath(long now)
    {
        var status = LibC.StatPath(_path);
        _pathStatus = status;

        // Chain files the watcher opened, oldest first: some may already be renamed away (or deleted). They are compared
        // with the live file's identity, so it is fixed first if it is not known yet.
        if (_files.Live is { Identity: null } unidentified && status?.SameFile(unidentified.Status) == true)
        {
            _reader.Identify(unidentified);
        }

        var handed = _files.TakeUnclassified();
        while (_watcher.TryTakeOpened(out var taken))
        {
            handed.Add((taken, now));
        }

        foreach (var (handle, since) in handed)
        {
            Place(handle, since, status, now);
        }

        if (_files.Live is { } live && status?.SameFile(live.Status) != true)
        {
            // Renamed away (or deleted): keep reading through the descriptor we hold.
            Move(live, FileEvent.PathMovedAway, now);
        }

        if (_files.Live is null && status is { } st)
        {
            // The path may point at a file already held as renamed (creations seen out of order): it is live.
            if (_files.RenamedAt(st) is { } held)
            {
                Move(held, FileEvent.PathPointsHere, now);
            }
            else if (_reader.Open(_path, startOffset: 0, now) is { } opened)
            {
                Move(opened, FileEvent.FoundAtPath, now);
            }
        }
    }

    /// <summary>Classifies one descriptor the watcher opened and places it (the I/O the classifier needs is done here).</summary>
    private void Place(SafeFileHandle handle, long since, FileStatus? pathStatus, long now)
    {
        var created = LibC.StatHandle(handle);
        var held = _files.Holds(created);
        var released = !held && _files.WasReleased(created, handle);
        var head = held || released ? null : FileIdentity.TryCompute(handle, created.Device, created.Inode);
        var atPath = pathStatus?.SameFile(created) == true;
        var handoff = new Handoff(
            held, released, atPath, _time.GetElapsedTime(since, now) >= ReleasePolicy.Settle, head is not null,
            head is null ? ContentMatch.None : _files.MatchContent(head, created.Size));
        var evt = FileClassifier.Classify(handoff);
        if (evt == FileEvent.CopyOfTruncated)
        {
            FinishFromLateCopy(_files.AwaitingCopyOf(head!, created.Size)!, handle, now);
            return;
        }

        if (evt is not (FileEvent.FoundAtPath or FileEvent.FoundRenamed))
        {
            _files.ApplyHandoff(handle, since, evt);
            return;
        }

        if (_files.Live is { } current && pathStatus?.SameFile(current.Status) != true)
        {
            Move(current, FileEvent.PathMovedAway, now);
        }

        var file = _reader.Adopt(_path, handle, created, startOffset: 0, now);
        Move(file, _files.Live is null && atPath ? FileEvent.FoundAtPath : FileEvent.FoundRenamed, now);
    }

    private void RefreshAll(long now)
    {
        foreach (var file in _files.Renamed)
        {
            file.Refresh(now);
        }

        if (_files.Live is { } live)
        {
            var before = live.Status.Size;
            live.Refresh(now);
            if (FileClassifier.IsTruncated(
                    before, live.Status.Size, live.Reader.ReadOffset, live.Identity is not null,
                    live.HeadUnchanged))
            {
                HandleTruncation(live, now);
            }
        }
    }

    /// <summary>
    /// The writer has moved on from a renamed file once the live path holds another file with data in
    /// it: nginx creates (or writes) the new file only after it reopened. Deliberately not based on the
    /// order files were met in, which a busy loop may see out of order.
    /// </summary>
    private bool NewerFileHasData(TailedFile file) =>
        _pathStatus is { } path && !path.SameFile(file.Status) && path.Size > 0;

    /// <summary>A renamed file read to its end after the writer moved on: ship a last unterminated line, close it.</summary>
    private async ValueTask ReleaseAsync(TailedFile file, long now, CancellationToken cancellationToken)
    {
        await _reader.FlushPartialAsync(file, cancellationToken);
        Move(file, FileEvent.Done, now);
        _metrics.FilesReleased.Increment();
        Log.Released(_logger, file.Path, file.Identity, file.Reader.ReadOffset);
    }

    /// <summary>Past <c>Shipper:MaxBacklogBytes</c> unread, the oldest renamed files are given up (counted, logged).</summary>
    private void EnforceBacklog(long now)
    {
        var total = _files.UnreadBytes;
        while (total > _options.MaxBacklogBytes && _files.Renamed.Count > 0)
        {
            var oldest = _files.Renamed[0];
            var lost = oldest.UnreadBytes + oldest.Reader.Pending;
            Log.BacklogDropped(_logger, _options.MaxBacklogBytes, oldest.Identity?.ToString() ?? oldest.Path, lost);
            _metrics.BytesDropped.Increment(lost);
            total -= oldest.UnreadBytes;
            Move(oldest, FileEvent.BacklogExceeded, now);
        }
    }
}
