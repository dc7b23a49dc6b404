namespace LogPipeline.Shipper.Options;

/// <summary>The <c>Shipper</c> section: what to follow, where to keep state, and the memory bounds.</summary>
public sealed class ShipperOptions
{
    public const string Section = "Shipper";

    /// <summary>The live log file. Rotated siblings are <c>&lt;Path&gt;.1</c> … <c>&lt;Path&gt;.N</c>.</summary>
    public string Path { get; set; } = string.Empty;

    /// <summary>Directory of the checkpoint registry (created when missing).</summary>
    public string StateDirectory { get; set; } = string.Empty;

    /// <summary>Longer lines are cut to this many bytes, flagged <c>lp.truncated: 1</c> and counted.</summary>
    public int MaxLineBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// Bytes handed to Kafka but not yet acknowledged (channel + librdkafka queue). Reading pauses at
    /// the limit, which is what keeps the sidecar's memory flat while Kafka is slow or down.
    /// </summary>
    public long MaxInFlightBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Unread bytes the shipper may keep on the log volume while it lags (the live file held back from
    /// built-in rotation plus renamed files whose descriptors it still holds). Beyond it the oldest
    /// renamed file is let go unread and its bytes are counted as dropped.
    /// </summary>
    public long MaxBacklogBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>How long SIGTERM may take: drain to end of files, wait for Kafka acknowledgements.</summary>
    public TimeSpan ShutdownGracePeriod { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary><c>lp.source</c> header; defaults to <c>POD_NAME</c>, then <c>HOSTNAME</c>, then the machine name.</summary>
    public string? SourceName { get; set; }

    /// <summary>Fallback wake-up when inotify says nothing (or is unavailable).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often the checkpoint registry is written (also written at shutdown).</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A renamed file that is at its end and has not grown for this long is let go even when the new
    /// live file has stayed empty (an idle writer). Evidence-based release is the normal path.
    /// </summary>
    public TimeSpan RotatedFileIdleRelease { get; set; } = TimeSpan.FromMinutes(5);

    public RotationOptions Rotation { get; set; } = new();

    /// <summary><c>Shipper:Metadata</c>: the <c>lp.meta</c> header (namespace, pod, node, container, labels).</summary>
    public MetadataOptions Metadata { get; set; } = new();

    /// <summary>The effective <c>lp.source</c> value.</summary>
    public string ResolveSourceName() =>
        !string.IsNullOrWhiteSpace(SourceName) ? SourceName
        : Environment.GetEnvironmentVariable("POD_NAME") is { Length: > 0 } pod ? pod
        : Environment.GetEnvironmentVariable("HOSTNAME") is { Length: > 0 } host ? host
        : Environment.MachineName;
}
