namespace LogPipeline.Ingest.Parsing;

/// <summary>
/// One parsed line. Text values are slices of the line (still nginx-escaped when <see cref="Escaped"/>)
/// or of the parser's scratch buffer (JSON, already unescaped); numbers and times are converted.
/// Empty spans mean absent (nginx writes <c>-</c> for an empty value; the parser maps it to empty).
/// </summary>
public ref struct AccessLogRecord
{
    /// <summary>True when string values may contain nginx's <c>\xHH</c> escapes (text log formats).</summary>
    public bool Escaped { get; set; }

    public ReadOnlySpan<byte> RemoteAddr { get; set; }
    public ReadOnlySpan<byte> RemoteUser { get; set; }
    public ReadOnlySpan<byte> Method { get; set; }
    public ReadOnlySpan<byte> Uri { get; set; }
    public ReadOnlySpan<byte> Path { get; set; }
    public ReadOnlySpan<byte> Query { get; set; }
    public ReadOnlySpan<byte> Protocol { get; set; }
    public ReadOnlySpan<byte> Referer { get; set; }
    public ReadOnlySpan<byte> UserAgent { get; set; }
    public ReadOnlySpan<byte> XForwardedFor { get; set; }
    public ReadOnlySpan<byte> Host { get; set; }
    public ReadOnlySpan<byte> UpstreamAddr { get; set; }
    public ReadOnlySpan<byte> SslProtocol { get; set; }

    /// <summary>The request line was present but not "METHOD URI [PROTOCOL]" (e.g. TLS bytes sent to a plain port).</summary>
    public bool InvalidRequest { get; set; }

    /// <summary>Set when the line parsed only after repairing end-of-line damage (see <see cref="ParseRecovery"/>).</summary>
    public ParseRecovery Recovered { get; set; }

    public DateTimeOffset? Timestamp { get; set; }
    public int? Status { get; set; }
    public long? BodyBytes { get; set; }
    public double? RequestTime { get; set; }
    public double? UpstreamResponseTime { get; set; }
    public long? RequestLength { get; set; }
}
