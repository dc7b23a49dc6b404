using LogPipeline.Shipper.Lines;
using Microsoft.Extensions.Logging;

namespace LogPipeline.Shipper.Diagnostics;

/// <summary>
/// Rate-limited error log for dropped lines: the first drop of a reason is logged in full (file, offset,
/// librdkafka's text), later ones are counted and summarised at most once per <see cref="Interval"/> per reason.
/// A broker that refuses every batch would otherwise write one log line per dropped line. Drops are reported on
/// librdkafka's poll thread and on the publisher task; <see cref="Report"/> runs on the tail loop; one lock.
/// </summary>
internal sealed class DroppedLineLog(ILogger logger, TimeProvider time)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private readonly State[] _states = [new(), new(), new(), new()];

    /// <summary>Lines dropped and not yet in a log line (cheap check for the tail loop).</summary>
    private long _unreported;

    public void Record(DropReason reason, FileIdentity file, long offset, string detail)
    {
        lock (_gate)
        {
            var state = _states[(int)reason];
            state.Total++;
            var now = time.GetTimestamp();
            if (!state.Logged || (state.Pending == 0 && time.GetElapsedTime(state.LastLogged, now) >= Interval))
            {
                state.Logged = true;
                state.LastLogged = now;
                Log.LineDropped(logger, offset, file, DeliveryErrorClassifier.Label(reason), detail, Interval);
                return;
            }

            state.Pending++;
            Interlocked.Increment(ref _unreported);
            if (time.GetElapsedTime(state.LastLogged, now) >= Interval)
            {
                Summarise(reason, state, now);
            }
        }
    }

    /// <summary>Writes the summaries that are due (all of them when <paramref name="force"/>, e.g. at shutdown).</summary>
    public void Report(bool force = false)
    {
        if (Interlocked.Read(ref _unreported) == 0)
        {
            return;
        }

        lock (_gate)
        {
            var now = time.GetTimestamp();
            for (var i = 0; i < _states.Length; i++)
            {
                var state = _states[i];
                if (state.Pending > 0 && (force || time.GetElapsedTime(state.LastLogged, now) >= Interval))
                {
                    Summarise((DropReason)i, state, now);
                }
            }
        }
    }

    private void Summarise(DropReason reason, State state, long now)
    {
        Log.LinesDroppedSummary(logger, state.Pending, DeliveryErrorClassifier.Label(reason), time.GetElapsedTime(state.LastLogged, now), state.Total);
        Interlocked.Add(ref _unreported, -state.Pending);
        state.Pending = 0;
        state.LastLogged = now;
    }

    /// <summary>Guarded by <see cref="_gate"/>.</summary>
    private sealed class State
    {
        public long Total;
        public long Pending;
        public long LastLogged;
        public bool Logged;
    }
}
