using System.Runtime.CompilerServices;

namespace LogPipeline.Ingest.Enrichment.Serialization;

/// <summary>
/// The quoted, escaped UTF-8 of recently written non-ASCII strings, by string instance: the user-agent parser and
/// the GeoIP lookup hand out the same string objects for the same answer, so a reference hit is the same text and
/// costs one copy instead of escaping and transcoding again. Direct-mapped with a fixed number of slots holding short
/// strings only, so its memory is bounded whatever the traffic. NOT thread-safe: one per <see cref="DocumentBuilder"/>,
/// which is owned by one thread.
/// </summary>
internal sealed class EscapedTextCache
{
    private const int Slots = 256;

    /// <summary>Longer strings are escaped on every use (rare: names and labels are short).</summary>
    public const int MaxCachedChars = 128;

    private readonly string?[] _keys = new string?[Slots];
    private readonly byte[]?[] _values = new byte[Slots][];
    private char[] _chars = new char[MaxCachedChars * 6];
    private byte[] _scratch = new byte[(MaxCachedChars * 18) + 2];

    public ReadOnlySpan<byte> Quoted(string value)
    {
        var slot = RuntimeHelpers.GetHashCode(value) & (Slots - 1);
        if (ReferenceEquals(_keys[slot], value))
        {
            return _values[slot];
        }

        var length = JsonStrings.EscapeQuoted(value, ref _chars, ref _scratch);
        var quoted = _scratch.AsSpan(0, length);
        if (value.Length <= MaxCachedChars)
        {
            _values[slot] = quoted.ToArray();
            _keys[slot] = value;
        }

        return quoted;
    }
}
