namespace LogPipeline.Shipper.Checkpointing;

/// <summary>
/// The files whose progress must be checkpointed. The tail loop adds files; the checkpoint writer takes
/// snapshots and forgets files that were let go and fully acknowledged. Guarded by a lock.
/// </summary>
internal sealed class ProgressRegistry
{
    private readonly Lock _gate = new();
    private readonly List<FileProgress> _files = [];

    public void Add(FileProgress progress)
    {
        lock (_gate)
        {
            _files.Add(progress);
        }
    }

    /// <summary>Current entries; drops the ones that no longer need a checkpoint.</summary>
    public List<CheckpointEntry> Snapshot()
    {
        lock (_gate)
        {
            _files.RemoveAll(f => f.Released && f.PendingCount == 0);
            return [.. _files.Select(f => new CheckpointEntry
            {
                File = f.Identity.ToString(),
                FingerprintLength = f.Identity.FingerprintLength,
                Offset = f.Committed,
                Path = f.Path,
            })];
        }
    }
}
