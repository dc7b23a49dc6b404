using LogPipeline.Shipper.Checkpointing;
using LogPipeline.Shipper.Diagnostics;
using LogPipeline.Shipper.Lines;
using LogPipeline.Shipper.Native;

namespace LogPipeline.Shipper.Tailing;

/// <summary>Start-up: pick up where the checkpoint registry says (tail loop thread, before the first pass).</summary>
internal sealed partial class Tailer
{
    /// <summary>
    /// Matches the live file and its rotated siblings (<c>path.Keep</c> … <c>path.1</c>, oldest first) to
    /// checkpoint entries by device+inode, confirmed by the fingerprint, and resumes each at its delivered
    /// offset; <see cref="RecoveryPolicy.Decide"/> says what happens to the others.
    /// </summary>
    public void Recover(CheckpointDocument? document)
    {
        var now = _time.GetTimestamp();
        var entries = document?.Files ?? [];
        var keep = Math.Max(1, _options.Rotation.Keep);
        for (var k = keep; k >= 0; k--)
        {
            var path = k == 0 ? _path : $"{_path}.{k}";
            if (LibC.StatPath(path) is not { } status || _files.Holds(status))
            {
                continue;
            }

            var resumed = TryResume(path, status, entries, now);
            TailedFile? file;
            switch (RecoveryPolicy.Decide(k, resumed is not null, document?.WrittenAtUnixMs, status.MtimeUnixMs))
            {
                case RecoveryAction.Resume:
                    file = resumed;
                    break;
                case RecoveryAction.ReadFromStart:
                    file = _reader.Open(path, 0, now);
                    Log.ReadingUnknownSibling(_logger, path, status.Inode);
                    break;
                default:
                    continue;
            }

            if (file is null)
            {
                continue;
            }

            file.Refresh(now);
            Move(file, k == 0 ? FileEvent.FoundAtPath : FileEvent.Recovered, now);
        }
    }

    /// <summary>The file at <paramref name="path"/> opened at its checkpoint entry's offset, if it is that entry's file.</summary>
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
            var file = _reader.Open(path, entry.Offset, now);
            if (file is null)
            {
                return null;
            }

            if (!identity.Matches(file.Handle) || LibC.StatHandle(file.Handle).Size < entry.Offset)
            {
                file.Dispose(); // Same inode, different content: a reused inode, not our file.
                return null;
            }

            _reader.Resume(file, identity, entry.Offset);
            Log.Resuming(_logger, entry.File, path, entry.Offset);
            return file;
        }

        return null;
    }
}
