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
/// The tail loop: follows <c>Shipper:Path</c> through rename rotation and copytruncate, reads every
/// open file to its end, cuts lines and hands them to the publisher channel within the in-flight budget.
/// Everything here (the open files, the rotation state) is owned by the one task that calls
/// <see cref="TickAsync"/>; other threads only call <see cref="Wake"/>.
/// </summary>
internal sealed partial class Tailer : IDisposable
{
    /// <summary>
    /// A renamed file is let go only after the writer was seen writing to a newer file AND the renamed
    /// file has not grown for this long since its last growth (nginx workers reopen one after the other,
    /// and one that has not handled SIGUSR1 yet still appends to the renamed file). Holding a descriptor
    /// is cheap, so this errs long; <see cref="MaxHeldRotatedFiles"/> bounds how many are held.
    /// </summary>
    private static readonly TimeSpan RotatedSettle = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Shortest time between two passes that were woken by inotify. A pass stats every held file, so its cost
    /// is per pass, not per line: at 10k lines/s with 50 KB rotation, 5 ms cost 1.3–1.5 CPU-s per 100k lines and
    /// 20 ms 0.8–0.9 (50 ms: 0.7, but 30% more peak RSS at 50k lines/s). Loss does not depend on it — the
    /// watcher thread opens every new file the moment it appears — only latency does (≤ 20 ms, below linger).
    /// Built-in rotation is the exception: its rename → read → acknowledged cycle bounds the pod's memory, so
    /// rotation work gets a pass after <see cref="RotationCheckInterval"/> (a 20 ms-only rhythm halved the
    /// rotation rate in the nginx rotation storm and failed it: 77 rotations where ≥ 100 are required).
    /// </summary>
    private static readonly TimeSpan MinTickInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>With built-in rotation: how often the wait between passes checks for rotation work.</summary>
    private static readonly TimeSpan RotationCheckInterval = TimeSpan.FromMilliseconds(5);

    /// <summary>Above this many held renamed files, finished ones are let go without the settle period.</summary>
    private const int MaxHeldRotatedFiles = 128;

    /// <summary>Identities of recently released files: a late descriptor of one of them must not be read again.</summary>
    private const int ReleasedMemory = 256;

    private readonly ShipperOptions _options;
    private readonly string _path;
    private readonly string _directory;
    private readonly InFlightBudget _budget;
    private readonly ChannelWriter<LineBatch> _channel;
    private readonly ProgressRegistry _registry;
    private readonly ShipperMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly BuiltInRotator? _rotator;
    private readonly InotifyWatcher _watcher;
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>Renamed (or copied) files still being read, oldest first.</summary>
    private readonly List<TailedFile> _rotated = [];

    /// <summary>Files let go whose lines may still be awaiting acknowledgement (rotation waits for them).</summary>
    private readonly List<FileProgress> _releasedUnacked = [];

    /// <summary>Recently released identities, oldest first (bounded by <see cref="ReleasedMemory"/>).</summary>
    private readonly Queue<FileIdentity> _recentlyReleased = new();

    private TailedFile? _live;

    /// <summary>Descriptors from the watcher not yet known to be new files or copies, with when they arrived.</summary>
    private readonly List<(SafeFileHandle Handle, long Since)> _unclassified = [];

    /// <summary>A copy of the live file's content seen at <c>path.1</c> (copytruncate), kept until needed.</summary>
    private SafeFileHandle? _copyCandidate;

    /// <summary>What the live path pointed at during this pass (null: missing).</summary>
    private FileStatus? _pathStatus;
    private bool _rotationDeferredLogged;
    private long _missedReported;

    public Tailer(
        ShipperOptions options,
        InFlightBudget budget,
        ChannelWriter<LineBatch> channel,
        ProgressRegistry registry,
        ShipperMetrics metrics,
        TimeProvider time,
        ILogger logger)
    {
        _options = options;
        _path = System.IO.Path.GetFullPath(options.Path);
        _directory = System.IO.Path.GetDirectoryName(_path)!;
        _budget = budget;
        _channel = channel;
        _registry = registry;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _rotator = options.Rotation.MaxBytes > 0 ? new BuiltInRotator(_path, options.Rotation, metrics, logger) : null;
        _watcher = new InotifyWatcher(_path, options.Rotation.Keep, Wake);
        budget.RoomAvailable += Wake;
    }

    /// <summary>Unread bytes in all open files (what a shutdown leaves behind).</summary>
    public long UnreadBytes => (_live?.UnreadBytes ?? 0) + _rotated.Sum(f => f.UnreadBytes);

