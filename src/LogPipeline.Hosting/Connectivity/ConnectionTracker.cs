namespace LogPipeline.Hosting.Connectivity;

/// <summary>What a worker last knew about a dependency's connection.</summary>
public enum ConnectionState
{
    /// <summary>Nothing reported yet (at start): neither a success nor a failure.</summary>
    Unknown,

    Up,

    Down,
}

/// <summary>What a report changed, i.e. what is worth a log line.</summary>
public enum ConnectionChange
{
    /// <summary>Nothing to say: the state is unchanged and no reminder is due.</summary>
    None,

    /// <summary>The first success (from <see cref="ConnectionState.Unknown"/>).</summary>
    Connected,

    /// <summary>From up or unknown to down.</summary>
    WentDown,

    /// <summary>Still down and <see cref="ConnectionTracker.ReminderInterval"/> passed since the last line about it.</summary>
    StillDown,

    /// <summary>From down to up.</summary>
    Recovered,
}

/// <summary>
/// The connection state of one dependency, fed by whatever observes it (client error callbacks, request
/// outcomes, probes) and answering whether a report deserves a log line: one when the state changes, and a
/// reminder at most every <see cref="ReminderInterval"/> while it stays down, so an outage costs a handful of
/// lines instead of one per reconnect attempt. Pure (time comes from the <see cref="TimeProvider"/>) and
/// thread-safe: reports may come from any thread; a success while up takes no lock (the hot path of a delivery).
/// </summary>
public sealed class ConnectionTracker
{
    public static readonly TimeSpan DefaultReminderInterval = TimeSpan.FromSeconds(60);

    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private volatile ConnectionState _state = ConnectionState.Unknown;
    private long _downSince;
    private long _lastLine;
    private long _failuresSinceLine;
    private string? _cause;

    public ConnectionTracker(TimeProvider time, TimeSpan? reminderInterval = null)
    {
        _time = time;
        ReminderInterval = reminderInterval ?? DefaultReminderInterval;
        if (ReminderInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(reminderInterval), ReminderInterval, "must be positive");
        }
    }

    public TimeSpan ReminderInterval { get; }

    public ConnectionState State => _state;

    /// <summary>The cause of the current (or last) outage; null before the first failure.</summary>
    public string? Cause
    {
        get
        {
            lock (_gate)
            {
                return _cause;
            }
        }
    }

    /// <summary>How long the dependency has been down (zero unless down).</summary>
    public TimeSpan DownFor
    {
        get
        {
            lock (_gate)
            {
                return _state == ConnectionState.Down ? _time.GetElapsedTime(_downSince) : TimeSpan.Zero;
            }
        }
    }

    /// <summary>Failures reported since the last line was due (the reminder says how many it stands for).</summary>
    public long FailuresSinceLastLine
    {
        get
        {
            lock (_gate)
            {
                return _failuresSinceLine;
            }
        }
    }

    /// <summary>A failure to reach the dependency, with what the client said.</summary>
    public ConnectionChange ReportDown(string cause)
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            _cause = cause;
            if (_state != ConnectionState.Down)
            {
                _state = ConnectionState.Down;
                _downSince = now;
                _lastLine = now;
                _failuresSinceLine = 0;
                return ConnectionChange.WentDown;
            }

            _failuresSinceLine++;
            if (_time.GetElapsedTime(_lastLine, now) >= ReminderInterval)
            {
                _lastLine = now;
                _failuresSinceLine = 0;
                return ConnectionChange.StillDown;
            }

            return ConnectionChange.None;
        }
    }

    /// <summary>A success that proves the dependency answers (a delivery, a fetch, a metadata response).</summary>
    public ConnectionChange ReportUp()
    {
        if (_state == ConnectionState.Up)
        {
            return ConnectionChange.None;
        }

        lock (_gate)
        {
            var before = _state;
            _state = ConnectionState.Up;
            return before switch
            {
                ConnectionState.Down => ConnectionChange.Recovered,
                ConnectionState.Unknown => ConnectionChange.Connected,
                _ => ConnectionChange.None,
            };
        }
    }

    /// <summary>
    /// For an owner that wants reminders without new failure reports (e.g. a probe timer): true when down and a
    /// reminder is due; the reminder then counts as written.
    /// </summary>
    public bool ReminderDue()
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            if (_state != ConnectionState.Down || _time.GetElapsedTime(_lastLine, now) < ReminderInterval)
            {
                return false;
            }

            _lastLine = now;
            _failuresSinceLine = 0;
            return true;
        }
    }
}
