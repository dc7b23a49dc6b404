using System.Buffers;
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
        _used = 0;
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

        _slots[(int)field] = new Slot { Kind = Kind.Utf8, Start = _used, Length = length };
        _used += length;
    }

    public void Set(DocumentField field, string? text)
    {
        if (!string.IsNullOrEmpty(text))
        {
            _slots[(int)field] = new Slot { Kind = Kind.Text, Ref = text };
        }
    }

    public void Set(DocumentField field, JsonEncodedText text)
    {
        _encoded[(int)field] = text;
        _slots[(int)field] = new Slot { Kind = Kind.Encoded };
    }

    public void Set(DocumentField field, JsonEncodedText[] values) => _slots[(int)field] = new Slot { Kind = Kind.EncodedArray, Ref = values };

    public void Set(DocumentField field, long value) => _slots[(int)field] = new Slot { Kind = Kind.Long, Long = value };

    public void Set(DocumentField field, double value) => _slots[(int)field] = new Slot { Kind = Kind.Double, Long = BitConverter.DoubleToInt64Bits(value) };

    public void Set(DocumentField field, bool value) => _slots[(int)field] = new Slot { Kind = Kind.Bool, Long = value ? 1 : 0 };

    // The clock time's ticks and the offset in minutes (a DateTimeOffset's whole state).
    public void Set(DocumentField field, DateTimeOffset value) =>
        _slots[(int)field] = new Slot { Kind = Kind.Time, Long = value.Ticks, Start = (int)(value.Offset.Ticks / TimeSpan.TicksPerMinute) };

    /// <summary>An object of string members whose names are not known in advance (pod labels); nothing when empty.</summary>
    public void Set(DocumentField field, (JsonEncodedText Key, string Value)[] members)
    {
        if (members.Length > 0)
        {
            _slots[(int)field] = new Slot { Kind = Kind.Object, Ref = members };
        }
    }

    public bool IsSet(DocumentField field) => _slots[(int)field].Kind != Kind.None;

    public void WriteTo(Utf8JsonWriter writer)
    {
        var program = DocumentLayout.Program;

        // Objects are opened lazily, on their first set field, so an all-empty "user" never appears.
        Span<int> pending = stackalloc int[8];
        Span<bool> opened = stackalloc bool[8];
        var depth = 0;
        writer.WriteStartObject();
        for (var i = 0; i < program.Length; i++)
        {
            var (op, name) = program[i];
            if (op == DocumentLayout.Open)
            {
                pending[depth] = i;
                opened[depth] = false;
                depth++;
                continue;
            }

            if (op == DocumentLayout.Close)
            {
                depth--;
                if (opened[depth])
                {
                    writer.WriteEndObject();
                }

                continue;
            }

            ref readonly var slot = ref _slots[op];
            if (slot.Kind == Kind.None)
            {
                continue;
            }

            for (var d = 0; d < depth; d++)
            {
                if (!opened[d])
                {
                    writer.WriteStartObject(program[pending[d]].Name);
                    opened[d] = true;
                }
            }

            WriteValue(writer, name, slot, op);
        }

        writer.WriteEndObject();
    }

    private void WriteValue(Utf8JsonWriter writer, JsonEncodedText name, in Slot slot, int field)
    {
        switch (slot.Kind)
        {
            case Kind.Utf8:
                writer.WriteString(name, _bytes.AsSpan(slot.Start, slot.Length));
                break;
            case Kind.Text:
                writer.WriteString(name, (string)slot.Ref!);
                break;
            case Kind.Encoded:
                writer.WriteString(name, _encoded[field]);
                break;
            case Kind.EncodedArray:
                writer.WriteStartArray(name);
                foreach (var value in (JsonEncodedText[])slot.Ref!)
                {
                    writer.WriteStringValue(value);
                }

                writer.WriteEndArray();
                break;
            case Kind.Long:
                writer.WriteNumber(name, slot.Long);
                break;
            case Kind.Double:
                writer.WriteNumber(name, BitConverter.Int64BitsToDouble(slot.Long));
                break;
            case Kind.Bool:
                writer.WriteBoolean(name, slot.Long != 0);
                break;
            case Kind.Time:
                Span<byte> buffer = stackalloc byte[TimestampLength];
                FormatTimestamp(new DateTimeOffset(slot.Long, TimeSpan.FromMinutes(slot.Start)), buffer);
                writer.WriteString(name, buffer);
                break;
            case Kind.Object:
                writer.WriteStartObject(name);
                foreach (var (key, value) in ((JsonEncodedText Key, string Value)[])slot.Ref!)
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
                break;
            default:
                break;
        }
    }

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
        var year = time.Year;
        if ((uint)year > 9999 || destination.Length < TimestampLength)
        {
            throw new ArgumentOutOfRangeException(nameof(value));
        }

        Digits4(destination, year);
        destination[4] = (byte)'-';
        Digits2(destination[5..], time.Month);
        destination[7] = (byte)'-';
        Digits2(destination[8..], time.Day);
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
        public int Start;
        public int Length;
        // Long, double bits, bool, or a time's clock ticks (its offset minutes in Start).
        public long Long;

        // Text: string; EncodedArray: JsonEncodedText[]; Object: (JsonEncodedText, string)[].
        public object? Ref;
    }
}
