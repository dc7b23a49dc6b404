namespace LogPipeline.Ingest.Enrichment.Visitors;

/// <summary>
/// Recent visitor keys, so the requests of one visitor (a page and its assets, the next pages) pay for the SHA-256
/// once: the hash is the largest part of the visitor fields' cost per line. Direct-mapped on a cheap hash of the full
/// input, and a hit is confirmed by comparing the stored input, so the answer is always <see cref="VisitorKey.Write"/>'s.
/// NOT thread-safe: one instance per processing thread (DocumentFactory's per-thread state owns it).
/// </summary>
public sealed class VisitorKeyCache
{
    /// <summary>Inputs longer than this (a very long user agent) are hashed without the cache.</summary>
    public const int MaxInput = 256;

    private const int Slots = 1024;
    private readonly byte[] _inputs = new byte[Slots * MaxInput];
    private readonly int[] _lengths = new int[Slots];
    private readonly byte[] _keys = new byte[Slots * VisitorKey.Length];

    /// <summary>Hits since creation (for tests and diagnostics).</summary>
    public long Hits { get; private set; }

    public void Write(ReadOnlySpan<byte> clientIp, DateTimeOffset timestamp, ReadOnlySpan<byte> userAgent, Span<byte> destination)
    {
        var size = VisitorKey.InputLength(clientIp, userAgent);
        if (size > MaxInput)
        {
            VisitorKey.Write(clientIp, timestamp, userAgent, destination);
            return;
        }

        Span<byte> input = stackalloc byte[size];
        VisitorKey.BuildInput(clientIp, timestamp, userAgent, input);
        var hash = new HashCode();
        hash.AddBytes(input);
        var slot = hash.ToHashCode() & (Slots - 1);
        var stored = _inputs.AsSpan(slot * MaxInput, MaxInput);
        var key = _keys.AsSpan(slot * VisitorKey.Length, VisitorKey.Length);
        if (_lengths[slot] == size && stored[..size].SequenceEqual(input))
        {
            Hits++;
            key.CopyTo(destination);
            return;
        }

        VisitorKey.Hash(input, key);
        input.CopyTo(stored);
        _lengths[slot] = size;
        key.CopyTo(destination);
    }
}
