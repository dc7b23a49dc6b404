namespace LogPipeline.Hosting.Connectivity;

/// <summary>
/// While a <see cref="ConnectionMonitor"/> says down, asks the dependency directly every <c>interval</c>
/// (e.g. a Kafka metadata request) so that recovery is seen even when no traffic flows, and writes the
/// reminder when one is due. Does nothing while up. The probe runs on a timer thread, one at a time.
/// </summary>
public sealed class ConnectionProbe : IDisposable
{
    private readonly ConnectionMonitor _monitor;
    private readonly Func<string?> _probe;
    private readonly ITimer _timer;
    private int _running;
    private int _disposed;

    /// <param name="probe">Blocking check: null when the dependency answered, else what went wrong.</param>
    public ConnectionProbe(ConnectionMonitor monitor, Func<string?> probe, TimeProvider time, TimeSpan interval)
    {
        _monitor = monitor;
        _probe = probe;
        _timer = time.CreateTimer(_ => Tick(), null, interval, interval);
    }

    /// <summary>Stops probing and waits for a probe in progress: the client it uses may be destroyed right after.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _timer.Dispose();
        var wait = new SpinWait();
        while (Volatile.Read(ref _running) != 0)
        {
            wait.SpinOnce(sleep1Threshold: 10);
        }
    }

    private void Tick()
    {
        if (_monitor.IsUp || Volatile.Read(ref _disposed) != 0 || Interlocked.Exchange(ref _running, 1) != 0)
        {
            return;
        }

        try
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                return; // Disposed between the two checks: the client may be gone.
            }

            string? failure;
            try
            {
                failure = _probe();
            }
#pragma warning disable CA1031 // A probe that throws is a failed probe, not a reason to stop probing.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failure = ex.Message;
            }

            if (failure is null)
            {
                _monitor.Up();
            }
            else
            {
                _monitor.RemindIfDue();
            }
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }
}
