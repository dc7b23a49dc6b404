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
    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fffzzz";
    private readonly Slot[] _slots = new Slot[DocumentFields.Names.Length];
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
            _slots[(int)field] = new Slot { Kind = Kind.Text, Text = text };
        }
    }

    public void Set(DocumentField field, JsonEncodedText text) => _slots[(int)field] = new Slot { Kind = Kind.Encoded, Encoded = text };

    public void Set(DocumentField field, JsonEncodedText[] values) => _slots[(int)field] = new Slot { Kind = Kind.EncodedArray, Array = values };

    public void Set(DocumentField field, long value) => _slots[(int)field] = new Slot { Kind = Kind.Long, Long = value };

    public void Set(DocumentField field, double value) => _slots[(int)field] = new Slot { Kind = Kind.Double, Double = value };

    public void Set(DocumentField field, bool value) => _slots[(int)field] = new Slot { Kind = Kind.Bool, Long = value ? 1 : 0 };

    public void Set(DocumentField field, DateTimeOffset value) => _slots[(int)field] = new Slot { Kind = Kind.Time, Time = value };

    /// <summary>An object of string members whose names are not known in advance (pod labels); nothing when empty.</summary>
    public void Set(DocumentField field, (JsonEncodedText Key, string Value)[] members)
    {
        if (members.Length > 0)
        {
            _slots[(int)field] = new Slot { Kind = Kind.Object, Members = members };
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

            WriteValue(writer, name, slot);
        }

        writer.WriteEndObject();
    }

    private void WriteValue(Utf8JsonWriter writer, JsonEncodedText name, in Slot slot)
    {
        switch (slot.Kind)
        {
            case Kind.Utf8:
                writer.WriteString(name, _bytes.AsSpan(slot.Start, slot.Length));
                break;
            case Kind.Text:
                writer.WriteString(name, slot.Text);
                break;
            case Kind.Encoded:
                writer.WriteString(name, slot.Encoded);
                break;
            case Kind.EncodedArray:
                writer.WriteStartArray(name);
                foreach (var value in slot.Array!)
                {
                    writer.WriteStringValue(value);
                }

                writer.WriteEndArray();
                break;
            case Kind.Long:
                writer.WriteNumber(name, slot.Long);
                break;
            case Kind.Double:
                writer.WriteNumber(name, slot.Double);
                break;
            case Kind.Bool:
                writer.WriteBoolean(name, slot.Long != 0);
                break;
            case Kind.Time:
                Span<byte> buffer = stackalloc byte[40];
                slot.Time.TryFormat(buffer, out var written, TimestampFormat, System.Globalization.CultureInfo.InvariantCulture);
                writer.WriteString(name, buffer[..written]);
                break;
            case Kind.Object:
                writer.WriteStartObject(name);
                foreach (var (key, value) in slot.Members!)
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
                break;
            default:
                break;
        }
    }

    private struct Slot
    {
        public Kind Kind;
        public int Start;
        public int Length;
        public long Long;
        public double Double;
        public DateTimeOffset Time;
        public string? Text;
        public JsonEncodedText Encoded;
        public JsonEncodedText[]? Array;
        public (JsonEncodedText Key, string Value)[]? Members;
    }
}
