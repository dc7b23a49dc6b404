using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace LogPipeline.Ingest.Parsing;

/// <summary>
/// A compiled nginx <c>log_format</c>: parses one line over its bytes (no Regex, no allocation on success).
/// Immutable after compilation, so one instance serves every worker thread.
/// </summary>
public abstract class AccessLogFormat
{
    /// <summary>nginx's predefined <c>combined</c> format (its default for <c>access_log</c>).</summary>
    public const string Combined =
        "$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_user_agent\"";

    /// <summary>
    /// The recommended format (docs/deploy.md, "Access log format"; issue #16): <see cref="Combined"/> followed by the
    /// proxy chain, the site, timings, upstream, request size and TLS version. Used by the k8s manifests and compose as
    /// <c>log_format logpipeline</c>; <c>Parsing:LogFormat=logpipeline</c> selects it and still reads plain
    /// <c>combined</c> lines (a pod not yet rolled to the new nginx.conf).
    /// </summary>
    public const string LogPipeline =
        Combined + " \"$http_x_forwarded_for\" $host $request_time \"$upstream_response_time\" \"$upstream_addr\" $request_length $ssl_protocol";

    /// <summary>
    /// Parses <paramref name="line"/>. <paramref name="scratch"/> (at least <c>line.Length</c> bytes) holds
    /// unescaped values for formats that need it; the record's spans point into the line or the scratch.
    /// Returns null on success, else why the line does not fit the format. Never throws on input.
    /// </summary>
    public abstract string? TryParse(ReadOnlySpan<byte> line, Span<byte> scratch, out AccessLogRecord record);

    /// <summary>The variables this format captures, for diagnostics and tests.</summary>
    public abstract IReadOnlyList<LogVariable> Variables { get; }

    /// <summary>
    /// <c>combined</c>, <c>json</c>, a JSON template (<c>escape=json '{"ip":"$remote_addr",…}'</c>) or an nginx
    /// <c>log_format</c> string; the quoted pieces of a pasted nginx directive are joined like nginx does.
    /// </summary>
    public static bool TryCompile(string? format, [NotNullWhen(true)] out AccessLogFormat? compiled, [NotNullWhen(false)] out string? error)
    {
        compiled = null;
        if (string.IsNullOrWhiteSpace(format))
        {
            error = "the log format is empty";
            return false;
        }

        var text = format.Trim();
        if (text.Equals("combined", StringComparison.OrdinalIgnoreCase))
        {
            text = Combined;
        }
        else if (text.Equals("logpipeline", StringComparison.OrdinalIgnoreCase))
        {
            compiled = new FallbackAccessLogFormat(Compile(LogPipeline), Compile(Combined));
            error = null;
            return true;
        }
        else if (text.Equals("json", StringComparison.OrdinalIgnoreCase))
        {
            compiled = JsonAccessLogFormat.ByVariableName();
            error = null;
            return true;
        }

        var json = false;
        foreach (var prefix in (ReadOnlySpan<string>)["escape=json", "escape=default", "escape=none"])
        {
            if (text.StartsWith(prefix, StringComparison.Ordinal))
            {
                json = prefix == "escape=json";
                text = text[prefix.Length..].TrimStart();
            }
        }

        if (!TryJoinQuotedPieces(text, out text, out error))
        {
            return false;
        }

        if (json || text.StartsWith('{'))
        {
            return JsonAccessLogFormat.TryFromTemplate(text, out compiled, out error);
        }

        return TextAccessLogFormat.TryCreate(text, out compiled, out error);
    }

    public static AccessLogFormat Compile(string format) =>
        TryCompile(format, out var compiled, out var error) ? compiled : throw new FormatException(error);

    /// <summary>nginx config writes a format as one or more quoted strings: <c>'$a - $b ' '"$c"'</c>; joined here.</summary>
    private static bool TryJoinQuotedPieces(string text, out string joined, [NotNullWhen(false)] out string? error)
    {
        error = null;
        joined = text;
        // Only single quotes: a format that itself starts and ends with '"' ("$request" … "$http_user_agent") is common.
        if (text.Length < 2 || text[0] != '\'' || text[^1] != '\'')
        {
            return true;
        }

        var builder = new StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                i++;
                continue;
            }

            var quote = text[i];
            if (quote != '\'')
            {
                error = $"unexpected '{quote}' between quoted pieces at position {i}";
                return false;
            }

            var end = text.IndexOf(quote, i + 1);
            if (end < 0)
            {
                error = $"unterminated {quote} quote at position {i}";
                return false;
            }

            builder.Append(text, i + 1, end - i - 1);
            i = end + 1;
        }

        joined = builder.ToString();
        return true;
    }
}
