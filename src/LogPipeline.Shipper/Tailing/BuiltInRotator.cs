using System.Globalization;
using System.Runtime.InteropServices;
using LogPipeline.Shipper.Diagnostics;
using LogPipeline.Shipper.Native;
using LogPipeline.Shipper.Options;
using Microsoft.Extensions.Logging;

namespace LogPipeline.Shipper.Tailing;

/// <summary>
/// Size rotation the way logrotate + nginx do it: rename <c>path.(k)</c> → <c>path.(k+1)</c> up to Keep,
/// <c>path</c> → <c>path.1</c>, then SIGUSR1 to the pid in the pid file so nginx reopens its log.
/// When is decided over the <see cref="FileSet"/> (<see cref="Decide"/>: whether the file about to be overwritten was
/// delivered). Threading: tail loop only.
/// </summary>
internal sealed class BuiltInRotator(string path, RotationOptions options, ShipperMetrics metrics, ILogger logger)
{
    /// <summary>The deferral of the current over-size period was counted (one count per period, not per pass).</summary>
    private bool _deferralCounted;

    public long MaxBytes => options.MaxBytes;

    public int Keep => options.Keep;

    /// <summary>The sibling the next rotation overwrites (its data must be delivered first).</summary>
    public string OldestKeptPath => Sibling(options.Keep);

    public string Sibling(int index) => $"{path}.{index.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Rotate once the live file passed <c>Rotation:MaxBytes</c> — unless the file the rename chain would overwrite
    /// still has unread or unacknowledged lines: then the live file keeps growing (up to <c>Shipper:MaxBacklogBytes</c>)
    /// rather than losing them if the shipper were killed before finishing. Lagging thus costs a larger live file,
    /// never data. Pure.
    /// </summary>
    public static RotationDecision Decide(long liveSize, long maxBytes, bool victimUndelivered, long maxBacklogBytes) =>
        liveSize < maxBytes ? RotationDecision.NotDue
        : victimUndelivered && liveSize < maxBacklogBytes ? RotationDecision.Defer
        : RotationDecision.Rotate;

    /// <summary>Where a file at <paramref name="file"/> is after one rotation (<c>path.k</c> → <c>path.(k+1)</c>). Pure.</summary>
    public string ShiftedPath(string file)
    {
        for (var k = options.Keep; k >= 1; k--)
        {
            if (file == Sibling(k))
            {
                return k == options.Keep ? file + ".deleted" : Sibling(k + 1);
            }
        }

        return file;
    }

    /// <summary>
    /// Renames the chain when due and allowed, and makes every held path follow (the live file becomes
    /// <c>path.1</c>). Returns true when the live file was renamed; the caller moves it to <see cref="FileState.Rotated"/>.
    /// </summary>
    public bool TryRotate(FileSet files, long maxBacklogBytes)
    {
        if (files.Live is not { } live || live.Status.Size < MaxBytes)
        {
            return false; // Checked first: the victim scan is not free and most passes are not due.
        }

        switch (Decide(live.Status.Size, MaxBytes, files.HasUndelivered(OldestKeptPath), maxBacklogBytes))
        {
            case RotationDecision.NotDue:
                return false;
            case RotationDecision.Defer:
                if (!_deferralCounted)
                {
                    metrics.RotationsDeferred.Increment();
                    _deferralCounted = true;
                }

                return false;
        }

        _deferralCounted = false;
        if (!Rotate(live.Status.Size))
        {
            return false;
        }

        files.ShiftPaths(ShiftedPath);
        live.Path = Sibling(1);
        live.Progress?.Path = live.Path;
        return true;
    }

    /// <summary>
    /// Rotation has work a pass should do now rather than at the next full pass: a file it renamed is not read to its
    /// end yet, or the live file reached <c>Rotation:MaxBytes</c> and nothing blocks the rename. The pod's memory
    /// budget depends on this cycle (rename → read → acknowledged → next rename) staying short. In-memory checks plus
    /// one fstat of the live file.
    /// </summary>
    public bool WorkPending(FileSet files) =>
        files.Renamed.Any(f => f.UnreadBytes > 0)
        || (files.Live is { } live && LibC.StatHandle(live.Handle).Size >= MaxBytes && !files.HasUndelivered(OldestKeptPath));

    /// <summary>Renames the chain and signals the writer; false (logged) when the rename failed.</summary>
    public bool Rotate(long size)
    {
        try
        {
            for (var k = options.Keep - 1; k >= 1; k--)
            {
                if (File.Exists(Sibling(k)))
                {
                    File.Move(Sibling(k), Sibling(k + 1), overwrite: true);
                }
            }

            File.Move(path, Sibling(1), overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.RotationFailed(logger, path, ex.Message);
            return false;
        }

        metrics.RotationsPerformed.Increment();
        var pid = SignalWriter();
        Log.Rotated(logger, path, size, pid);
        return true;
    }

    private int SignalWriter()
    {
        var pidFile = options.PidFile!;
        string reason;
        try
        {
            var text = File.ReadAllText(pidFile).Trim();
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0)
            {
                if (LibC.Kill(pid, LibC.SIGUSR1) == 0)
                {
                    return pid;
                }

                reason = $"kill({pid}, SIGUSR1) failed with errno {Marshal.GetLastPInvokeError()}";
            }
            else
            {
                reason = $"'{text}' is not a pid";
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            reason = ex.Message;
        }

        metrics.RotationSignalErrors.Increment();
        Log.SignalFailed(logger, pidFile, reason);
        return 0;
    }
}

/// <summary>What <see cref="BuiltInRotator.Decide"/> says about the live file.</summary>
internal enum RotationDecision
{
    /// <summary>Below <c>Rotation:MaxBytes</c>.</summary>
    NotDue,

    /// <summary>Due, but the file the renames would overwrite is not delivered yet.</summary>
    Defer,

    /// <summary>Due and allowed (or the backlog limit overrides the deferral).</summary>
    Rotate,
}
