namespace LogPipeline.Shipper.Tailing;

/// <summary>What start-up does with the live file or one of its rotated siblings.</summary>
internal enum RecoveryAction
{
    /// <summary>Known to the checkpoint (device+inode and fingerprint): resume at the delivered offset.</summary>
    Resume,

    /// <summary>Unknown sibling that may hold unshipped lines: read it from the start.</summary>
    ReadFromStart,

    /// <summary>Unknown sibling finished and forgotten before the checkpoint was written: not read again.</summary>
    Skip,

    /// <summary>The live file, unknown to the checkpoint: new; the first pass opens it from the start.</summary>
    LeaveToFirstPass,
}

/// <summary>Start-up decisions (pure): which file resumes where.</summary>
internal static class RecoveryPolicy
{
    /// <summary>
    /// Kernel file times come from a coarse clock (a scheduler tick behind the real one); a file touched
    /// this close to the checkpoint write is read again rather than risked (re-sends are idempotent).
    /// </summary>
    public const long MtimeSlackMs = 100;

    /// <summary>
    /// <paramref name="sibling"/>: 0 for the live file, k for <c>path.k</c>. <paramref name="resumable"/>: a checkpoint
    /// entry has the same device+inode, the file starts with its fingerprint and is at least as long as the entry's
    /// offset (same inode, other content is a reused inode: not resumable). <paramref name="checkpointWrittenAtUnixMs"/>:
    /// null when there is no checkpoint at all (first start: every sibling is unshipped — nginx may have rotated
    /// before the sidecar was up).
    /// </summary>
    public static RecoveryAction Decide(int sibling, bool resumable, long? checkpointWrittenAtUnixMs, long mtimeUnixMs)
    {
        if (resumable)
        {
            return RecoveryAction.Resume;
        }

        if (sibling == 0)
        {
            return RecoveryAction.LeaveToFirstPass;
        }

        // Modified after the registry was written: born after the last write and rotated before a crash.
        return checkpointWrittenAtUnixMs is not { } writtenAt || mtimeUnixMs > writtenAt - MtimeSlackMs
            ? RecoveryAction.ReadFromStart
            : RecoveryAction.Skip;
    }
}
