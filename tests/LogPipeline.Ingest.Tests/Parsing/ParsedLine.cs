using System.Text;
using LogPipeline.Ingest.Parsing;

namespace LogPipeline.Ingest.Tests.Parsing;

/// <summary>An <see cref="AccessLogRecord"/> copied into strings so tests can hold and compare it.</summary>
internal sealed record ParsedLine(
    string? Error,
    string RemoteAddr,
    string RemoteUser,
    string Method,
    string Uri,
    string Path,
    string Query,
    string Protocol,
    string Referer,
    string UserAgent,
    string XForwardedFor,
    string Host,
    bool InvalidRequest,
    DateTimeOffset? Timestamp,
    int? Status,
    long? BodyBytes,
    double? RequestTime,
    double? UpstreamResponseTime,
    ParseRecovery Recovered = ParseRecovery.None)
{
    public static ParsedLine Parse(AccessLogFormat format, string line) => Parse(format, Encoding.UTF8.GetBytes(line));

    public static ParsedLine Parse(AccessLogFormat format, byte[] line)
    {
        var scratch = new byte[line.Length];
        var error = format.TryParse(line, scratch, out var r);
        return new ParsedLine(
            error, S(r.RemoteAddr), S(r.RemoteUser), S(r.Method), S(r.Uri), S(r.Path), S(r.Query), S(r.Protocol), S(r.Referer),
            S(r.UserAgent), S(r.XForwardedFor), S(r.Host), r.InvalidRequest, r.Timestamp, r.Status, r.BodyBytes, r.RequestTime,
            r.UpstreamResponseTime, r.Recovered);
    }

    private static string S(ReadOnlySpan<byte> value) => Encoding.UTF8.GetString(value);
}
