using LogPipeline.Shipper.Checkpointing;
using LogPipeline.Shipper.Lines;
using LogPipeline.Shipper.Native;
using Microsoft.Win32.SafeHandles;

namespace LogPipeline.Shipper.Tailing;

/// <summary>
/// Every file the tail loop knows about, each in one <see cref="FileState"/>. State changes go through
/// <see cref="Apply"/>, which asks <see cref="FileTransitions"/> for the next state and keeps the per-state indexes
/// (the live file, renamed files oldest first, released entries awaiting acknowledgement, remembered identities,
/// handed-over descriptors) in step with it.
/// Threading: owned by the tail loop. The files' <see cref="FileProgress"/> objects are shared with the Kafka poll
/// thread, which completes their lines (FileProgress locks internally); here they are only read
/// (<see cref="FileProgress.PendingCount"/>) and their paths renamed.
/// </summary>
internal sealed class FileSet : IDisposable
{
    /// <summary>Identities of recently released files: a late descriptor of one of them must not be read again.</summary>
    public const int ReleasedMemory = 256;

    private readonly List<TailedFile> _renamed = [];
    private readonly List<TailedFile> _awaitingCopy = [];
    private readonly List<FileProgress> _releasedUnacked = [];
    private readonly Queue<FileIdentity> _recentlyReleased = new();
    private readonly List<(SafeFileHandle Handle, long Since)> _unclassified = [];

    /// <summary><see cref="FileState.Live"/>: the file the path points at.</summary>
    public TailedFile? Live { get; private set; }

    /// <summary>Renamed (or copied) files still being read, oldest first (<see cref="FileTransitions.IsRenamed"/>).</summary>
    public IReadOnlyList<TailedFile> Renamed => _renamed;

    /// <summary><see cref="FileState.AwaitingCopy"/>: truncated files whose unread rest a late copy may still hold.</summary>
    public IReadOnlyList<TailedFile> AwaitingCopy => _awaitingCopy;

    /// <summary>Released files whose lines may still await acknowledgement (rotation waits for them).</summary>
    public IReadOnlyList<FileProgress> ReleasedUnacked => _releasedUnacked;

    /// <summary><see cref="FileState.CopyCandidate"/>: a copy of the live file's content seen at <c>path.1</c>.</summary>
    public SafeFileHandle? CopyCandidate { get; private set; }

    public int OpenCount => _renamed.Count + (Live is null ? 0 : 1);

    /// <summary>Unread bytes in all open files (what a shutdown leaves behind).</summary>
    public long UnreadBytes => (Live?.UnreadBytes ?? 0) + _renamed.Sum(f => f.UnreadBytes);

    /// <summary>Unread plus read-but-not-cut bytes (the lag metric).</summary>
    public long LagBytes => UnreadBytes + (Live?.Reader.Pending ?? 0) + _renamed.Sum(f => (long)f.Reader.Pending);

    /// <summary>
    /// Moves a file to its next state and returns what the caller still has to do (count, log, flush).
    /// <see cref="TransitionActions.Release"/> is done here: the descriptor is closed, the checkpoint entry kept until
    /// acknowledged, the identity remembered. A caller that must flush a partial line does so before.
    /// </summary>
    public TransitionActions Apply(TailedFile file, FileEvent evt, long now)
    {
        var before = file.State;
        var (next, actions) = FileTransitions.Next(before, evt);
        if (before == FileState.Live)
        {
            Live = null;
        }
        else if (FileTransitions.IsRenamed(before) && !FileTransitions.IsRenamed(next))
        {
            _renamed.Remove(file);
        }

        if (before == FileState.AwaitingCopy)
        {
            _awaitingCopy.Remove(file);
        }

        file.State = next;
        if (actions.HasFlag(TransitionActions.RestartGrowthClock))
        {
            file.LastGrowth = now;
        }

        if (actions.HasFlag(TransitionActions.StampWriterMovedOn))
        {
            file.WriterMovedAt = now;
        }

        if (next == FileState.Live)
        {
            if (Live is not null)
            {
                throw new InvalidOperationException("Two live files.");
            }

            Live = file;
        }
        else if (FileTransitions.IsRenamed(next) && !FileTransitions.IsRenamed(before))
        {
            _renamed.Add(file); // Renamed files keep their age order: the backlog limit drops the oldest.
        }
        else if (next == FileState.AwaitingCopy)
        {
            _awaitingCopy.Add(file);
        }

        if (actions.HasFlag(TransitionActions.Release))
        {
            Release(file);
        }

        return actions;
    }

    /// <summary>Takes the descriptors still <see cref="FileState.Unclassified"/>, oldest first, to classify them again.</summary>
    public List<(SafeFileHandle Handle, long Since)> TakeUnclassified()
    {
        var taken = new List<(SafeFileHandle Handle, long Since)>(_unclassified);
        _unclassified.Clear();
        return taken;
    }

