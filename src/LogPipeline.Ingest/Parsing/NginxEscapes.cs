using System.Text.Unicode;

namespace LogPipeline.Ingest.Parsing;

/// <summary>
/// nginx's default log escaping writes '"', '\' and bytes below 0x20 or from 0x7F up as <c>\xHH</c>.
/// Decoding gives back the bytes the client sent (often UTF-8, e.g. a percent-free Cyrillic path).
/// </summary>
public static class NginxEscapes
{
    /// <summary>
    /// Decodes <c>\xHH</c> from <paramref name="value"/> into <paramref name="destination"/> (at least
    /// <c>value.Length</c> bytes) and returns the length written. When the decoded bytes are not valid UTF-8
    /// the escaped form is copied instead: it is valid text and still says exactly what the client sent.
    /// </summary>
    public static int Decode(ReadOnlySpan<byte> value, Span<byte> destination)
    {
        var first = value.IndexOf("\\x"u8);
        if (first < 0)
        {
            value.CopyTo(destination);
            return value.Length;
        }

        value[..first].CopyTo(destination);
        var written = first;
        var i = first;
        while (i < value.Length)
        {
            var b = value[i];
            if (b == '\\' && i + 3 < value.Length && value[i + 1] == 'x' && TryHex(value[i + 2], value[i + 3], out var decoded))
            {
                destination[written++] = decoded;
                i += 4;
            }
            else
            {
                destination[written++] = b;
                i++;
            }
        }

        if (Utf8.IsValid(destination[..written]))
        {
            return written;
        }

        value.CopyTo(destination);
        return value.Length;
    }

    private static bool TryHex(byte high, byte low, out byte value)
    {
        var h = HexValue(high);
        var l = HexValue(low);
        value = (byte)((h << 4) | l);
        return (h | l) >= 0;
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };
}
