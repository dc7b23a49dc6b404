using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using LogPipeline.Ingest.Enrichment.Serialization;

namespace LogPipeline.Ingest.Tests.Enrichment.Serialization;

/// <summary>
/// The reference for <see cref="DocumentBuilder.WriteTo"/>: the same values written the way the product wrote them
/// before it had its own writer — Utf8JsonWriter with the relaxed encoder, objects opened lazily per
/// <see cref="DocumentLayout.Program"/>, one Utf8JsonWriter call per value kind.
/// </summary>
internal static class Utf8JsonWriterOracle
{
    private static readonly JsonWriterOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = false,
    };

    public static byte[] Write(DocumentBuilder builder)
    {
        var output = new ArrayBufferWriter<byte>();
        using var writer = new Utf8JsonWriter(output, Options);
        var program = DocumentLayout.Program;
        var pending = new int[8];
        var opened = new bool[8];
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

            var value = builder.ValueOf((DocumentField)op);
            if (value is null)
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

            WriteValue(writer, name, value);
        }

        writer.WriteEndObject();
        writer.Flush();
        return output.WrittenSpan.ToArray();
    }

    private static void WriteValue(Utf8JsonWriter writer, JsonEncodedText name, object value)
    {
        switch (value)
        {
            case byte[] utf8:
                writer.WriteString(name, utf8);
                break;
            case string text:
                writer.WriteString(name, text);
                break;
            case JsonEncodedText encoded:
                writer.WriteString(name, encoded);
                break;
            case JsonEncodedText[] array:
                writer.WriteStartArray(name);
                foreach (var item in array)
                {
                    writer.WriteStringValue(item);
                }

                writer.WriteEndArray();
                break;
            case long number:
                writer.WriteNumber(name, number);
                break;
            case double number:
                writer.WriteNumber(name, number);
                break;
            case bool flag:
                writer.WriteBoolean(name, flag);
                break;
            case DateTimeOffset time:
                var buffer = new byte[DocumentBuilder.TimestampLength];
                DocumentBuilder.FormatTimestamp(time, buffer);
                writer.WriteString(name, buffer);
                break;
            case (JsonEncodedText Key, string Value)[] members:
                writer.WriteStartObject(name);
                foreach (var (key, member) in members)
                {
                    writer.WriteString(key, member);
                }

                writer.WriteEndObject();
                break;
            default:
                throw new InvalidOperationException($"unexpected value type {value.GetType()}");
        }
    }
}
