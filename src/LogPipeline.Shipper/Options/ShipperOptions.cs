using LogPipeline.Hosting.Configuration;
using Microsoft.Extensions.Options;

namespace LogPipeline.Shipper.Options;

/// <summary>The <c>Shipper</c> section: what to follow, where to keep state, and the memory bounds.</summary>
public sealed class ShipperOptions
{
    public const string Section = "Shipper";

    /// <summary>Fingerprints read at most this much; a line must be allowed to be at least that long.</summary>
    public const int MinLineBytes = 256;

    /// <summary>Kafka's default message.max.bytes is 1,000,000; leave room for key and headers.</summary>
    public const int MaxAllowedLineBytes = 900_000;

    /// <summary>The longest accepted <see cref="ShutdownGracePeriod"/> (also what the host's own timeout accepts).</summary>
    public static readonly TimeSpan MaxShutdownGracePeriod = TimeSpan.FromHours(1);

    /// <summary>The live log file. Rotated siblings are <c>&lt;Path&gt;.1</c> … <c>&lt;Path&gt;.N</c>.</summary>
    [KeyRequired("Shipper:Path", Purpose = "the live log file to follow")]
    public string Path { get; set; } = string.Empty;

    /// <summary>Directory of the checkpoint registry (created when missing).</summary>
    [KeyRequired("Shipper:StateDirectory", Purpose = "where checkpoints are kept")]
    public string StateDirectory { get; set; } = string.Empty;

    /// <summary>Longer lines are cut to this many bytes, flagged <c>lp.truncated: 1</c> and counted.</summary>
    [KeyRange("Shipper:MaxLineBytes", MinLineBytes, MaxAllowedLineBytes)]
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
    [KeyTimeSpanRange("Shipper:ShutdownGracePeriod", "00:00:00", "01:00:00", Rule = "must be between 0 and 1 hour")]
    public TimeSpan ShutdownGracePeriod { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary><c>lp.source</c> header; defaults to <c>POD_NAME</c>, then <c>HOSTNAME</c>, then the machine name.</summary>
    public string? SourceName { get; set; }

    /// <summary>Fallback wake-up when inotify says nothing (or is unavailable).</summary>
    [KeyTimeSpanRange("Shipper:PollInterval", "00:00:00.010", "00:01:00", Rule = "must be between 10 ms and 1 minute")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often the checkpoint registry is written (also written at shutdown).</summary>
    [KeyTimeSpanRange("Shipper:CheckpointInterval", "00:00:00.010", "00:10:00", Rule = "must be between 10 ms and 10 minutes")]
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A renamed file that is at its end and has not grown for this long is let go even when the new
    /// live file has stayed empty (an idle writer). Evidence-based release is the normal path.
    /// </summary>
    [KeyTimeSpanRange("Shipper:RotatedFileIdleRelease", "00:00:01", "10675199.02:48:05.4775807", Rule = "must be at least 1 second")]
    public TimeSpan RotatedFileIdleRelease { get; set; } = TimeSpan.FromMinutes(5);

    [ValidateObjectMembers]
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

/// <summary>The data annotations of <see cref="ShipperOptions"/> (and its <c>Rotation</c>), checked by generated code.</summary>
[OptionsValidator]
public sealed partial class ShipperOptionsValidator : IValidateOptions<ShipperOptions>;
