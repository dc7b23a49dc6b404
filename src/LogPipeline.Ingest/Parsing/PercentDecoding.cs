using System.Text.Unicode;

namespace LogPipeline.Ingest.Parsing;

/// <summary>
/// Percent-decoding of a URL path the way Elastic's nginx integration presents <c>url.path</c> (its <c>uri_parts</c>
/// processor returns the decoded path): every <c>%HH</c> becomes its byte; a '%' not followed by two hex digits stays
/// as written; '+' stays '+' (it means a space only in form-encoded queries, never in a path). When the decoded bytes
/// are not valid UTF-8 the path is kept as written, so the field is always valid text. Never throws.
/// </summary>
public static class PercentDecoding
{
    /// <summary>Decodes <paramref name="value"/> into <paramref name="destination"/> (at least as long); returns the length.</summary>
    public static int DecodePath(ReadOnlySpan<byte> value, Span<byte> destination)
    {
        var first = value.IndexOf((byte)'%');
        if (first < 0)
        {
            value.CopyTo(destination);
            return value.Length;
        }

        value[..first].CopyTo(destination);
        var written = first;
        var i = first;
        var decodedAny = false;
        while (i < value.Length)
        {
            var b = value[i];
            if (b == (byte)'%' && i + 2 < value.Length && Hex(value[i + 1]) is var high and >= 0 && Hex(value[i + 2]) is var low and >= 0)
            {
                destination[written++] = (byte)((high << 4) | low);
                i += 3;
                decodedAny = true;
            }
            else
            {
                destination[written++] = b;
                i++;
            }
        }

        if (!decodedAny || Utf8.IsValid(destination[..written]))
        {
            return written;
        }

        value.CopyTo(destination);
        return value.Length;
    }

    private static int Hex(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };
}
