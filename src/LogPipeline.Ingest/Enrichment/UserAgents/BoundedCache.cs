using System.Collections.Concurrent;

namespace LogPipeline.Ingest.Enrichment.UserAgents;

/// <summary>
/// A thread-safe cache of at most <c>capacity</c> entries that keeps what is in use: two generations;
/// a hit in the old one is promoted, and when the young one fills up the old one is dropped whole.
/// Lookups by span do not allocate. Any thread may read or add; generation swaps race benignly
/// (an entry may be computed twice, never lost in a way that breaks correctness).
/// </summary>
public sealed class BoundedCache<TValue>
    where TValue : class
{
    private readonly int _generationSize;
    private volatile Generation _young = new();
    private volatile Generation _old = new();
    private readonly Lock _swap = new();

    public BoundedCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2);
        _generationSize = capacity / 2;
    }

    /// <summary>Entries currently held (both generations; at most the capacity).</summary>
    public int Count => _young.Map.Count + _old.Map.Count;

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

    public void Add(string key, TValue value)
    {
        var young = _young;
        // Not Map.Count: ConcurrentDictionary counts by taking every lock, which made each miss (the GeoIP
        // cache misses once per new address) contend with the other processing worker's lookups.
        if (Volatile.Read(ref young.Added) >= _generationSize)
        {
            lock (_swap)
            {
                if (ReferenceEquals(young, _young))
                {
                    _old = young;
                    _young = new Generation();
                }
            }

            young = _young;
        }

        if (young.Map.TryAdd(key, value))
        {
            Interlocked.Increment(ref young.Added);
        }
    }

    private sealed class Generation
    {
        public Generation()
        {
            Lookup = Map.GetAlternateLookup<ReadOnlySpan<char>>();
        }

        public ConcurrentDictionary<string, TValue> Map { get; } = new(StringComparer.Ordinal);

        public ConcurrentDictionary<string, TValue>.AlternateLookup<ReadOnlySpan<char>> Lookup { get; }

        /// <summary>Entries added to <see cref="Map"/> (entries are never removed from a generation).</summary>
#pragma warning disable SA1401, CA1051 // A field, so Add can use Interlocked on it.
        public int Added;
#pragma warning restore SA1401, CA1051
    }
}
