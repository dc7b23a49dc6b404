using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace LogPipeline.Ingest.Parsing;

/// <summary>
/// A text <c>log_format</c> compiled to: leading literal, then (variable, literal that ends it) pairs.
/// A value runs to the next occurrence of its closing literal; nginx escapes '"' and control bytes as
/// <c>\xHH</c>, so a quoted value cannot contain its closing quote. The last value is anchored to the
/// line's end, so a user agent with '" "' in it cannot shift it.
/// </summary>
internal sealed class TextAccessLogFormat : AccessLogFormat
{
    private readonly byte[] _prefix;
    private readonly (LogVariable Variable, string Name, byte[] Terminator)[] _fields;

    private TextAccessLogFormat(byte[] prefix, (LogVariable Variable, string Name, byte[] Terminator)[] fields)
    {
        _prefix = prefix;
        _fields = fields;
        Variables = [.. fields.Select(f => f.Variable)];
    }

    public override IReadOnlyList<LogVariable> Variables { get; }

    public static bool TryCreate(string format, [NotNullWhen(true)] out AccessLogFormat? compiled, [NotNullWhen(false)] out string? error)
    {
        compiled = null;
        var literal = new StringBuilder();
        byte[]? prefix = null;
        var fields = new List<(LogVariable, string, byte[])>();
        string? pending = null;
        var i = 0;
        while (i < format.Length)
        {
            if (format[i] != '$')
            {
                literal.Append(format[i++]);
                continue;
            }

            var braced = i + 1 < format.Length && format[i + 1] == '{';
            var start = i + (braced ? 2 : 1);
            var end = start;
            while (end < format.Length && (char.IsAsciiLetterOrDigit(format[end]) || format[end] == '_'))
            {
                end++;
            }

            if (end == start || (braced && (end >= format.Length || format[end] != '}')))
            {
                error = $"'$' at position {i} is not followed by a variable name";
                return false;
            }

            if (pending is null)
            {
                prefix = Encoding.UTF8.GetBytes(literal.ToString());
            }
            else if (literal.Length == 0)
            {
                error = $"${pending} and ${format[start..end]} have nothing between them, so the line cannot be split";
                return false;
            }
            else
            {
                fields.Add((LogVariables.FromName(pending), pending, Encoding.UTF8.GetBytes(literal.ToString())));
            }

            literal.Clear();
            pending = format[start..end];
            i = end + (braced ? 1 : 0);
        }

        if (pending is null)
        {
            error = "the log format has no $variable";
            return false;
        }

        fields.Add((LogVariables.FromName(pending), pending, Encoding.UTF8.GetBytes(literal.ToString())));
        if (fields.TrueForAll(f => f.Item1 == LogVariable.Ignored))
        {
            error = "the log format has none of the variables the worker indexes (e.g. $remote_addr, $time_local, $request, $status)";
            return false;
        }

        compiled = new TextAccessLogFormat(prefix ?? [], [.. fields]);
        error = null;
        return true;
    }

    public override string? TryParse(ReadOnlySpan<byte> line, Span<byte> scratch, out AccessLogRecord record)
    {
        record = default;
        record.Escaped = true;
        if (line.IsEmpty)
        {
            return "empty line";
        }

        if (!line.StartsWith(_prefix))
        {
            return "line does not start like the log format";
        }

        var rest = line[_prefix.Length..];
        for (var f = 0; f < _fields.Length; f++)
        {
            var (variable, name, terminator) = _fields[f];
            ReadOnlySpan<byte> value;
            if (f == _fields.Length - 1)
            {
                if (!rest.EndsWith(terminator))
                {
                    return $"line ends before ${name} is closed (truncated?)";
                }

                value = rest[..^terminator.Length];
            }
            else
            {
                var end = rest.IndexOf(terminator);
                if (end < 0)
                {
                    return $"line ends before ${name} is closed (truncated?)";
                }

                value = rest[..end];
                rest = rest[(end + terminator.Length)..];
            }

            if (FieldConverter.Assign(variable, value, ref record) is { } error)
            {
                return error;
            }
        }

        return null;
    }
}
