namespace LogPipeline.Ingest.Indexing;

/// <summary>
/// Lets one message through per interval and counts the ones it holds back, so a failure that repeats on every
/// retry of every indexer loop is logged once per interval with how often it happened meanwhile. Lock-free:
/// shared by the indexer loops.
/// </summary>
internal sealed class LogThrottle(TimeProvider time, TimeSpan interval)
{
    private readonly long _intervalTicks = (long)(interval.TotalSeconds * time.TimestampFrequency);
    private long _next = long.MinValue;
    private long _suppressed;

    /// <summary>True when this message may be logged; <paramref name="suppressed"/> = messages held back since the last one.</summary>
    public bool TryEnter(out long suppressed)
    {
        var now = time.GetTimestamp();
        var next = Interlocked.Read(ref _next);
        if (now >= next && Interlocked.CompareExchange(ref _next, now + _intervalTicks, next) == next)
        {
            suppressed = Interlocked.Exchange(ref _suppressed, 0);
            return true;
        }

        Interlocked.Increment(ref _suppressed);
        suppressed = 0;
        return false;
    }
}
