using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace LogPipeline.Ingest.Parsing;

/// <summary>
/// Lines written with <c>log_format … escape=json '{…}'</c>: one JSON object per line. Keys map to
/// variables either by a template (the format string itself) or, for plain <c>json</c>, by the key
/// being the variable's name (<c>"remote_addr"</c>, <c>"time_local"</c>, …).
/// </summary>
internal sealed class JsonAccessLogFormat : AccessLogFormat
{
    private const int MaxDepth = 8;
    private readonly FrozenDictionary<string, LogVariable>.AlternateLookup<ReadOnlySpan<char>> _keys;

    private JsonAccessLogFormat(FrozenDictionary<string, LogVariable> keys)
    {
        _keys = keys.GetAlternateLookup<ReadOnlySpan<char>>();
        Variables = [.. keys.Values.Distinct()];
    }

    public override IReadOnlyList<LogVariable> Variables { get; }

    public static AccessLogFormat ByVariableName()
    {
        var keys = new Dictionary<string, LogVariable>(StringComparer.Ordinal);
        foreach (var name in (ReadOnlySpan<string>)[
                     "remote_addr", "remote_user", "time_local", "time_iso8601", "msec", "request", "request_method",
                     "request_uri", "uri", "args", "query_string", "server_protocol", "status", "body_bytes_sent",
                     "http_referer", "http_user_agent", "http_x_forwarded_for", "request_time", "upstream_response_time",
                     "host", "http_host", "server_name"])
        {
            keys[name] = LogVariables.FromName(name);
        }

        return new JsonAccessLogFormat(keys.ToFrozenDictionary(StringComparer.Ordinal));
    }

    /// <summary>Reads <c>"key": "$variable"</c> (or an unquoted <c>$variable</c>, as for numbers) pairs.</summary>
    public static bool TryFromTemplate(string template, [NotNullWhen(true)] out AccessLogFormat? compiled, [NotNullWhen(false)] out string? error)
    {
        compiled = null;
        var keys = new Dictionary<string, LogVariable>(StringComparer.Ordinal);
        var i = 0;
        while ((i = template.IndexOf('$', i)) >= 0)
        {
            var end = i + 1;
            while (end < template.Length && (char.IsAsciiLetterOrDigit(template[end]) || template[end] == '_'))
            {
                end++;
            }

            var variable = template[(i + 1)..end];
            var colon = template.LastIndexOf(':', i);
            var keyEnd = colon < 0 ? -1 : template.LastIndexOf('"', colon);
            var keyStart = keyEnd <= 0 ? -1 : template.LastIndexOf('"', keyEnd - 1);
            if (variable.Length == 0 || keyStart < 0)
            {
                error = $"'$' at position {i} is not the value of a \"key\": in the JSON template";
                return false;
            }

            var between = template.AsSpan(colon + 1, i - colon - 1).Trim();
            if (between.Length == 0 || between is "\"")
            {
                keys[template[(keyStart + 1)..keyEnd]] = LogVariables.FromName(variable);
            }

            i = end;
        }

        if (keys.Values.All(v => v == LogVariable.Ignored))
        {
            error = "the JSON template maps no key to a variable the worker indexes (e.g. \"status\":\"$status\")";
            return false;
        }

        compiled = new JsonAccessLogFormat(keys.ToFrozenDictionary(StringComparer.Ordinal));
        error = null;
        return true;
    }

    public override string? TryParse(ReadOnlySpan<byte> line, Span<byte> scratch, out AccessLogRecord record)
    {
        record = default;
        if (line.IsEmpty)
        {
            return "empty line";
        }

        if (scratch.Length < line.Length)
        {
            throw new ArgumentException("the scratch buffer must be at least as long as the line", nameof(scratch));
        }

        try
        {
            return Read(line, scratch, ref record);
        }
        catch (JsonException ex)
        {
            record = default;
            return $"not a JSON object: {ex.Message}";
        }
        catch (InvalidOperationException ex)
        {
            record = default;
            return $"not a JSON object: {ex.Message}";
        }
    }

    private string? Read(ReadOnlySpan<byte> line, Span<byte> scratch, ref AccessLogRecord record)
    {
        var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = MaxDepth });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return "not a JSON object";
        }

        Span<char> key = stackalloc char[64];
        var used = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var variable = LogVariable.Ignored;
            if (!reader.ValueIsEscaped && reader.ValueSpan.Length <= key.Length)
            {
                var written = Encoding.UTF8.GetChars(reader.ValueSpan, key);
                _keys.TryGetValue(key[..written], out variable);
            }
            else if (reader.ValueIsEscaped)
            {
                _keys.TryGetValue(reader.GetString(), out variable);
            }

            reader.Read();
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    var length = reader.CopyString(scratch[used..]);
                    var value = scratch.Slice(used, length);
                    used += length;
                    if (variable != LogVariable.Ignored && FieldConverter.Assign(variable, value, ref record) is { } error)
                    {
                        return error;
                    }

                    break;
                case JsonTokenType.Number:
                    if (variable != LogVariable.Ignored && FieldConverter.Assign(variable, reader.ValueSpan, ref record) is { } numberError)
                    {
                        return numberError;
                    }

                    break;
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    reader.Skip();
                    break;
                default:
                    break;
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.CurrentDepth != 0)
        {
            return "JSON object is not closed (truncated?)";
        }

        return reader.Read() ? "text after the JSON object" : null;
    }
}
