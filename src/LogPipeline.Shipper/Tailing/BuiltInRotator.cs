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
/// The tail loop decides when (it knows whether the file about to be overwritten was delivered) and
/// calls <see cref="Rotate"/> on its own thread.
/// </summary>
internal sealed class BuiltInRotator(string path, RotationOptions options, ShipperMetrics metrics, ILogger logger)
{
    public long MaxBytes => options.MaxBytes;

    public int Keep => options.Keep;

    /// <summary>The sibling the next rotation overwrites (its data must be delivered first).</summary>
    public string OldestKeptPath => Sibling(options.Keep);

    public string Sibling(int index) => $"{path}.{index.ToString(CultureInfo.InvariantCulture)}";

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
