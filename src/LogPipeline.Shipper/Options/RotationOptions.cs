using LogPipeline.Hosting.Configuration;

namespace LogPipeline.Shipper.Options;

/// <summary>
/// <c>Shipper:Rotation</c>: opt-in size rotation done by the shipper itself (replaces a logrotate sidecar).
/// </summary>
public sealed class RotationOptions
{
    /// <summary>Rotate when the live file reaches this size; 0 turns built-in rotation off.</summary>
    public long MaxBytes { get; set; }

    /// <summary>Rotated files kept on disk (<c>.1</c> … <c>.Keep</c>); also how many siblings are searched on restart.</summary>
    [KeyRange("Shipper:Rotation:Keep", 1, 100)]
    public int Keep { get; set; } = 1;

    /// <summary>The writer's pid file (nginx); it gets SIGUSR1 after each rename so it reopens the log.</summary>
    public string? PidFile { get; set; }
}
