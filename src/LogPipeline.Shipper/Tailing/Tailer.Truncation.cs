using LogPipeline.Shipper.Diagnostics;
using LogPipeline.Shipper.Native;
using Microsoft.Win32.SafeHandles;

namespace LogPipeline.Shipper.Tailing;

/// <summary>Copytruncate handling (tail loop thread).</summary>
internal sealed partial class Tailer
{
    /// <summary>
    /// The live file shrank (or its head changed) under us: a copytruncate. Whatever we had not read yet
    /// is gone from the live file, but the rotator copied it to <c>path.1</c> first: if that copy starts
    /// with the same content, finish reading from it at the same offsets (same identity, state
    /// <see cref="FileState.FinishingCopy"/>), then continue the live file from 0 as new content. Lines written
    /// between the copy and the truncate are lost by the rotator itself; nothing can recover those.
    /// When neither the watcher's candidate nor <c>path.1</c> is the copy, the rotator may have rotated again
    /// already (a writer catching up rotates twice within a millisecond): the watcher may still hand over a
    /// descriptor of the first copy, opened before it was deleted but queued after this pass took the queue.
    /// The file then waits for it (<see cref="FileState.AwaitingCopy"/>) instead of being let go.
    /// </summary>
    private void HandleTruncation(TailedFile live, long now)
    {
        _metrics.Truncations.Increment();
        var copyPath = _path + ".1";
        long recovered = 0;
        var candidate = _files.TakeCopyCandidate();
        if (live.Identity is not null && (TryUseCopy(candidate, live) ?? TryOpenCopy(copyPath, live)) is { } copy)
        {
            live.SwapHandle(copy, copyPath);
            recovered = live.UnreadBytes;
            _metrics.TruncationRecovered.Increment(recovered);
            Move(live, FileEvent.TruncatedCopyFound, now);
        }
        else if (live.Identity is not null)
        {
            // Its partial line stays buffered: the copy, if it comes, completes it.
            Move(live, FileEvent.TruncatedCopyPending, now);
        }
        else
        {
            candidate?.Dispose(); // Nothing to compare it with: the live file's head was never complete.

            // An incomplete line of the old content can never be completed now (the transition drops it).
            Move(live, FileEvent.TruncatedNoCopy, now);
        }

        Log.Truncated(_logger, _path, live.Reader.ReadOffset, recovered, copyPath);
        ObserveLivePath(now);
        _files.Live?.Refresh(now);
    }

    /// <summary>A descriptor handed over after the truncation starts with the truncated file's content: read on from it.</summary>
    private void FinishFromLateCopy(TailedFile truncated, SafeFileHandle copy, long now)
    {
        truncated.SwapHandle(copy, _path + ".1");
        _metrics.TruncationRecovered.Increment(truncated.UnreadBytes);
        Log.TruncatedCopyLate(_logger, truncated.Identity!, truncated.Reader.ReadOffset, truncated.UnreadBytes);
        Move(truncated, FileEvent.CopyOfTruncated, now);
    }

    /// <summary>Truncated files whose copy did not come within the settle period are let go; their unread rest is lost.</summary>
    private void ReleaseUncopied(long now)
    {
        foreach (var file in _files.AwaitingCopy.ToArray())
        {
            if (_release.ShouldRelease(file.State, file.LastGrowth, file.WriterMovedAt, 0, now))
            {
                Log.TruncatedCopyMissing(_logger, file.Identity!, file.Reader.ReadOffset);
                Move(file, FileEvent.NoCopyInTime, now);
            }
        }
    }

    /// <summary>The copy the watcher caught earlier, if it holds what is still unread.</summary>
    private static SafeFileHandle? TryUseCopy(SafeFileHandle? candidate, TailedFile live)
    {
        if (candidate is null)
        {
            return null;
        }

        var status = LibC.StatHandle(candidate);
        if (FileClassifier.CopyUsable(
                status.SameFile(live.Status), status.Size, live.Reader.ReadOffset, allowEqual: true, live.Identity!.Matches(candidate)))
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

        var status = LibC.StatHandle(handle);
        if (FileClassifier.CopyUsable(
                status.SameFile(live.Status), status.Size, live.Reader.ReadOffset, allowEqual: false, live.Identity!.Matches(handle)))
        {
            return handle;
        }

        handle.Dispose();
        return null;
    }
}
