namespace LogPipeline.Shipper.Publishing;

/// <summary>
/// How long the oldest line handed to librdkafka has gone without a delivery report. With
/// <c>message.timeout.ms=0</c> librdkafka never gives a line up, so a line it holds without ever sending or
/// reporting it (a partition without a leader, a producer stuck in an idempotence drain) would hold the
/// checkpoint, the in-flight budget and built-in rotation forever and say nothing; this makes it measurable.
/// <para>
/// Lines are counted per generation of <see cref="Resolution"/> (by their read timestamp, which the delivery
/// report carries back), in a ring of <see cref="Generations"/> slots that is never reset: a slot's produced
/// count minus its reported count is what it still holds. A slot serves every N-th generation, so a line older
/// than the ring looks as young as the newest generation of its slot: the age is a lower bound, never more.
/// </para>
/// Threads: <see cref="Handed"/> on the publisher task, <see cref="Reported"/> on the poll thread (and on the
/// publisher task for a line librdkafka did not take), <see cref="OldestAge"/> on any thread. Counters are
/// Interlocked; a slot's generation is written before its produced count, so whoever sees the count sees the
/// generation it belongs to.
/// </summary>
internal sealed class DeliveryWatchdog
{
    public const int Generations = 1024;

    private readonly TimeProvider _time;
    private readonly long _ticksPerGeneration;
    private readonly long[] _handed = new long[Generations];
    private readonly long[] _reported = new long[Generations];
    private readonly long[] _generation = new long[Generations];

    public DeliveryWatchdog(TimeProvider time, TimeSpan resolution)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(resolution, TimeSpan.Zero);
        _time = time;
        Resolution = resolution;
        _ticksPerGeneration = Math.Max(1, (long)(resolution.TotalSeconds * time.TimestampFrequency));
    }

    /// <summary>The granularity of <see cref="OldestAge"/>.</summary>
    public TimeSpan Resolution { get; }

    /// <summary>A line read at <paramref name="timestamp"/> is about to be handed to librdkafka.</summary>
    public void Handed(long timestamp)
    {
        var generation = timestamp / _ticksPerGeneration;
        var slot = Slot(generation);
        if (Volatile.Read(ref _generation[slot]) < generation)
        {
            Volatile.Write(ref _generation[slot], generation);
        }

        Interlocked.Increment(ref _handed[slot]);
    }

    /// <summary>The line read at <paramref name="timestamp"/> got its delivery report (any outcome), or was not taken.</summary>
    public void Reported(long timestamp) => Interlocked.Increment(ref _reported[Slot(timestamp / _ticksPerGeneration)]);

    /// <summary>
    /// At least how long the oldest line still held has been waiting since it was read (zero when none has
    /// waited a full generation), and how many lines are held in generations at least that old.
    /// </summary>
    public TimeSpan OldestAge(out long lines) => OldestAge(out lines, out _);

    /// <inheritdoc cref="OldestAge(out long)"/>
    /// <param name="generation">Which generation that is (to tell a generation that drains slowly from one that is stuck).</param>
    public TimeSpan OldestAge(out long lines, out long generation)
    {
        var now = _time.GetTimestamp() / _ticksPerGeneration;
        var oldest = now;
        lines = 0;
        for (var slot = 0; slot < Generations; slot++)
        {
            // Reported first: a report read after its hand-over count would make the slot look negative.
            var reported = Volatile.Read(ref _reported[slot]);
            var held = Volatile.Read(ref _handed[slot]) - reported;
            if (held <= 0)
            {
                continue;
            }

            var slotGeneration = Volatile.Read(ref _generation[slot]);
            if (slotGeneration < oldest)
            {
                oldest = slotGeneration;
                lines = held;
            }
            else if (slotGeneration == oldest)
            {
                lines += held;
            }
        }

        // A line of generation g was read before the end of g: it has waited at least (now - g - 1) generations.
        generation = oldest;
        var age = Math.Max(0, now - oldest - 1);
        if (age == 0)
        {
            lines = 0;
        }

        return TimeSpan.FromSeconds(age * (double)_ticksPerGeneration / _time.TimestampFrequency);
    }

    private static int Slot(long generation) => (int)(((generation % Generations) + Generations) % Generations);
}