    /// <summary>Applies a handed-over descriptor's classification; returns false when it was closed.</summary>
    public bool ApplyHandoff(SafeFileHandle handle, long since, FileEvent evt)
    {
        var (next, _) = FileTransitions.Next(FileState.Unclassified, evt);
        switch (next)
        {
            case FileState.Unclassified:
                _unclassified.Add((handle, since));
                return true;
            case FileState.CopyCandidate:
                // The older candidate goes CopyCandidate → Closed: the newer copy holds what a truncation needs.
                CopyCandidate?.Dispose();
                CopyCandidate = handle;
                return true;
            case FileState.Closed:
                handle.Dispose();
                return false;
            default:
                throw new InvalidOperationException($"A descriptor is tracked as a file once opened as {next}.");
        }
    }

    /// <summary>Hands the copy candidate to the caller (it either finishes the live file from it or closes it).</summary>
    public SafeFileHandle? TakeCopyCandidate()
    {
        var candidate = CopyCandidate;
        CopyCandidate = null;
        return candidate;
    }

    /// <summary>Same device+inode as a file held open.</summary>
    public bool Holds(FileStatus status) =>
        Live?.Status.SameFile(status) == true || _renamed.Any(r => r.Status.SameFile(status));

    /// <summary>The renamed file the path points at, if one is held (creations seen out of order).</summary>
    public TailedFile? RenamedAt(FileStatus status) => _renamed.Find(r => r.Status.SameFile(status));

    /// <summary>
    /// The watcher may hand over a descriptor of a file the loop has read and let go meanwhile (it was
    /// still at <c>path.1</c>). Same device+inode is not enough (inodes are reused): the content must
    /// start with the released file's fingerprint too (reads the file's head).
    /// </summary>
    public bool WasReleased(FileStatus status, SafeFileHandle handle)
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

    /// <summary>Which known content a descriptor's head matches; <paramref name="size"/> is the descriptor's size.</summary>
    public ContentMatch MatchContent(FileIdentity head, long size)
    {
        if (Live?.Identity is { } live && live.SameContent(head))
        {
            return ContentMatch.Live;
        }

        if (_awaitingCopy.Find(f => f.Identity!.SameContent(head)) is { } truncated)
        {
            // A copy holding no more than was read has nothing to finish it with.
            return size > truncated.Reader.ReadOffset ? ContentMatch.Truncated : ContentMatch.Finished;
        }

        return _renamed.Any(r => r.Identity?.SameContent(head) == true) || _recentlyReleased.Any(r => r.SameContent(head))
            ? ContentMatch.Finished
            : ContentMatch.None;
    }

    /// <summary>
    /// The file <see cref="FileState.AwaitingCopy"/> whose content a descriptor starting with <paramref name="head"/>
    /// and <paramref name="size"/> bytes long can finish: same leading content, more than was read.
    /// </summary>
    public TailedFile? AwaitingCopyOf(FileIdentity head, long size) =>
        _awaitingCopy.Find(f => f.Identity!.SameContent(head) && size > f.Reader.ReadOffset);

    /// <summary>Built-in rotation renamed the chain: every held and awaited path follows.</summary>
    public void ShiftPaths(Func<string, string> shifted)
    {
        foreach (var file in _renamed)
        {
            file.Path = shifted(file.Path);
            file.Progress?.Path = file.Path;
        }

        foreach (var progress in _releasedUnacked)
        {
            progress.Path = shifted(progress.Path);
        }
    }

    /// <summary>A file at <paramref name="path"/> still has unread or unacknowledged lines.</summary>
    public bool HasUndelivered(string path) =>
        _renamed.Any(f => f.Path == path && (f.UnreadBytes > 0 || f.Reader.Pending > 0 || f.Progress?.PendingCount > 0))
        || _releasedUnacked.Any(p => p.Path == path && p.PendingCount > 0);

    /// <summary>Drops released entries whose lines are all acknowledged (their checkpoint entry lives in the registry).</summary>
    public void PruneAcknowledged() => _releasedUnacked.RemoveAll(p => p.PendingCount == 0);

    public void Dispose()
    {
        CopyCandidate?.Dispose();
        foreach (var (handle, _) in _unclassified)
        {
            handle.Dispose();
        }

        Live?.Dispose();
        foreach (var file in _renamed.Concat(_awaitingCopy))
        {
            file.Dispose();
        }
    }

    private void Release(TailedFile file)
    {
        if (file.Identity is { } identity)
        {
            _recentlyReleased.Enqueue(identity);
            if (_recentlyReleased.Count > ReleasedMemory)
            {
                _recentlyReleased.Dequeue();
            }
        }

        if (file.Progress is { } progress)
        {
            progress.Released = true;
            _releasedUnacked.Add(progress);
        }

        file.Dispose();
    }
}
