using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace LogPipeline.Ingest.Enrichment.Serialization;

/// <summary>
/// Collects one document's values by <see cref="DocumentField"/>, then writes them nested per
/// <see cref="DocumentLayout"/>, skipping unset fields and objects left empty. Reused: one instance per
/// thread (owned by that thread only), so a document costs no allocation beyond the output.
/// UTF-8 values are copied into an internal buffer, so callers may pass slices of short-lived spans.
/// </summary>
public sealed class DocumentBuilder
{
    // Slots stay small with one object reference: a slot store is then a few plain moves and one write barrier,
    // where a slot holding every kind's fields was copied with a bulk write-barrier move on every Set.
    private readonly Slot[] _slots = new Slot[DocumentFields.Names.Length];

    // Encoded values by field, read only where the field's slot says Kind.Encoded (Clear leaves stale ones behind).
    private readonly JsonEncodedText[] _encoded = new JsonEncodedText[DocumentFields.Names.Length];
    private readonly EscapedTextCache _text = new();

    // A UTF-8 value set for two fields (the line: message and event.original), escaped once per WriteTo into here and
    // copied for both; _escapedStart is where in _bytes the escaped value came from (-1: nothing escaped yet in this
    // WriteTo, which resets it).
    private readonly ArrayBufferWriter<byte> _escaped = new(1024);
    private int _escapedStart = -1;

    // The fields whose slot is set, so the writer skips an object with nothing inside in one test.
    private FieldMask _set;
    private byte[] _bytes = new byte[4096];
    private int _used;

    private enum Kind : byte
    {
        None,
        Utf8,
        Text,
        Encoded,
        EncodedArray,
        Long,
        Double,
        Bool,
        Time,
        Object,
    }

    public void Clear()
    {
        Array.Clear(_slots);
        _set = default;
        _used = 0;
    }

    /// <summary>The same UTF-8 value for two fields: copied once, and escaped once when the document is written.</summary>
    public void Set(DocumentField field, DocumentField sameValue, ReadOnlySpan<byte> utf8)
    {
        Set(field, utf8);
        if (utf8.IsEmpty)
        {
            return;
        }

        ref var slot = ref _slots[(int)field];
        slot.Shared = true;
        Store(sameValue, slot);
    }

    public void Set(DocumentField field, ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return;
        }

