using LogPipeline.Shipper.Options;

namespace LogPipeline.Shipper.Tailing;

/// <summary>
/// When a renamed file that was just read to its end is let go. Pure over timestamps (<see cref="TimeProvider"/>
/// ticks); the tail loop asks it, nothing here touches a file.
/// </summary>
internal sealed class ReleasePolicy(TimeProvider time, TimeSpan idleRelease)
{
    /// <summary>
    /// A renamed file is let go only after the writer was seen writing to a newer file AND the renamed
    /// file has not grown for this long since its last growth (nginx workers reopen one after the other,
    /// and one that has not handled SIGUSR1 yet still appends to the renamed file). Holding a descriptor
    /// is cheap, so this errs long; <see cref="MaxHeldRenamedFiles"/> bounds how many are held.
    /// </summary>
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);

    /// <summary>Above this many held renamed files, finished ones are let go without the settle period.</summary>
    public const int MaxHeldRenamedFiles = 128;

    public ReleasePolicy(TimeProvider time, ShipperOptions options)
        : this(time, options.RotatedFileIdleRelease)
    {
    }

    /// <summary>
    /// <paramref name="lastGrowth"/>: when the file last grew; <paramref name="writerMovedAt"/>: when a newer file got
    /// data (<see cref="FileState.WriterMovedOn"/> only); <paramref name="heldRenamed"/>: renamed files held open.
    /// </summary>
    public bool ShouldRelease(FileState state, long lastGrowth, long writerMovedAt, int heldRenamed, long now)
    {
        // Idle fallback: a writer that never moves on (nothing at the path gets data) still lets go eventually.
        if (time.GetElapsedTime(lastGrowth, now) >= idleRelease)
        {
            return true;
        }

        long quietSince;
        switch (state)
        {
            case FileState.WriterMovedOn:
                quietSince = Math.Max(writerMovedAt, lastGrowth);
                break;
            case FileState.FinishingCopy:
                // Nobody writes a copy: only its own growth (the rotator still copying) counts.
                quietSince = lastGrowth;
                break;
            case FileState.AwaitingCopy:
                // Since the truncation (the clock restarted then): a copy the watcher holds arrives within a pass or two.
                quietSince = lastGrowth;
                break;
            default:
                return false;
        }

        return time.GetElapsedTime(quietSince, now) >= Settle || heldRenamed > MaxHeldRenamedFiles;
    }
}
