using LogPipeline.Shipper.Diagnostics;
using LogPipeline.Shipper.Native;
using Microsoft.Win32.SafeHandles;

namespace LogPipeline.Shipper.Tailing;

/// <summary>Built-in rotation and copytruncate handling (tail loop thread).</summary>
internal sealed partial class Tailer
{
    /// <summary>
    /// Rotates the live file once it passed <c>Rotation:MaxBytes</c> — unless the file the rename chain
    /// would overwrite still has unread or unacknowledged lines: then the live file keeps growing (up to
    /// <c>Shipper:MaxBacklogBytes</c>) rather than losing them if the shipper were killed before
    /// finishing. Lagging thus costs a larger live file, never data.
    /// </summary>
    private void MaybeRotate(long now)
    {
        if (_rotator is null || _live is not { } live || live.Status.Size < _rotator.MaxBytes)
        {
            return;
        }

        if (VictimBlocked() && live.Status.Size < _options.MaxBacklogBytes)
        {
            if (!_rotationDeferredLogged)
            {
                _metrics.RotationsDeferred.Increment();
                _rotationDeferredLogged = true;
            }

            return;
        }

        _rotationDeferredLogged = false;
        if (!_rotator.Rotate(live.Status.Size))
        {
            return;
        }

        // Follow the renames: path.k → path.(k+1), the live file → path.1.
        foreach (var file in _rotated)
        {
            file.Path = ShiftedPath(file.Path);
            file.Progress?.Path = file.Path;
        }

        foreach (var progress in _releasedUnacked)
        {
            progress.Path = ShiftedPath(progress.Path);
        }

        live.Path = _rotator.Sibling(1);
        live.Progress?.Path = live.Path;
        MarkRotated(live, now);
        _live = null;
    }

    /// <summary>The file the next rename would overwrite still has unread or unacknowledged lines.</summary>
    private bool VictimBlocked()
    {
        var victim = _rotator!.OldestKeptPath;
        return _rotated.Any(f => f.Path == victim && (f.UnreadBytes > 0 || f.Reader.Pending > 0 || f.Progress?.PendingCount > 0))
               || _releasedUnacked.Any(p => p.Path == victim && p.PendingCount > 0);
    }

    /// <summary>
    /// Built-in rotation has work a pass should do now rather than at the next full pass: a file it renamed is not
    /// read to its end yet, or the live file reached <c>Rotation:MaxBytes</c> and nothing blocks the rename. The
    /// pod's memory budget depends on this cycle (rename → read → acknowledged → next rename) staying short.
    /// In-memory checks plus one fstat of the live file.
    /// </summary>
    private bool RotationWorkPending()
    {
        if (_rotator is null)
        {
            return false;
        }

        if (_rotated.Any(f => f.UnreadBytes > 0))
        {
            return true;
        }

        return _live is { } live && LibC.StatHandle(live.Handle).Size >= _rotator.MaxBytes && !VictimBlocked();
    }

    private string ShiftedPath(string path)
    {
        for (var k = _rotator!.Keep; k >= 1; k--)
        {
            if (path == _rotator.Sibling(k))
            {
                return k == _rotator.Keep ? path + ".deleted" : _rotator.Sibling(k + 1);
            }
        }

        return path;
    }

    /// <summary>
    /// The live file shrank (or its head changed) under us: a copytruncate. Whatever we had not read yet
    /// is gone from the live file, but the rotator copied it to <c>path.1</c> first: if that copy starts
    /// with the same content, finish reading from it at the same offsets (same identity), then continue
    /// the live file from 0 as new content. Lines written between the copy and the truncate are lost by
    /// the rotator itself; nothing can recover those.
    /// </summary>
    private void HandleTruncation(TailedFile live, long now)
    {
        _metrics.Truncations.Increment();
        var copyPath = _path + ".1";
        long recovered = 0;
        var candidate = _copyCandidate;
        _copyCandidate = null;
        if (live.Identity is not null && (TryUseCopy(candidate, live) ?? TryOpenCopy(copyPath, live)) is { } copy)
        {
            live.SwapHandle(copy, copyPath);
            recovered = live.UnreadBytes;
            _metrics.TruncationRecovered.Increment(recovered);
            live.Rotated = true;
            live.WriterMovedOn = true;
            live.WriterMovedAt = now - (long)(RotatedSettle.TotalSeconds * _time.TimestampFrequency);
            _rotated.Add(live);
        }
        else
        {
            // An incomplete line of the old content can never be completed now.
            _metrics.BytesDropped.Increment(live.Reader.Discard());
            RememberReleased(live);
            if (live.Progress is { } progress)
            {
                progress.Released = true;
                _releasedUnacked.Add(progress);
            }

            live.Dispose();
        }

        Log.Truncated(_logger, _path, live.Reader.ReadOffset, recovered, copyPath);
        _live = null;
        ObserveLivePath(now);
        _live?.Refresh(now);
    }

    /// <summary>The copy the watcher caught earlier, if it holds what is still unread.</summary>
    private static SafeFileHandle? TryUseCopy(SafeFileHandle? candidate, TailedFile live)
    {
        if (candidate is null)
        {
            return null;
        }

        var status = Native.LibC.StatHandle(candidate);
        if (!status.SameFile(live.Status) && status.Size >= live.Reader.ReadOffset && live.Identity!.Matches(candidate))
        {
            return candidate;
        }

        candidate.Dispose();
        return null;
    }

    private static SafeFileHandle? TryOpenCopy(string copyPath, TailedFile live)
    {
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(copyPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var status = Native.LibC.StatHandle(handle);
        if (!status.SameFile(live.Status) && status.Size > live.Reader.ReadOffset && live.Identity!.Matches(handle))
        {
            return handle;
        }

        handle.Dispose();
        return null;
    }
}
