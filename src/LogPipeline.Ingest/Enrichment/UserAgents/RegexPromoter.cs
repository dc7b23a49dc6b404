using System.Collections.Concurrent;

namespace LogPipeline.Ingest.Enrichment.UserAgents;

/// <summary>
/// Compiles the rules the traffic uses, one at a time on a thread-pool thread, so a processing thread never waits
/// for Reflection.Emit or the JIT. A rule asks for it itself (<see cref="UapRule.Match"/>) once the time it has spent
/// interpreted reaches what compiling it is estimated to cost (<see cref="Wants"/>): the rent-or-buy rule, which
/// never spends more than about twice what the best choice in hindsight would have (docs/decisions/0005). A rule runs
/// only when the prefilter makes it a candidate for a user agent not in the cache, so rules the traffic never reaches
/// are never compiled, traffic with a handful of distinct user agents compiles none, and rules reached only while a
/// cache warms up (hundreds of distinct user agents, each seen once and then cached) mostly stay interpreted, where a
/// stream of new user agents that keeps reaching a rule gets it compiled. Until its compiled regex is swapped in a rule
/// keeps answering interpreted. The queue is concurrent; only the one draining work item (guarded by
/// <c>_draining</c>) dequeues, and it alone writes the learned compile cost, which any thread reads.
/// </summary>
internal sealed class RegexPromoter
{
    /// <summary>
    /// Starting estimate of compile cost (building the compiled regex, JIT-ing its code, one warm-up match) per
    /// character of pattern: roughly linear in the pattern's length over uap-core's rules (how it was measured:
    /// docs/decisions/0005). Replaced, as compilations happen, by what they cost on this machine.
    /// </summary>
    public const double DefaultCompileSecondsPerChar = 60e-6;

    /// <summary>Weight of the starting estimate against measured compilations, in pattern characters.</summary>
    private const double PriorChars = 500;

    private readonly double _priorTicksPerChar;
    private readonly ConcurrentQueue<(UapRule Rule, string Sample)> _queue = new();
    private double _ticksPerChar;
    private long _compiledChars;
    private long _compileTicks;
    private int _draining;
    private long _promoted;
    private long _failed;

    public RegexPromoter()
        : this(TimeProvider.System, DefaultCompileSecondsPerChar)
    {
    }

    /// <param name="time">The clock interpreted runs and compilations are timed with.</param>
    /// <param name="compileSecondsPerChar">Starting estimate of compile cost per pattern character.</param>
    public RegexPromoter(TimeProvider time, double compileSecondsPerChar)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(compileSecondsPerChar);
        Time = time;
        _priorTicksPerChar = compileSecondsPerChar * time.TimestampFrequency;
        _ticksPerChar = _priorTicksPerChar;
    }

    public TimeProvider Time { get; }

    /// <summary>Whether a rule whose pattern has <paramref name="patternLength"/> characters and has run interpreted for <paramref name="interpretedTicks"/> should be compiled.</summary>
    public bool Wants(int patternLength, long interpretedTicks) => interpretedTicks >= EstimatedCompileTicks(patternLength);

    /// <summary>What compiling a pattern of <paramref name="patternLength"/> characters is expected to cost, in <see cref="Time"/> ticks.</summary>
    public long EstimatedCompileTicks(int patternLength) => (long)(patternLength * Volatile.Read(ref _ticksPerChar));

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

    /// <summary>Folds one compilation's cost into the estimate (the draining work item only).</summary>
    private void Learn(int patternLength, long ticks)
    {
        _compiledChars += patternLength;
        _compileTicks += ticks;
        Volatile.Write(ref _ticksPerChar, ((_priorTicksPerChar * PriorChars) + _compileTicks) / (PriorChars + _compiledChars));
    }

    private void Drain()
    {
        while (true)
        {
            while (_queue.TryDequeue(out var item))
            {
                try
                {
                    var start = Time.GetTimestamp();
                    if (item.Rule.Promote(item.Sample))
                    {
                        Learn(item.Rule.PatternLength, Time.GetTimestamp() - start);
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
