namespace LogPipeline.Shipper.Lines;

/// <summary>
/// Bytes and lines read but not yet acknowledged by Kafka. The tail loop asks <see cref="HasRoom"/> before
/// each read and adds what it hands over; librdkafka's delivery thread releases. When releases bring the
/// total back under the limit, <see cref="RoomAvailable"/> fires (once per transition, not per ack) so a
/// paused tail loop wakes up. Lock-free counters; the callback may run on the delivery thread.
/// </summary>
internal sealed class InFlightBudget(long maxBytes)
{
    private long _bytes;
    private long _lines;
    private int _full;

    /// <summary>What librdkafka keeps per message beyond the value (key, headers, bookkeeping), roughly.</summary>
    public const int PerLineOverhead = 128;

    public long MaxBytes { get; } = maxBytes;

    public long Bytes => Interlocked.Read(ref _bytes);

    public long Lines => Interlocked.Read(ref _lines);

    /// <summary>Reading may go on: one batch may overshoot by at most a read chunk.</summary>
    public bool HasRoom
    {
        get
        {
            if (Bytes < MaxBytes)
            {
                return true;
            }

            Volatile.Write(ref _full, 1);
            // Re-check after publishing "full": a release in between must not be missed.
            return Bytes < MaxBytes;
        }
    }

    /// <summary>Raised when in-flight bytes drop below the limit after <see cref="HasRoom"/> said no.</summary>
    public event Action? RoomAvailable;

    public void Add(long bytes, long lines)
    {
        Interlocked.Add(ref _bytes, bytes);
        Interlocked.Add(ref _lines, lines);
    }

    public void Release(long bytes, long lines)
    {
        var now = Interlocked.Add(ref _bytes, -bytes);
        Interlocked.Add(ref _lines, -lines);
        if (now < MaxBytes && Volatile.Read(ref _full) == 1 && Interlocked.Exchange(ref _full, 0) == 1)
        {
            RoomAvailable?.Invoke();
        }
    }
}