    /// <summary>Timestamp of the last pass (liveness).</summary>
    public long LastTick { get; private set; }

    /// <summary>Any thread: something may have changed, run a pass soon.</summary>
    public void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another waker got there first; one wake-up is enough.
            }
        }
    }

    /// <summary>Sleeps until woken (inotify, budget room) or the poll interval passes.</summary>
    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _wake.WaitAsync(_options.PollInterval, cancellationToken);
            // Coalesce wake-ups: a writer appending line by line would otherwise cost a full pass (a stat of
            // every held file) per line. Opening short-lived files does not depend on this loop (the watcher
            // does it), so a few milliseconds of added latency lose nothing.
            // Built-in rotation must not wait for the next full pass: at 10k lines/s a 20 ms wait lets a 50 KB file
            // grow by ~36 KB, and a slow rename → read → ack cycle defers renames: past the pod's memory budget.
            // Passes stay at least RotationCheckInterval apart either way. Timer waits are whole milliseconds, so a
            // sub-millisecond remainder ends the wait rather than costing another timer round.
            var elapsed = _time.GetElapsedTime(LastTick);
            while (MinTickInterval - elapsed >= TimeSpan.FromMilliseconds(1)
                   && !(elapsed >= RotationCheckInterval && RotationWorkPending()))
            {
                var wait = MinTickInterval - elapsed;
                if (_rotator is not null)
                {
                    var step = elapsed < RotationCheckInterval ? RotationCheckInterval - elapsed : RotationCheckInterval;
                    wait = step < wait ? step : wait;
                }

                await Task.Delay(wait, _time, cancellationToken);
                elapsed = _time.GetElapsedTime(LastTick);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

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
        if (!draining)
        {
            MaybeRotate(now);
        }

        var progressed = false;
        foreach (var file in _rotated.ToArray())
        {
            if (!file.WriterMovedOn && NewerFileHasData(file))
            {
                file.WriterMovedOn = true;
                file.WriterMovedAt = now;
            }

            var (read, atEnd) = await ReadAsync(file, cancellationToken);
            progressed |= read;
            if (atEnd && !draining && ShouldRelease(file, now))
            {
                await ReleaseAsync(file, cancellationToken);
            }
        }

        if (_live is { } live)
        {
            var (read, _) = await ReadAsync(live, cancellationToken);
            progressed |= read;
        }

        EnforceBacklog();
        _releasedUnacked.RemoveAll(p => p.PendingCount == 0);
        _metrics.LagBytes.Set(UnreadBytes + (_live?.Reader.Pending ?? 0) + _rotated.Sum(f => (long)f.Reader.Pending));
        _metrics.FilesOpen.Set(_rotated.Count + (_live is null ? 0 : 1));
        return progressed;
    }

    public void Dispose()
    {
        _budget.RoomAvailable -= Wake;
        _watcher.Dispose();
        _copyCandidate?.Dispose();
        foreach (var (handle, _) in _unclassified)
        {
            handle.Dispose();
        }

        _live?.Dispose();
        foreach (var file in _rotated)
        {
            file.Dispose();
        }

        _wake.Dispose();
    }

    private static bool IsMissing(Exception ex) => ex is FileNotFoundException or DirectoryNotFoundException;

    /// <summary>
    /// A copytruncate rotator's copy (<c>path.1</c>) starts with content the loop already reads under the
    /// live file's identity: reading it as a new file would send every line twice. A copy of the live
    /// content is kept as the candidate to finish the live file from when the truncation is noticed
    /// (opening it only then may be too late under fast rotation); a copy of finished content is closed.
    /// </summary>
    private bool IsCopyOfKnownContent(SafeFileHandle handle, FileStatus status)
    {
        if (FileIdentity.TryCompute(handle, status.Device, status.Inode) is not { } head)
        {
            return false;
        }

        if (_live?.Identity is { } live && live.SameContent(head))
        {
            _copyCandidate?.Dispose();
            _copyCandidate = handle;
            return true;
        }

        if (_rotated.Any(r => r.Identity?.SameContent(head) == true) || _recentlyReleased.Any(r => r.SameContent(head)))
        {
            handle.Dispose();
            return true;
        }

        return false;
    }

    private bool Holds(FileStatus status) =>
        _live?.Status.SameFile(status) == true || _rotated.Any(r => r.Status.SameFile(status));

    /// <summary>
    /// The watcher may hand over a descriptor of a file the loop has read and let go meanwhile (it was
    /// still at <c>path.1</c>). Same device+inode is not enough (inodes are reused): the content must
    /// start with the released file's fingerprint too.
    /// </summary>
    private bool WasReleased(FileStatus status, SafeFileHandle handle)
    {
        foreach (var identity in _recentlyReleased)
        {
            if (identity.Device == status.Device && identity.Inode == status.Inode && identity.Matches(handle))
            {
                return true;
            }
        }

        return false;
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

        // Chain files the watcher opened, oldest first: some may already be renamed away (or deleted).
        var handed = new List<(SafeFileHandle Handle, long Since)>(_unclassified);
        _unclassified.Clear();
        while (_watcher.TryTakeOpened(out var taken))
        {
            handed.Add((taken, now));
        }

        foreach (var (handle, since) in handed)
        {
            var created = LibC.StatHandle(handle);
            if (Holds(created) || WasReleased(created, handle))
            {
                handle.Dispose();
                continue;
            }

            // A sibling whose first line is not complete yet may be a copy still being written
            // (copytruncate): decide once its head can be compared, or after the settle period.
            if (status?.SameFile(created) != true && _time.GetElapsedTime(since, now) < RotatedSettle
                && FileIdentity.TryCompute(handle, created.Device, created.Inode) is null)
            {
                _unclassified.Add((handle, since));
                continue;
            }

            if (IsCopyOfKnownContent(handle, created))
            {
                continue;
            }

            if (_live is { } current && status?.SameFile(current.Status) != true)
            {
                MarkRotated(current, now);
                _live = null;
            }

            Log.Following(_logger, _path, created.Device, created.Inode);
            var file = new TailedFile(_path, handle, created with { Size = 0 }, _options.MaxLineBytes, 0, now);
            if (_live is null && status?.SameFile(created) == true)
            {
                _live = file;
            }
            else
            {
                MarkRotated(file, now);
            }
        }

        if (_live is { } live && status?.SameFile(live.Status) != true)
        {
            // Renamed away (or deleted): keep reading through the descriptor we hold.
            MarkRotated(live, now);
            _live = null;
        }

        if (_live is null && status is { } st)
        {
            // The path may point at a file already held as renamed (creations seen out of order): it is live.
            var held = _rotated.FindIndex(r => r.Status.SameFile(st));
            if (held >= 0)
            {
                _live = _rotated[held];
                _live.Rotated = false;
                _rotated.RemoveAt(held);
            }
            else
            {
                _live = Open(_path, startOffset: 0, now);
            }
        }
    }

    private void MarkRotated(TailedFile file, long now)
    {
        file.Rotated = true;
        file.LastGrowth = now;
        _rotated.Add(file);
        _metrics.RotationsFollowed.Increment();
        Log.RotationObserved(_logger, file.Path);
    }

    private TailedFile? Open(string path, long startOffset, long now)
    {
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception ex) when (IsMissing(ex))
        {
            return null; // Renamed again between stat and open: the next pass sees the new state.
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.ReadFailed(_logger, path, ex.Message);
            return null;
        }

        var status = LibC.StatHandle(handle);
        Log.Following(_logger, path, status.Device, status.Inode);
        return new TailedFile(path, handle, status with { Size = 0 }, _options.MaxLineBytes, startOffset, now);
    }

    private void RefreshAll(long now)
    {
        foreach (var file in _rotated)
        {
            file.Refresh(now);
        }

        if (_live is { } live)
        {
            var before = live.Status.Size;
            live.Refresh(now);
            var truncated = live.Status.Size < live.Reader.ReadOffset
                            || (live.Identity is not null && live.Status.Size != before && !live.Identity.Matches(live.Handle));
            if (truncated)
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

    /// <summary>Called for a renamed file that was just read to its end.</summary>
    private bool ShouldRelease(TailedFile file, long now)
    {
        if (_time.GetElapsedTime(file.LastGrowth, now) >= _options.RotatedFileIdleRelease)
        {
            return true;
        }

        if (!file.WriterMovedOn)
        {
            return false;
        }

        var quietSince = Math.Max(file.WriterMovedAt, file.LastGrowth);
        return _time.GetElapsedTime(quietSince, now) >= RotatedSettle || _rotated.Count > MaxHeldRotatedFiles;
    }

    /// <summary>Reads a file to its end or until the budget is spent; returns (read anything, reached the end).</summary>
    private async ValueTask<(bool Read, bool AtEnd)> ReadAsync(TailedFile file, CancellationToken cancellationToken)
    {
        var read = false;
        while (true)
        {
            if (!_budget.HasRoom)
            {
                return (read, false);
            }

            int n;
            try
            {
                n = file.Reader.Fill(file.Handle);
            }
            catch (IOException ex)
            {
                Log.ReadFailed(_logger, file.Path, ex.Message);
                return (read, false);
            }

            if (n == 0)
            {
                return (read, true);
            }

            read = true;
            _metrics.BytesRead.Increment(n);
            if (!EnsureIdentity(file, allowShort: false))
            {
                continue; // The first line is not complete yet: nothing can be shipped before it is.
            }

            var batch = new BatchBuilder(this, file);
            file.Reader.Split(batch);
            await SendAsync(batch.Batch, cancellationToken);
        }
    }

    private bool EnsureIdentity(TailedFile file, bool allowShort)
    {
        if (file.Identity is not null)
        {
            return true;
        }

        var identity = FileIdentity.TryCompute(file.Handle, file.Status.Device, file.Status.Inode, allowShort);
        if (identity is null)
        {
            return false;
        }

        file.Identity = identity;
        file.Progress = new FileProgress(identity, file.Reader.ReadOffset - file.Reader.Pending, file.Path);
        _registry.Add(file.Progress);
        return true;
    }

    private async ValueTask SendAsync(LineBatch? batch, CancellationToken cancellationToken)
    {
        if (batch is null || batch.Lines.Count == 0)
        {
            return;
        }

        _budget.Add(batch.Bytes, batch.Lines.Count);
        // Never blocks: the channel is bounded by the byte budget checked before each read.
        if (!_channel.TryWrite(batch))
        {
            await _channel.WriteAsync(batch, cancellationToken);
        }
    }

    /// <summary>A renamed file read to its end after the writer moved on: ship a last unterminated line, close it.</summary>
    private async ValueTask ReleaseAsync(TailedFile file, CancellationToken cancellationToken)
    {
        if (file.Reader.Pending > 0 && EnsureIdentity(file, allowShort: true))
        {
            var batch = new BatchBuilder(this, file);
            file.Reader.FlushPartial(batch);
            await SendAsync(batch.Batch, cancellationToken);
        }

        Forget(file);
        _metrics.FilesReleased.Increment();
        Log.Released(_logger, file.Path, file.Identity, file.Reader.ReadOffset);
    }

    /// <summary>A late descriptor (or copytruncate copy) of this content must not be read again.</summary>
    private void RememberReleased(TailedFile file)
    {
        if (file.Identity is { } identity)
        {
            _recentlyReleased.Enqueue(identity);
            if (_recentlyReleased.Count > ReleasedMemory)
            {
                _recentlyReleased.Dequeue();
            }
        }
    }

    /// <summary>Closes a file; its checkpoint entry lives on until every line of it is acknowledged.</summary>
    private void Forget(TailedFile file)
    {
        _rotated.Remove(file);
        RememberReleased(file);

        if (file.Progress is { } progress)
        {
            progress.Released = true;
            _releasedUnacked.Add(progress);
        }

        file.Dispose();
    }

    private void EnforceBacklog()
    {
        var total = UnreadBytes;
        while (total > _options.MaxBacklogBytes && _rotated.Count > 0)
        {
            var oldest = _rotated[0];
            var lost = oldest.UnreadBytes + oldest.Reader.Pending;
            Log.BacklogDropped(_logger, _options.MaxBacklogBytes, oldest.Identity?.ToString() ?? oldest.Path, lost);
            _metrics.BytesDropped.Increment(lost);
            total -= oldest.UnreadBytes;
            Forget(oldest);
        }
    }

    /// <summary>Builds one batch from what the line reader finds; runs on the tail loop.</summary>
    private sealed class BatchBuilder(Tailer owner, TailedFile file) : ILineSink
    {
        private readonly long _timestamp = owner._time.GetTimestamp();

        public LineBatch? Batch { get; private set; }

        public void OnLine(ReadOnlySpan<byte> line, long offset, long commitOffset, bool truncated)
        {
            var progress = file.Progress!;
            Batch ??= LineBatch.Rent(file.Identity!);
            var pending = progress.Track(commitOffset, line.Length + InFlightBudget.PerLineOverhead, _timestamp);
            Batch.Add(line, offset, truncated, pending);
            owner._metrics.LinesRead.Increment();
            if (truncated)
            {
                owner._metrics.LinesTruncated.Increment();
                Log.LineTruncated(owner._logger, file.Identity!, offset, line.Length, owner._options.MaxLineBytes);
            }
        }

        public void OnSkipped(long commitOffset) => file.Progress!.Skip(commitOffset);
    }
}
