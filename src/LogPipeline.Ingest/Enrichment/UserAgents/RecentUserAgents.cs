using System.IO.Hashing;

namespace LogPipeline.Ingest.Enrichment.UserAgents;

/// <summary>
/// The user agents one processing thread parsed last, in front of the parser's shared cache: <see cref="Sets"/> sets of
/// two slots, chosen by a hash of the UTF-8 bytes, a hit confirmed by comparing them; a miss replaces the slot of
/// its set that was not used last. A site's traffic repeats a few hundred user agents; a hit here costs a hash and a
/// compare of the bytes, where the shared cache transcodes to UTF-16 and hashes and compares the string in a
/// concurrent dictionary. Owned by one processing thread (no synchronisation); every answer comes from the parser,
/// first or second hand, so it cannot differ from the parser's. Hits count as the parser's cache hits on <c>/metrics</c>.
/// Memory: at most <see cref="Slots"/> × UserAgent:MaxLength bytes of keys per thread, typically a few hundred KB.
/// </summary>
internal sealed class RecentUserAgents
{
    /// <summary>Sets of two slots (a power of two).</summary>
    public const int Sets = 512;

    public const int Slots = 2 * Sets;

    private readonly byte[]?[] _keys = new byte[Slots][];
    private readonly UserAgentInfo?[] _values = new UserAgentInfo[Slots];

    // Per set: which of its two slots answered or was filled last (the other one is replaced on a miss).
    private readonly byte[] _lastUsed = new byte[Sets];

    /// <summary>What <paramref name="parser"/> answers for <paramref name="utf8"/>.</summary>
    public UserAgentInfo Parse(ReadOnlySpan<byte> utf8, UserAgentParser parser)
    {
        // A longer string is parsed cut at MaxLength by the parser; it is not worth a slot here.
        if (utf8.Length > parser.MaxLength)
        {
            return parser.Parse(utf8);
        }

        var set = (int)(XxHash3.HashToUInt64(utf8) & (Sets - 1));
        for (var way = 0; way < 2; way++)
        {
            var slot = (2 * set) + way;
            if (_keys[slot] is { } key && utf8.SequenceEqual(key))
            {
                _lastUsed[set] = (byte)way;
                parser.CountHit();
                return _values[slot]!;
            }
        }

        var info = parser.Parse(utf8);
        var fill = 1 - _lastUsed[set];
        var target = (2 * set) + fill;
        var old = _keys[target];
        if (old is null || old.Length != utf8.Length)
        {
            old = new byte[utf8.Length];
            _keys[target] = old;
        }

        utf8.CopyTo(old);
        _values[target] = info;
        _lastUsed[set] = (byte)fill;
        return info;
    }
}
