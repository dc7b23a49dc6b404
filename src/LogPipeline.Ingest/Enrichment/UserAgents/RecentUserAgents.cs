using System.IO.Hashing;

namespace LogPipeline.Ingest.Enrichment.UserAgents;

/// <summary>
/// The user agents one processing thread parsed last, in front of the parser's shared cache: <see cref="Slots"/>
/// slots chosen by a hash of the UTF-8 bytes, a hit confirmed by comparing them. A site's traffic repeats a few
/// hundred user agents; a hit here costs a hash and a compare of the bytes, where the shared cache transcodes to
/// UTF-16 and hashes and compares the string in a concurrent dictionary. Owned by one processing thread (no
/// synchronisation); a collision only replaces the slot, and every answer comes from the parser, first or second
/// hand, so it cannot differ from the parser's. Hits count as the parser's cache hits on <c>/metrics</c>.
/// </summary>
internal sealed class RecentUserAgents
{
    /// <summary>Power of two; a slot holds the bytes (up to UserAgent:MaxLength) and a reference to the parser's result.</summary>
    public const int Slots = 512;

    private readonly byte[]?[] _keys = new byte[Slots][];
    private readonly UserAgentInfo?[] _values = new UserAgentInfo[Slots];

    /// <summary>What <paramref name="parser"/> answers for <paramref name="utf8"/>.</summary>
    public UserAgentInfo Parse(ReadOnlySpan<byte> utf8, UserAgentParser parser)
    {
        // A longer string is parsed cut at MaxLength by the parser; it is not worth a slot here.
        if (utf8.Length > parser.MaxLength)
        {
            return parser.Parse(utf8);
        }

        var slot = (int)(XxHash3.HashToUInt64(utf8) & (Slots - 1));
        var key = _keys[slot];
        if (key is not null && utf8.SequenceEqual(key))
        {
            parser.CountHit();
            return _values[slot]!;
        }

        var info = parser.Parse(utf8);
        if (key is null || key.Length != utf8.Length)
        {
            key = new byte[utf8.Length];
            _keys[slot] = key;
        }

        utf8.CopyTo(key);
        _values[slot] = info;
        return info;
    }
}
