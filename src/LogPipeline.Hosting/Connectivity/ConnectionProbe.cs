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

    /// <param name="probe">Blocking check: null when the dependency answered, else what went wrong.</param>
    public ConnectionProbe(ConnectionMonitor monitor, Func<string?> probe, TimeProvider time, TimeSpan interval)
    {
        _monitor = monitor;
        _probe = probe;
        _timer = time.CreateTimer(_ => Tick(), null, interval, interval);
    }

    public void Dispose() => _timer.Dispose();

    private void Tick()
    {
        if (_monitor.IsUp || Interlocked.Exchange(ref _running, 1) != 0)
        {
            return;
        }

        try
        {
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
