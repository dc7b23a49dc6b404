using LogPipeline.Shipper.Checkpointing;
using LogPipeline.Shipper.Diagnostics;
using LogPipeline.Shipper.Native;

namespace LogPipeline.Shipper.Tailing;

/// <summary>Start-up: pick up where the checkpoint registry says (tail loop thread, before the first pass).</summary>
internal sealed partial class Tailer
{
    /// <summary>
    /// Kernel file times come from a coarse clock (a scheduler tick behind the real one); a file touched
    /// this close to the checkpoint write is read again rather than risked (re-sends are idempotent).
    /// </summary>
    private const long MtimeSlackMs = 100;

    /// <summary>
    /// Matches the live file and its rotated siblings (<c>path.Keep</c> … <c>path.1</c>, oldest first) to
    /// checkpoint entries by device+inode, confirmed by the fingerprint, and resumes each at its delivered
    /// offset. A sibling unknown to the registry was either finished and forgotten (modified before the
    /// registry was written: skipped) or born after the last write and rotated before a crash (read from
    /// the start). With no registry at all (first start: the pod's log volume is as new as the shipper), every
    /// sibling is unshipped and read from the start — nginx may have rotated before the sidecar was up.
    /// The live file, if unknown, is new: read from the start.
    /// </summary>
    public void Recover(CheckpointDocument? document)
    {
        var now = _time.GetTimestamp();
        var entries = document?.Files ?? [];
        var keep = Math.Max(1, _options.Rotation.Keep);
        for (var k = keep; k >= 0; k--)
        {
            var path = k == 0 ? _path : $"{_path}.{k}";
            if (LibC.StatPath(path) is not { } status || _rotated.Any(f => f.Status.SameFile(status)))
            {
                continue;
            }

            var resumed = TryResume(path, status, entries, now);
            if (resumed is null && k > 0 && (document is null || status.MtimeUnixMs > document.WrittenAtUnixMs - MtimeSlackMs))
            {
                resumed = Open(path, 0, now);
                Log.ReadingUnknownSibling(_logger, path, status.Inode);
            }

            if (resumed is null)
            {
                continue;
            }

            resumed.Refresh(now);
            if (k == 0)
            {
                _live = resumed;
            }
            else
            {
                resumed.Rotated = true;
                _rotated.Add(resumed);
            }
        }
    }

    private TailedFile? TryResume(string path, FileStatus status, List<CheckpointEntry> entries, long now)
    {
        foreach (var entry in entries)
        {
            if (!FileIdentity.TryParse(entry.File, out var device, out var inode, out var fingerprint)
                || device != status.Device || inode != status.Inode)
            {
                continue;
            }

            var identity = new FileIdentity(device, inode, entry.FingerprintLength, fingerprint);
            var file = Open(path, entry.Offset, now);
            if (file is null)
            {
                return null;
            }

            if (!identity.Matches(file.Handle) || LibC.StatHandle(file.Handle).Size < entry.Offset)
            {
                file.Dispose(); // Same inode, different content: a reused inode, not our file.
                return null;
            }

            file.Identity = identity;
            file.Progress = new FileProgress(identity, entry.Offset, path);
            _registry.Add(file.Progress);
            Log.Resuming(_logger, entry.File, path, entry.Offset);
            return file;
        }

        return null;
    }
}
