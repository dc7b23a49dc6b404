using System.Collections.Concurrent;

namespace LogPipeline.Ingest.Enrichment.UserAgents;

/// <summary>
/// Compiles hot rules' regexes in the background, one at a time on a thread-pool thread, so a processing thread
/// never waits for Reflection.Emit or the JIT. Rules ask once (<see cref="UapRule.Match"/>); until their compiled
/// regex is swapped in they keep answering interpreted.
/// </summary>
internal sealed class RegexPromoter
{
    private readonly ConcurrentQueue<(UapRule Rule, string Sample)> _queue = new();
    private int _draining;
    private long _promoted;
    private long _failed;

    /// <summary>Regexes compiled and swapped in so far.</summary>
    public long Promoted => Interlocked.Read(ref _promoted);

    /// <summary>Compilations that threw (the rule then stays interpreted: same answers, slower).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Rules queued or being compiled.</summary>
    public int Pending => _queue.Count + Volatile.Read(ref _draining);

    public void Enqueue(UapRule rule, string sample)
    {
        _queue.Enqueue((rule, sample));
        if (Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static p => p.Drain(), this, preferLocal: false);
        }
    }

    private void Drain()
    {
        while (true)
        {
            while (_queue.TryDequeue(out var item))
            {
                try
                {
                    item.Rule.Promote(item.Sample);
                    Interlocked.Increment(ref _promoted);
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
            if (_queue.IsEmpty || Interlocked.CompareExchange(ref _draining, 1, 0) != 0)
            {
                return;
            }
        }
    }
}
