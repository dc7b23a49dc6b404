using System.Collections.Concurrent;

namespace LogPipeline.Ingest.Enrichment.UserAgents;

/// <summary>
/// A thread-safe cache bounded by a budget (entries, or estimated bytes with a size function) that keeps what is in
/// use: two generations of half the budget each; a hit in the old one is promoted, and when the young one is full
/// the old one is dropped whole. Lookups by span do not allocate. Any thread may read or add. Each add reserves its
/// cost in the young generation before it inserts (and gives it back when it loses a race or does not fit), so the
/// entries held never cost more than the budget, however many threads add at once. Generation swaps race benignly:
/// an entry may be computed twice, never held past the bound.
/// </summary>
public sealed class BoundedCache<TValue>
    where TValue : class
{
    private readonly long _generationBudget;
    private readonly Func<string, TValue, long> _cost;
    private volatile Generation _young = new();
    private volatile Generation _old = new();
    private readonly Lock _swap = new();

    /// <summary>At most <paramref name="capacity"/> entries.</summary>
    public BoundedCache(int capacity)
        : this(capacity, static (_, _) => 1)
    {
    }

    /// <summary>Entries whose <paramref name="cost"/> (e.g. estimated bytes) adds up to at most <paramref name="budget"/>.</summary>
    public BoundedCache(long budget, Func<string, TValue, long> cost)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(budget, 2);
        ArgumentNullException.ThrowIfNull(cost);
        _generationBudget = budget / 2;
        _cost = cost;
    }

    /// <summary>Entries currently held (both generations).</summary>
    public int Count => _young.Map.Count + _old.Map.Count;

    /// <summary>Cost of the entries currently held (both generations; at most the budget).</summary>
    public long Cost
    {
        get
        {
            // Young first: a swap between the two reads makes the young just read the old one, counted once.
            var young = _young;
            var old = _old;
            var cost = Volatile.Read(ref young.Used);
            return ReferenceEquals(young, old) ? cost : cost + Volatile.Read(ref old.Used);
        }
    }

    public bool TryGet(ReadOnlySpan<char> key, out TValue? value)
    {
        var young = _young;
        if (young.Lookup.TryGetValue(key, out value))
        {
            return true;
        }

        if (_old.Lookup.TryGetValue(key, out var actualKey, out value))
        {
            Add(actualKey, value);
            return true;
        }

        return false;
    }

    /// <summary>Adds the entry; one that alone costs more than half the budget is not kept.</summary>
    public void Add(string key, TValue value)
    {
        var cost = _cost(key, value);
        if (cost > _generationBudget)
        {
            return;
        }

        while (true)
        {
            var young = _young;
            // Not Map.Count: ConcurrentDictionary counts by taking every lock, which made each miss (the GeoIP
            // cache misses once per new address) contend with the other processing worker's lookups.
            if (TryReserve(young, cost))
            {
                if (!young.Map.TryAdd(key, value))
                {
                    Interlocked.Add(ref young.Used, -cost);
                }

                return;
            }

            lock (_swap)
            {
                if (ReferenceEquals(young, _young))
                {
                    _old = young;
                    _young = new Generation();
                }
            }
        }
    }

    /// <summary>Reserves <paramref name="cost"/> unless that would take the generation past its budget (never overshoots, even transiently).</summary>
    private bool TryReserve(Generation generation, long cost)
    {
        var used = Volatile.Read(ref generation.Used);
        while (used + cost <= _generationBudget)
        {
            var seen = Interlocked.CompareExchange(ref generation.Used, used + cost, used);
            if (seen == used)
            {
                return true;
            }

            used = seen;
        }

        return false;
    }

    private sealed class Generation
    {
        public Generation()
        {
            Lookup = Map.GetAlternateLookup<ReadOnlySpan<char>>();
        }

        public ConcurrentDictionary<string, TValue> Map { get; } = new(StringComparer.Ordinal);

        public ConcurrentDictionary<string, TValue>.AlternateLookup<ReadOnlySpan<char>> Lookup { get; }

        /// <summary>Cost reserved by the entries of <see cref="Map"/> (entries are never removed from a generation).</summary>
#pragma warning disable SA1401, CA1051 // A field, so Add can use Interlocked on it.
        public long Used;
#pragma warning restore SA1401, CA1051
    }
}
