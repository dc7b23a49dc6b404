namespace LogPipeline.Shipper.Tailing;

/// <summary>
/// The rhythm of the tail loop: a pass when woken (inotify, budget room, a refusal) or when the poll interval
/// passes, coalesced so passes are at least <see cref="MinPassInterval"/> apart — with built-in rotation, rotation
/// work gets a pass after <see cref="RotationCheckInterval"/>.
/// Threading: <see cref="Wake"/> is called from any thread (the inotify watcher thread, librdkafka's delivery
/// thread through the budget, the service); <see cref="WaitAsync"/> only from the tail loop.
/// </summary>
internal sealed class PassScheduler(TimeSpan pollInterval, bool builtInRotation, TimeProvider time) : IDisposable
{
    /// <summary>
    /// Shortest time between two passes that were woken by inotify. A pass stats every held file, so its cost
    /// is per pass, not per line (measured in bench/). Loss does not depend on it — the watcher thread opens every
    /// new file the moment it appears — only latency does (≤ 20 ms, below linger).
    /// Built-in rotation is the exception: its rename → read → acknowledged cycle bounds the pod's memory, so
    /// rotation work gets a pass after <see cref="RotationCheckInterval"/> (a 20 ms-only rhythm halved the
    /// rotation rate in the nginx rotation storm test and failed it).
    /// </summary>
    public static readonly TimeSpan MinPassInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>With built-in rotation: how often the wait between passes checks for rotation work.</summary>
    public static readonly TimeSpan RotationCheckInterval = TimeSpan.FromMilliseconds(5);

    private static readonly TimeSpan TimerResolution = TimeSpan.FromMilliseconds(1);

    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>
    /// How long to wait before the next pass, <paramref name="elapsed"/> after the last one started; null: pass now.
    /// <paramref name="rotationWorkPending"/> (an fstat) is asked only once a rotation check is due. Timer waits are
    /// whole milliseconds, so a sub-millisecond remainder ends the wait rather than costing another timer round.
    /// </summary>
    public static TimeSpan? NextWait(TimeSpan elapsed, bool builtInRotation, Func<bool> rotationWorkPending)
    {
        if (MinPassInterval - elapsed < TimerResolution
            || (builtInRotation && elapsed >= RotationCheckInterval && rotationWorkPending()))
        {
            return null;
        }

        var wait = MinPassInterval - elapsed;
        if (builtInRotation)
        {
            var step = elapsed < RotationCheckInterval ? RotationCheckInterval - elapsed : RotationCheckInterval;
            wait = step < wait ? step : wait;
        }

        return wait;
    }

    /// <summary>Any thread: something may have changed, run a pass soon.</summary>
    public void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another waker got there first; one wake-up is enough.
            }
        }
    }

    /// <summary>Tail loop: sleeps until woken or the poll interval passes, then keeps passes apart.</summary>
    public async Task WaitAsync(long lastPass, Func<bool> rotationWorkPending, CancellationToken cancellationToken)
    {
        try
        {
            // The poll interval is a safety net for a missed wake-up, a real-time wait on the semaphore; the
            // coalescing below runs on the TimeProvider.
            await _wake.WaitAsync(pollInterval, cancellationToken);
            // Coalesce wake-ups: a writer appending line by line would otherwise cost a full pass (a stat of
            // every held file) per line. Opening short-lived files does not depend on this loop (the watcher
            // does it), so a few milliseconds of added latency lose nothing.
            // Built-in rotation must not wait for the next full pass: a slow rename → read → ack cycle defers
            // renames and lets the live file grow past the pod's memory budget.
            while (NextWait(time.GetElapsedTime(lastPass), builtInRotation, rotationWorkPending) is { } wait)
            {
                await Task.Delay(wait, time, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    public void Dispose() => _wake.Dispose();
}
