using LogPipeline.Bench.Workloads;
using LogPipeline.Testing.Kafka;

namespace LogPipeline.Bench.Measurement;

/// <summary>Takes all brokers down and up again at the workload's times. Driven by the run loop's thread only.</summary>
public sealed class OutageSchedule
{
    private readonly KafkaMockCluster _cluster;
    private readonly TimeSpan? _startsAt;
    private bool _down;
    private bool _done;

    public OutageSchedule(KafkaMockCluster cluster, WorkloadSpec workload, TimeSpan t0)
    {
        _cluster = cluster;
        _startsAt = workload.OutageAt is { } at ? t0 + at : null;
        EndsAt = _startsAt is { } s ? s + workload.OutageFor : TimeSpan.Zero;
    }

    public TimeSpan EndsAt { get; }

    public bool Over(TimeSpan now) => _startsAt is null || (_done && now >= EndsAt);

    public void Tick(TimeSpan now)
    {
        if (_startsAt is not { } start || _done)
        {
            return;
        }

        if (!_down && now >= start)
        {
            _cluster.SetAllBrokersDown();
            _down = true;
            Console.WriteLine("    -- all brokers down");
        }
        else if (_down && now >= EndsAt)
        {
            _cluster.SetAllBrokersUp();
            _down = false;
            _done = true;
            Console.WriteLine("    -- all brokers up");
        }
    }

    /// <summary>Brings the brokers back if the run ended mid-outage (before the cluster is destroyed).</summary>
    public void Restore()
    {
        if (_down)
        {
            _cluster.SetAllBrokersUp();
            _down = false;
        }
    }
}
