namespace LogPipeline.Bench.Workloads;

/// <summary>How the generator hands lines to the tool under test.</summary>
public enum RotationMode
{
    /// <summary>No rotation: one file that only grows.</summary>
    None,

    /// <summary>Rename access.log → access.log.1 (the old .1 is deleted), then reopen: nginx on SIGUSR1.</summary>
    Rename,

    /// <summary>Rename, but keep writing to the renamed file for <see cref="WorkloadSpec.ReopenDelay"/> before reopening.</summary>
    RenameDelayedReopen,

    /// <summary>Copy access.log → access.log.1, then truncate access.log in place (logrotate copytruncate).</summary>
    CopyTruncate,

    /// <summary>The shipper rotates the file itself (Shipper:Rotation:MaxBytes) and signals the writer to reopen.</summary>
    BuiltIn,
}

/// <summary>One row group of the shipper comparison.</summary>
/// <param name="Name">Short stable name (used in tables and file names).</param>
/// <param name="Lines">Lines written in total.</param>
/// <param name="LinesPerSecond">Write rate; 0 = the whole file exists before the tool starts (preloaded).</param>
/// <param name="Rotation">How the file is rotated.</param>
/// <param name="RotateBytes">Rotation threshold (50 KB, as in the pod).</param>
/// <param name="ReopenDelay">For <see cref="RotationMode.RenameDelayedReopen"/>.</param>
/// <param name="OutageAt">When (after the writer starts) all brokers go down, if at all.</param>
/// <param name="OutageFor">How long they stay down.</param>
public sealed record WorkloadSpec(
    string Name,
    int Lines,
    int LinesPerSecond,
    RotationMode Rotation,
    int RotateBytes = 50 * 1024,
    TimeSpan ReopenDelay = default,
    TimeSpan? OutageAt = null,
    TimeSpan OutageFor = default)
{
    public bool Preloaded => LinesPerSecond == 0;

    /// <summary>
    /// Topic partitions. librdkafka's mock broker keeps at most 5 MiB (or 100,000 message sets) per partition and
    /// deletes the oldest beyond that. A preloaded 1M-line burst (~180 MB, lz4-compressed by every tool) is counted
    /// after the run, so it gets enough partitions to hold all of it; rate workloads are counted as they arrive.
    /// </summary>
    public int Partitions => Preloaded ? 32 : 3;

    public string Describe()
    {
        var rate = Preloaded ? "preloaded file" : $"{LinesPerSecond / 1000}k lines/s";
        var rot = Rotation switch
        {
            RotationMode.None => "no rotation",
            RotationMode.Rename => "rename-rotated every 50 KB",
            RotationMode.RenameDelayedReopen => $"rename-rotated every 50 KB, reopen after {ReopenDelay.TotalMilliseconds:0} ms",
            RotationMode.CopyTruncate => "copytruncate every 50 KB",
            RotationMode.BuiltIn => "rotated by the shipper itself every 50 KB",
            _ => Rotation.ToString(),
        };
        var outage = OutageAt is { } at ? $", all brokers down {OutageFor.TotalSeconds:0} s from t={at.TotalSeconds:0} s" : string.Empty;
        return $"{Lines:N0} lines, {rate}, {rot}{outage}";
    }
}