        var span = Reserve(utf8.Length);
        utf8.CopyTo(span);
        Commit(field, utf8.Length);
    }

    /// <summary>A writable buffer of <paramref name="length"/> bytes; finish with <see cref="Commit"/>.</summary>
    public Span<byte> Reserve(int length)
    {
        if (_bytes.Length - _used < length)
        {
            Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _used + length));
        }

        return _bytes.AsSpan(_used, length);
    }

    /// <summary>Stores the first <paramref name="length"/> bytes of the last <see cref="Reserve"/> as the field's value.</summary>
    public void Commit(DocumentField field, int length)
    {
        if (length == 0)
        {
            return;
        }

        Store(field, new Slot { Kind = Kind.Utf8, Start = _used, Length = length });
        _used += length;
    }

    public void Set(DocumentField field, string? text)
    {
        if (!string.IsNullOrEmpty(text))
        {
            Store(field, new Slot { Kind = Kind.Text, Ref = text });
        }
    }

    public void Set(DocumentField field, JsonEncodedText text)
    {
        _encoded[(int)field] = text;
        Store(field, new Slot { Kind = Kind.Encoded });
    }

    public void Set(DocumentField field, JsonEncodedText[] values) => Store(field, new Slot { Kind = Kind.EncodedArray, Ref = values });

    public void Set(DocumentField field, long value) => Store(field, new Slot { Kind = Kind.Long, Long = value });

    public void Set(DocumentField field, double value) => Store(field, new Slot { Kind = Kind.Double, Long = BitConverter.DoubleToInt64Bits(value) });

    public void Set(DocumentField field, bool value) => Store(field, new Slot { Kind = Kind.Bool, Long = value ? 1 : 0 });

    // The clock time's ticks and the offset in minutes (a DateTimeOffset's whole state).
    public void Set(DocumentField field, DateTimeOffset value) =>
        Store(field, new Slot { Kind = Kind.Time, Long = value.Ticks, Start = (int)(value.Offset.Ticks / TimeSpan.TicksPerMinute) });

    /// <summary>An object of string members whose names are not known in advance (pod labels); nothing when empty.</summary>
    public void Set(DocumentField field, (JsonEncodedText Key, string Value)[] members)
    {
        if (members.Length > 0)
        {
            Store(field, new Slot { Kind = Kind.Object, Ref = members });
        }
    }

    public bool IsSet(DocumentField field) => _slots[(int)field].Kind != Kind.None;

    private void Store(DocumentField field, in Slot slot)
    {
        _slots[(int)field] = slot;
        _set = _set.With((int)field);
    }

    /// <summary>
    /// Writes the document as minified JSON into <paramref name="output"/>, byte for byte what Utf8JsonWriter wrote with
    /// <see cref="JsonStrings.Encoder"/>: member names from <see cref="DocumentLayout.Templates"/>, values by kind.
    /// </summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        var ops = DocumentLayout.Ops;
        var o = new DocumentOutput(output);

        // True right after a '{': the next member's template is written without its leading comma.
        var first = true;
        _escapedStart = -1;
        o.WriteByte((byte)'{');
        for (var i = 0; i < ops.Length; i++)
        {
            var op = ops[i];
            if (op >= 0)
            {
                ref readonly var slot = ref _slots[op];
                if (slot.Kind == Kind.None)
                {
                    continue;
                }

                WriteTemplate(ref o, i, first);
                first = false;
                WriteValue(ref o, slot, op);
            }
            else if (op == DocumentLayout.Open)
            {
                // An object with no set field inside is not written at all (no empty "user": {}).
                if (!_set.Overlaps(DocumentLayout.Inside[i]))
                {
                    i = DocumentLayout.Ends[i];
                    continue;
                }

                WriteTemplate(ref o, i, first);
                first = true;
            }
            else
            {
                o.WriteByte((byte)'}');
                first = false;
            }
        }

        o.WriteByte((byte)'}');
        o.Flush();
    }

    private static void WriteTemplate(ref DocumentOutput o, int step, bool first)
    {
        var skip = first ? 1 : 0;
        var length = DocumentLayout.TemplateLengths[step] - skip;
        var template = DocumentLayout.Templates[step].AsSpan(skip);
        if (length <= DocumentLayout.TemplatePadding)
        {
            // A fixed-size block copy (the padding is zeros, overwritten by what follows) instead of a sized copy call.
            o.WritePadded(template[..DocumentLayout.TemplatePadding], length);
        }
        else
        {
            o.Write(template[..length]);
        }
    }

    private void WriteValue(ref DocumentOutput o, in Slot slot, int field)
    {
        switch (slot.Kind)
        {
            case Kind.Utf8 when slot.Shared:
                if (_escapedStart != slot.Start)
                {
                    _escaped.ResetWrittenCount();
                    var escaped = new DocumentOutput(_escaped);
                    JsonStrings.WriteUtf8(ref escaped, _bytes.AsSpan(slot.Start, slot.Length));
                    escaped.Flush();
                    _escapedStart = slot.Start;
                }

                o.Write(_escaped.WrittenSpan);
                break;
            case Kind.Utf8:
                JsonStrings.WriteUtf8(ref o, _bytes.AsSpan(slot.Start, slot.Length));
                break;
            case Kind.Text:
                JsonStrings.WriteText(ref o, (string)slot.Ref!, _text);
                break;
            case Kind.Encoded:
                WriteEncoded(ref o, _encoded[field]);
                break;
            case Kind.EncodedArray:
                o.WriteByte((byte)'[');
                var values = (JsonEncodedText[])slot.Ref!;
                for (var i = 0; i < values.Length; i++)
                {
                    if (i > 0)
                    {
                        o.WriteByte((byte)',');
                    }

                    WriteEncoded(ref o, values[i]);
                }

                o.WriteByte((byte)']');
                break;
            case Kind.Long:
                Utf8Formatter.TryFormat(slot.Long, o.Free(MaxLongLength), out var longLength);
                o.Advance(longLength);
                break;
            case Kind.Double:
                var number = BitConverter.Int64BitsToDouble(slot.Long);
                if (!double.IsFinite(number))
                {
                    // Utf8JsonWriter refuses these too: JSON has no NaN or infinity.
                    throw new ArgumentException($"{DocumentFields.Names[field]} is not a finite number.", nameof(slot));
                }

                // Utf8Formatter's default is the shortest round-trippable form, what Utf8JsonWriter writes.
                Utf8Formatter.TryFormat(number, o.Free(MaxDoubleLength), out var doubleLength);
                o.Advance(doubleLength);
                break;
            case Kind.Bool:
                o.Write(slot.Long != 0 ? "true"u8 : "false"u8);
                break;
            case Kind.Time:
                var time = o.Free(TimestampLength + 2);
                time[0] = (byte)'"';
                FormatTimestamp(new DateTimeOffset(slot.Long, TimeSpan.FromMinutes(slot.Start)), time[1..]);
                time[TimestampLength + 1] = (byte)'"';
                o.Advance(TimestampLength + 2);
                break;
            case Kind.Object:
                o.WriteByte((byte)'{');
                var members = ((JsonEncodedText Key, string Value)[])slot.Ref!;
                for (var i = 0; i < members.Length; i++)
                {
                    o.Write(i > 0 ? ",\""u8 : "\""u8);
                    o.Write(members[i].Key.EncodedUtf8Bytes);
                    o.Write("\":"u8);
                    if (members[i].Value is { } value)
                    {
                        JsonStrings.WriteText(ref o, value, _text);
                    }
                    else
                    {
                        // What Utf8JsonWriter.WriteString wrote for a null string.
                        o.Write("null"u8);
                    }
                }

                o.WriteByte((byte)'}');
                break;
            default:
                break;
        }
    }

    private static void WriteEncoded(ref DocumentOutput o, JsonEncodedText value)
    {
        var bytes = value.EncodedUtf8Bytes;
        var span = o.Free(bytes.Length + 2);
        span[0] = (byte)'"';
        bytes.CopyTo(span[1..]);
        span[bytes.Length + 1] = (byte)'"';
        o.Advance(bytes.Length + 2);
    }

    /// <summary>The value stored for <paramref name="field"/> as an object (tests compare the writer against Utf8JsonWriter with it).</summary>
    internal object? ValueOf(DocumentField field)
    {
        var slot = _slots[(int)field];
        return slot.Kind switch
        {
            Kind.None => null,
            Kind.Utf8 => _bytes.AsSpan(slot.Start, slot.Length).ToArray(),
            Kind.Text => (string)slot.Ref!,
            Kind.Encoded => _encoded[(int)field],
            Kind.EncodedArray => (JsonEncodedText[])slot.Ref!,
            Kind.Long => slot.Long,
            Kind.Double => BitConverter.Int64BitsToDouble(slot.Long),
            Kind.Bool => slot.Long != 0,
            Kind.Time => new DateTimeOffset(slot.Long, TimeSpan.FromMinutes(slot.Start)),
            Kind.Object => ((JsonEncodedText Key, string Value)[])slot.Ref!,
            _ => null,
        };
    }

    // "-9223372036854775808"; JsonConstants.MaximumFormatDoubleLength, as Utf8JsonWriter reserves.
    private const int MaxLongLength = 20;
    private const int MaxDoubleLength = 128;

    /// <summary>Length of <c>yyyy-MM-ddTHH:mm:ss.fff±hh:mm</c>.</summary>
    internal const int TimestampLength = 29;

    /// <summary>
    /// Writes <paramref name="value"/> as <c>yyyy-MM-dd'T'HH:mm:ss.fffzzz</c> (invariant; the offset as ±hh:mm, so UTC
    /// is +00:00). By hand: the custom-format path of <c>DateTimeOffset.TryFormat</c> was a visible share of the
    /// worker's CPU, with two or three timestamps per document.
    /// </summary>
    internal static void FormatTimestamp(DateTimeOffset value, Span<byte> destination)
    {
        var time = value.DateTime;

        // One date computation from the ticks for all three parts (each of Year, Month, Day would redo it).
        var (year, month, day) = time;
        if ((uint)year > 9999 || destination.Length < TimestampLength)
        {
            throw new ArgumentOutOfRangeException(nameof(value));
        }

        Digits4(destination, year);
        destination[4] = (byte)'-';
        Digits2(destination[5..], month);
        destination[7] = (byte)'-';
        Digits2(destination[8..], day);
        destination[10] = (byte)'T';
        Digits2(destination[11..], time.Hour);
        destination[13] = (byte)':';
        Digits2(destination[14..], time.Minute);
        destination[16] = (byte)':';
        Digits2(destination[17..], time.Second);
        destination[19] = (byte)'.';
        var millisecond = time.Millisecond;
        destination[20] = (byte)('0' + (millisecond / 100));
        Digits2(destination[21..], millisecond % 100);
        var offset = (int)(value.Offset.Ticks / TimeSpan.TicksPerMinute);
        destination[23] = offset < 0 ? (byte)'-' : (byte)'+';
        offset = Math.Abs(offset);
        Digits2(destination[24..], offset / 60);
        destination[26] = (byte)':';
        Digits2(destination[27..], offset % 60);
    }

    private static void Digits2(Span<byte> destination, int value)
    {
        destination[0] = (byte)('0' + (value / 10));
        destination[1] = (byte)('0' + (value % 10));
    }

    private static void Digits4(Span<byte> destination, int value)
    {
        Digits2(destination, value / 100);
        Digits2(destination[2..], value % 100);
    }

    private struct Slot
    {
        public Kind Kind;

        // Utf8 set for two fields (Set(field, sameValue, utf8)): both slots hold the same Start and Length.
        public bool Shared;
        public int Start;
        public int Length;
        // Long, double bits, bool, or a time's clock ticks (its offset minutes in Start).
        public long Long;

        // Text: string; EncodedArray: JsonEncodedText[]; Object: (JsonEncodedText, string)[].
        public object? Ref;
    }
}
