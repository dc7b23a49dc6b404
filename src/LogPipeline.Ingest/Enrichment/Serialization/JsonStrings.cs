using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;

namespace LogPipeline.Ingest.Enrichment.Serialization;

/// <summary>
/// JSON string values as Utf8JsonWriter writes them with <see cref="JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/>:
/// a value made only of bytes the encoder never touches is copied as it is; an ASCII character it escapes is written
/// as the encoder wrote it once at start-up, and anything non-ASCII goes through the very same encoder, so the output
/// cannot differ from Utf8JsonWriter's (DocumentWriterEquivalenceTests holds it to that). Stateless, thread-safe.
/// </summary>
internal static class JsonStrings
{
    /// <summary>The document goes to Elasticsearch, never into HTML: no need to \u-escape '&lt;', '&amp;' or non-ASCII.</summary>
    public static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    // The ASCII characters the encoder leaves alone, found by asking it (not a hand-written list that could drift).
    private static readonly SearchValues<byte> SafeBytes = SearchValues.Create(SafeAscii());
    private static readonly SearchValues<char> SafeChars = SearchValues.Create(Encoding.ASCII.GetString(SafeAscii()));

    // Indexed by ASCII byte: what the encoder writes for it when it is not safe (empty for safe bytes).
    private static readonly byte[][] AsciiEscapes = BuildAsciiEscapes();

    /// <summary>Room one more escaped scalar always needs (a supplementary character as two \u escapes).</summary>
    private const int MaxEscapedScalarBytes = 12;

    /// <summary>Writes <paramref name="value"/> (UTF-8) as a quoted, escaped JSON string.</summary>
    public static void WriteUtf8(ref DocumentOutput output, ReadOnlySpan<byte> value)
    {
        var first = value.IndexOfAnyExcept(SafeBytes);
        if (first < 0)
        {
            var span = output.Free(value.Length + 2);
            span[0] = (byte)'"';
            value.CopyTo(span[1..]);
            span[value.Length + 1] = (byte)'"';
            output.Advance(value.Length + 2);
            return;
        }

        output.WriteByte((byte)'"');
        while (first >= 0)
        {
            output.Write(value[..first]);
            value = value[first..];
            if (value[0] < 0x80)
            {
                // An ASCII character the encoder escapes (a log line's quotes): its escape, taken from the encoder once.
                output.Write(AsciiEscapes[value[0]]);
                value = value[1..];
            }
            else
            {
                // A run of non-ASCII bytes goes to the encoder whole. Cutting at ASCII bytes changes nothing: an ASCII
                // byte is never part of a multi-byte sequence, valid or not, so the encoder sees the same scalars and
                // replaces the same invalid bytes.
                var end = value.IndexOfAnyInRange((byte)0, (byte)0x7F);
                var run = end < 0 ? value : value[..end];
                EncodeUtf8(ref output, run);
                value = value[run.Length..];
            }

            first = value.IndexOfAnyExcept(SafeBytes);
        }

        output.Write(value);
        output.WriteByte((byte)'"');
    }

    /// <summary>
    /// Writes <paramref name="value"/> as a quoted JSON string, as Utf8JsonWriter does a string: escaped as UTF-16 by
    /// the encoder, then transcoded. Plain ASCII is narrowed straight into the output; anything else comes from
    /// <paramref name="cache"/>, so a repeated non-ASCII name (a country, a device) is escaped once.
    /// </summary>
    public static void WriteText(ref DocumentOutput output, string value, EscapedTextCache cache)
    {
        if (value.AsSpan().IndexOfAnyExcept(SafeChars) < 0)
        {
            var span = output.Free(value.Length + 2);
            span[0] = (byte)'"';
            Ascii.FromUtf16(value, span[1..], out var written);
            span[written + 1] = (byte)'"';
            output.Advance(written + 2);
            return;
        }

        output.Write(cache.Quoted(value));
    }

    /// <summary>The encoder's escaping of <paramref name="value"/>, quoted and as UTF-8, into <paramref name="destination"/>.</summary>
    public static int EscapeQuoted(string value, ref char[] chars, ref byte[] destination)
    {
        // At most 6 chars per char (\uXXXX; a surrogate pair becomes two of them), then at most 3 bytes per char.
        var maxChars = value.Length * 6;
        if (chars.Length < maxChars)
        {
            chars = new char[Math.Max(maxChars, chars.Length * 2)];
        }

        var status = Encoder.Encode(value, chars, out _, out var escaped, isFinalBlock: true);
        if (status != OperationStatus.Done)
        {
            throw new ArgumentException($"The encoder could not escape a string value ({status}).", nameof(value));
        }

        var maxBytes = (escaped * 3) + 2;
        if (destination.Length < maxBytes)
        {
            destination = new byte[Math.Max(maxBytes, destination.Length * 2)];
        }

        destination[0] = (byte)'"';
        status = Utf8.FromUtf16(chars.AsSpan(0, escaped), destination.AsSpan(1), out _, out var written, replaceInvalidSequences: false);
        if (status != OperationStatus.Done)
        {
            // Utf8JsonWriter throws here too; the encoder leaves no lone surrogate, so this is not expected.
            throw new ArgumentException("Cannot transcode an invalid UTF-16 string value to UTF-8.", nameof(value));
        }

        destination[written + 1] = (byte)'"';
        return written + 2;
    }

    private static void EncodeUtf8(ref DocumentOutput output, ReadOnlySpan<byte> value)
    {
        // Scalar by scalar into whatever room the output has, asking for more when one does not fit.
        var room = MaxEscapedScalarBytes;
        while (true)
        {
            var status = Encoder.EncodeUtf8(value, output.Free(room), out var consumed, out var written, isFinalBlock: true);
            output.Advance(written);
            value = value[consumed..];
            switch (status)
            {
                case OperationStatus.Done:
                    return;
                case OperationStatus.DestinationTooSmall:
                    room = consumed == 0 ? room * 2 : MaxEscapedScalarBytes;
                    break;
                default:
                    // As Utf8JsonWriter: the encoder replaces invalid sequences itself, so it never says so for a final block.
                    throw new ArgumentException($"The encoder could not escape a UTF-8 value ({status}).", nameof(value));
            }
        }
    }

    private static byte[][] BuildAsciiEscapes()
    {
        var escapes = new byte[0x80][];
        Span<byte> one = stackalloc byte[1];
        Span<byte> escaped = stackalloc byte[MaxEscapedScalarBytes];
        for (var b = 0; b < 0x80; b++)
        {
            one[0] = (byte)b;
            if (Encoder.EncodeUtf8(one, escaped, out _, out var written, isFinalBlock: true) != OperationStatus.Done)
            {
                throw new InvalidOperationException($"The encoder could not escape 0x{b:X2}.");
            }

            escapes[b] = Encoder.FindFirstCharacterToEncodeUtf8(one) < 0 ? [] : escaped[..written].ToArray();
        }

        return escapes;
    }

    private static byte[] SafeAscii()
    {
        var safe = new List<byte>();
        Span<byte> one = stackalloc byte[1];
        for (var b = 0; b < 0x80; b++)
        {
            one[0] = (byte)b;
            if (Encoder.FindFirstCharacterToEncodeUtf8(one) < 0)
            {
                safe.Add((byte)b);
            }
        }

        return [.. safe];
    }
}
