using System.Collections.Concurrent;

namespace LogPipeline.Ingest.Enrichment.UserAgents;

/// <summary>
/// Compiles rules' regexes in the background, one at a time on a thread-pool thread, so a processing thread never
/// waits for Reflection.Emit or the JIT. Two queues: every rule at construction (<see cref="CompileInBackground"/>,
/// so a fresh worker reaches compiled speed without needing traffic to find its hot rules first), and the rules the
/// traffic is spending interpreted time in (<see cref="UapRule.Match"/>), which are taken first. Until its compiled
/// regex is swapped in a rule keeps answering interpreted. The queues are concurrent; only the one draining
/// work item (guarded by <c>_draining</c>) dequeues.
/// </summary>
internal sealed class RegexPromoter
{
    private readonly ConcurrentQueue<(UapRule Rule, string Sample)> _hot = new();
    private readonly ConcurrentQueue<(UapRule Rule, string Sample)> _background = new();
    private int _draining;
    private long _promoted;
    private long _failed;

    /// <summary>Regexes compiled and swapped in so far.</summary>
    public long Promoted => Interlocked.Read(ref _promoted);

    /// <summary>Compilations that threw (the rule then stays interpreted: same answers, slower).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Rules queued or being compiled.</summary>
    public int Pending => _hot.Count + _background.Count + Volatile.Read(ref _draining);

    /// <summary>A rule the traffic spends its time in: compiled before the background order's remaining rules.</summary>
    public void Enqueue(UapRule rule, string sample)
    {
        _hot.Enqueue((rule, sample));
        StartDrain();
    }

    /// <summary>Queues every rule, in the given order, for compilation after any hot one.</summary>
    public void CompileInBackground(IEnumerable<(UapRule Rule, string Sample)> rules)
    {
        foreach (var item in rules)
        {
            if (item.Rule.TryQueueInBackground())
            {
                _background.Enqueue(item);
            }
        }

        StartDrain();
    }

    private void StartDrain()
    {
        if (Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static p => p.Drain(), this, preferLocal: false);
        }
    }

    private void Drain()
    {
        while (true)
        {
            while (_hot.TryDequeue(out var item) || _background.TryDequeue(out item))
            {
                try
                {
                    if (item.Rule.Promote(item.Sample))
                    {
                        Interlocked.Increment(ref _promoted);
                    }
                }
#pragma warning disable CA1031 // Any failure leaves the interpreted regex in place, which gives the same answers.
                catch (Exception)
#pragma warning restore CA1031
                {
                    Interlocked.Increment(ref _failed);
                }
            }

            Volatile.Write(ref _draining, 0);
            // An Enqueue between the last TryDequeue and the write above saw _draining == 1 and did not start a drain.
            if ((_hot.IsEmpty && _background.IsEmpty) || Interlocked.CompareExchange(ref _draining, 1, 0) != 0)
            {
                return;
            }
        }
    }
}
