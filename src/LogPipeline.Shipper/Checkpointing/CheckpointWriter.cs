using LogPipeline.Shipper.Diagnostics;
using Microsoft.Extensions.Logging;

namespace LogPipeline.Shipper.Checkpointing;

/// <summary>
/// Writes the registry every <c>Shipper:CheckpointInterval</c> when something changed, and once more at
/// shutdown. Runs on its own task; <see cref="WriteNow"/> is serialised by a lock so the final write
/// cannot interleave with a periodic one.
/// </summary>
internal sealed class CheckpointWriter(CheckpointStore store, ProgressRegistry registry, ShipperMetrics metrics, TimeProvider time, ILogger logger)
{
    private readonly Lock _gate = new();
    private string? _last;

    public async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                WriteNow();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Writes the current delivered positions if they changed; returns false when the write failed.</summary>
    public bool WriteNow()
    {
        lock (_gate)
        {
            var entries = registry.Snapshot();
            var key = string.Join('|', entries.Select(e => $"{e.File}@{e.Offset}"));
            if (key == _last)
            {
                return true;
            }

            try
            {
                store.Save(new CheckpointDocument
                {
                    WrittenAtUnixMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
                    Files = entries,
                });
                _last = key;
                metrics.CheckpointWrites.Increment();
                return true;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                metrics.CheckpointErrors.Increment();
                Log.CheckpointFailed(logger, store.FilePath, ex.Message);
                return false;
            }
        }
    }
}
