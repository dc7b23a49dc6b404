using System.Collections.Concurrent;
using System.Diagnostics;

namespace LogPipeline.Ingest.Enrichment.UserAgents;

/// <summary>
/// Compiles the rules the traffic uses, one at a time on a thread-pool thread, so a processing thread never waits
/// for Reflection.Emit or the JIT. A rule asks for it itself (<see cref="UapRule.Match"/>) once it has run
/// interpreted often enough or long enough (<see cref="Wants"/>); a rule runs only when the prefilter makes it a
/// candidate for a user agent not in the cache, so rules the traffic never reaches are never compiled and traffic
/// with a handful of distinct user agents compiles none. Until its compiled regex is swapped in a rule keeps
/// answering interpreted. The queue is concurrent; only the one draining work item (guarded by <c>_draining</c>)
/// dequeues.
/// </summary>
internal sealed class RegexPromoter
{
    /// <summary>
    /// Interpreted time (first run excluded) after which a rule is compiled. Compiling and JIT-ing one regex costs a
    /// few milliseconds of CPU, once per process; compiling when the interpreted time spent reaches a fraction of that
    /// bounds what a wrong guess costs (a rule that stops being reached after its compile wasted a few times what it
    /// had already cost) while a rule that keeps being reached is compiled early in its life. Rules reached only while
    /// a cache warms up (hundreds of distinct user agents, each seen once and then cached) mostly stay interpreted.
    /// </summary>
    public static readonly long DefaultAfterTicks = Stopwatch.Frequency / 1000;

    /// <summary>
    /// Interpreted runs after which a rule is compiled whatever its time. Each run is a distinct user agent (the cache
    /// answers repeats) that the prefilter let through: a rule this many new user agents have reached is one a stream
    /// of new ones keeps reaching, even when each run is cheap.
    /// </summary>
    public const int DefaultAfterRuns = 64;

    private readonly int _afterRuns;
    private readonly long _afterTicks;
    private readonly ConcurrentQueue<(UapRule Rule, string Sample)> _queue = new();
    private int _draining;
    private long _promoted;
    private long _failed;

    public RegexPromoter()
        : this(DefaultAfterRuns, DefaultAfterTicks)
    {
    }

    /// <summary>Other thresholds, for tests that need one rule of the two alone.</summary>
    public RegexPromoter(int afterRuns, long afterTicks)
    {
        _afterRuns = afterRuns;
        _afterTicks = afterTicks;
    }

    /// <summary>Whether a rule that has run interpreted <paramref name="runs"/> times for <paramref name="ticks"/> should be compiled.</summary>
    public bool Wants(int runs, long ticks) => runs >= _afterRuns || ticks >= _afterTicks;

    /// <summary>Regexes compiled and swapped in so far.</summary>
    public long Promoted => Interlocked.Read(ref _promoted);

    /// <summary>Compilations that threw (the rule then stays interpreted: same answers, slower).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Rules queued or being compiled.</summary>
    public int Pending => _queue.Count + Volatile.Read(ref _draining);

    /// <summary>Queues a rule for compilation; <paramref name="sample"/> is the input that warms its compiled code.</summary>
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
            if (_queue.IsEmpty || Interlocked.CompareExchange(ref _draining, 1, 0) != 0)
            {
                return;
            }
        }
    }
}
