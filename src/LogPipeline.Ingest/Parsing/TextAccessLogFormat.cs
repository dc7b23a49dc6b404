using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace LogPipeline.Ingest.Parsing;

/// <summary>
/// A text <c>log_format</c> compiled to: leading literal, then (variable, literal that ends it) pairs.
/// A value runs to the next occurrence of its closing literal; nginx escapes '"' and control bytes as
/// <c>\xHH</c>, so a quoted value cannot contain its closing quote. The last value is anchored to the
/// line's end, so a user agent with '" "' in it cannot shift it.
/// Lenient at the end only: when the line ends inside a quoted referer / user agent / X-Forwarded-For that closes the
/// format (a missing final quote, a write cut mid user agent), that value is kept to the end of the line and the record
/// says so (<see cref="AccessLogRecord.Recovered"/>); any other damage still fails the line.
/// </summary>
internal sealed class TextAccessLogFormat : AccessLogFormat
{
    private const int MaxAttempts = 16;
    private readonly byte[] _prefix;
    private readonly (LogVariable Variable, string Name, byte[] Terminator)[] _fields;

    // One message per field, made once: no allocation per bad line, and identity tells "ran out of line" apart.
    private readonly string[] _endOfLine;

    // _recoverable[f]: field f is a quoted header value and so is every field after it (see ComputeRecoverable).
    private readonly bool[] _recoverable;

    private TextAccessLogFormat(byte[] prefix, (LogVariable Variable, string Name, byte[] Terminator)[] fields)
    {
        _prefix = prefix;
        _fields = fields;
        _endOfLine = [.. fields.Select(f => $"line ends before ${f.Name} is closed (truncated?)")];
        Variables = [.. fields.Select(f => f.Variable)];
        _recoverable = ComputeRecoverable(prefix, fields);
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
            if (rest.EndsWith(terminator))
            {
                return FieldConverter.Assign(variable, rest[..^terminator.Length], ref record);
            }

            if (!_recoverable[f])
            {
                return _endOfLine[f];
            }

            record.Recovered = ParseRecovery.UnterminatedQuote;
            return FieldConverter.Assign(variable, WithoutPartialTerminator(rest, terminator), ref record);
        }

        string? firstError = null;
        var from = 0;
        while (true)
        {
            var found = rest[from..].IndexOf(terminator);
            if (found < 0)
            {
                if (firstError is null && _recoverable[f])
                {
                    return RecoverTruncated(f, WithoutPartialTerminator(rest, terminator), ref record);
                }

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

    /// <summary>The line ended inside field <paramref name="f"/>: keep what it has, the fields after it are absent.</summary>
    private string? RecoverTruncated(int f, ReadOnlySpan<byte> value, ref AccessLogRecord record)
    {
        for (var later = f + 1; later < _fields.Length; later++)
        {
            FieldConverter.Assign(_fields[later].Variable, default, ref record);
        }

        record.Recovered = ParseRecovery.TruncatedLine;
        return FieldConverter.Assign(_fields[f].Variable, value, ref record);
    }

    /// <summary>A line cut inside the closing literal (<c>…/1.0" "</c> of <c>" "</c>) loses that piece, not the value.</summary>
    private static ReadOnlySpan<byte> WithoutPartialTerminator(ReadOnlySpan<byte> rest, byte[] terminator)
    {
        for (var n = Math.Min(terminator.Length - 1, rest.Length); n > 0; n--)
        {
            if (rest.EndsWith(terminator.AsSpan(0, n)))
            {
                return rest[..^n];
            }
        }

        return rest;
    }

    /// <summary>
    /// Only quoted header values may be cut short: they are free text written last, and what comes before them
    /// (address, time, request, status, bytes) has then been read in full. A quoted value: the literal before it ends
    /// with '"' and its own closing literal starts with '"'.
    /// </summary>
    private static bool[] ComputeRecoverable(byte[] prefix, (LogVariable Variable, string Name, byte[] Terminator)[] fields)
    {
        var recoverable = new bool[fields.Length];
        var tailOnly = true;
        for (var f = fields.Length - 1; f >= 0; f--)
        {
            var (variable, _, terminator) = fields[f];
            var opening = f == 0 ? prefix : fields[f - 1].Terminator;
            var quoted = opening.Length > 0 && opening[^1] == (byte)'"' && terminator.Length > 0 && terminator[0] == (byte)'"';
            tailOnly &= quoted && variable is LogVariable.HttpReferer or LogVariable.HttpUserAgent or LogVariable.HttpXForwardedFor;
            recoverable[f] = tailOnly;
        }

        return recoverable;
    }
}
