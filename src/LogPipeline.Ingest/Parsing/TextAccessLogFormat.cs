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
    private const int MaxAttempts = 16;
    private readonly byte[] _prefix;
    private readonly (LogVariable Variable, string Name, byte[] Terminator)[] _fields;

    // One message per field, made once: no allocation per bad line, and identity tells "ran out of line" apart.
    private readonly string[] _endOfLine;

    private TextAccessLogFormat(byte[] prefix, (LogVariable Variable, string Name, byte[] Terminator)[] fields)
    {
        _prefix = prefix;
        _fields = fields;
        _endOfLine = [.. fields.Select(f => $"line ends before ${f.Name} is closed (truncated?)")];
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

        var budget = MaxAttempts;
        return Match(0, line[_prefix.Length..], ref record, ref budget);
    }

    /// <summary>
    /// Splits field <paramref name="f"/> at the first occurrence of its closing literal; when a later field then
    /// fails (a " [" inside $remote_user, say), retries at the next occurrence, within a small budget so a
    /// hostile line costs at most a few passes. Returns the first failure's reason, the most telling one.
    /// </summary>
    private string? Match(int f, ReadOnlySpan<byte> rest, ref AccessLogRecord record, ref int budget)
    {
        var (variable, _, terminator) = _fields[f];
        if (f == _fields.Length - 1)
        {
            return rest.EndsWith(terminator)
                ? FieldConverter.Assign(variable, rest[..^terminator.Length], ref record)
                : _endOfLine[f];
        }

        string? firstError = null;
        var from = 0;
        while (true)
        {
            var found = rest[from..].IndexOf(terminator);
            if (found < 0)
            {
                return firstError ?? _endOfLine[f];
            }

            var end = from + found;
            var error = FieldConverter.Assign(variable, rest[..end], ref record)
                        ?? Match(f + 1, rest[(end + terminator.Length)..], ref record, ref budget);
            if (error is null)
            {
                return null;
            }

            // Running out of line is not fixed by splitting elsewhere (and the partial record of a cut line
            // must stay as first read); only a value that did not convert is worth another split.
            firstError ??= error;
            if (IsEndOfLine(error) || --budget <= 0)
            {
                return firstError;
            }

            from = end + 1;
        }
    }

    private bool IsEndOfLine(string error) => Array.IndexOf(_endOfLine, error) >= 0;
}
