using System.Buffers.Text;

namespace LogPipeline.Ingest.Parsing;

/// <summary>Turns one variable's raw value into the record's field; shared by the text and JSON formats.</summary>
internal static class FieldConverter
{
    /// <summary>
    /// Returns null when accepted, else the reason (names the variable). An absent value clears the field,
    /// so a retried split (see <see cref="TextAccessLogFormat"/>) leaves nothing behind from a failed attempt.
    /// </summary>
    public static string? Assign(LogVariable variable, ReadOnlySpan<byte> value, ref AccessLogRecord record)
    {
        // nginx writes "-" for an empty value; an empty string in JSON means the same.
        if (value.Length == 1 && value[0] == '-')
        {
            value = default;
        }

        if (value.IsEmpty)
        {
            Clear(variable, ref record);
            return null;
        }

        switch (variable)
        {
            case LogVariable.RemoteAddr:
                record.RemoteAddr = value;
                return null;
            case LogVariable.RemoteUser:
                record.RemoteUser = value;
                return null;
            case LogVariable.TimeLocal:
                return NginxTime.TryParseLocal(value, out var local) ? Set(ref record, local) : "$time_local is not dd/Mon/yyyy:HH:mm:ss +zzzz";
            case LogVariable.TimeIso8601:
                return NginxTime.TryParseIso8601(value, out var iso) ? Set(ref record, iso) : "$time_iso8601 is not an ISO-8601 time with offset";
            case LogVariable.Msec:
                // $msec is UTC only; a format that also logs a local time keeps that one's offset.
                if (!NginxTime.TryParseMsec(value, out var msec))
                {
                    return "$msec is not seconds since the epoch";
                }

                record.Timestamp ??= msec;
                return null;
            case LogVariable.Request:
                Clear(variable, ref record);
                RequestLine.Split(value, ref record);
                return null;
            case LogVariable.RequestMethod:
                record.Method = value;
                return null;
            case LogVariable.RequestUri:
                RequestLine.SetUri(value, ref record);
                return null;
            case LogVariable.Uri:
                if (record.Path.IsEmpty)
                {
                    record.Path = value;
                }

                return null;
            case LogVariable.Args:
                if (record.Query.IsEmpty)
                {
                    record.Query = value;
                }

                return null;
            case LogVariable.ServerProtocol:
                record.Protocol = value;
                return null;
            case LogVariable.Status:
                if (!Utf8Parser.TryParse(value, out int status, out var used) || used != value.Length || status is < 0 or > 999)
                {
                    return "$status is not a number between 0 and 999";
                }

                record.Status = status;
                return null;
            case LogVariable.BodyBytesSent:
                if (!Utf8Parser.TryParse(value, out long bytes, out used) || used != value.Length || bytes < 0)
                {
                    return "$body_bytes_sent is not a non-negative number";
                }

                record.BodyBytes = bytes;
                return null;
            case LogVariable.HttpReferer:
                record.Referer = value;
                return null;
            case LogVariable.HttpUserAgent:
                record.UserAgent = value;
                return null;
            case LogVariable.HttpXForwardedFor:
                record.XForwardedFor = value;
                return null;
            case LogVariable.RequestTime:
                if (!TrySeconds(value, out var requestTime))
                {
                    return "$request_time is not a number of seconds";
                }

                record.RequestTime = requestTime;
                return null;
            case LogVariable.UpstreamResponseTime:
                record.UpstreamResponseTime = SumSeconds(value);
                return null;
            case LogVariable.Host:
                record.Host = value;
                return null;
            case LogVariable.UpstreamAddr:
                record.UpstreamAddr = value;
                return null;
            case LogVariable.RequestLength:
                if (!Utf8Parser.TryParse(value, out long requestLength, out used) || used != value.Length || requestLength < 0)
                {
                    return "$request_length is not a non-negative number";
                }

                record.RequestLength = requestLength;
                return null;
            case LogVariable.SslProtocol:
                record.SslProtocol = value;
                return null;
            default:
                return null;
        }
    }

    private static void Clear(LogVariable variable, ref AccessLogRecord record)
    {
        switch (variable)
        {
            case LogVariable.RemoteAddr:
                record.RemoteAddr = default;
                break;
            case LogVariable.RemoteUser:
                record.RemoteUser = default;
                break;
            case LogVariable.TimeLocal or LogVariable.TimeIso8601 or LogVariable.Msec:
                record.Timestamp = null;
                break;
            case LogVariable.Request or LogVariable.RequestUri:
                record.Method = variable == LogVariable.Request ? default : record.Method;
                record.Protocol = variable == LogVariable.Request ? default : record.Protocol;
                record.Uri = default;
                record.Path = default;
                record.Query = default;
                record.InvalidRequest = false;
                break;
            case LogVariable.RequestMethod:
                record.Method = default;
                break;
            case LogVariable.ServerProtocol:
                record.Protocol = default;
                break;
            case LogVariable.Status:
                record.Status = null;
                break;
            case LogVariable.BodyBytesSent:
                record.BodyBytes = null;
                break;
            case LogVariable.HttpReferer:
                record.Referer = default;
                break;
            case LogVariable.HttpUserAgent:
                record.UserAgent = default;
                break;
            case LogVariable.HttpXForwardedFor:
                record.XForwardedFor = default;
                break;
            case LogVariable.RequestTime:
                record.RequestTime = null;
                break;
            case LogVariable.UpstreamResponseTime:
                record.UpstreamResponseTime = null;
                break;
            case LogVariable.Host:
                record.Host = default;
                break;
            case LogVariable.UpstreamAddr:
                record.UpstreamAddr = default;
                break;
            case LogVariable.RequestLength:
                record.RequestLength = null;
                break;
            case LogVariable.SslProtocol:
                record.SslProtocol = default;
                break;
            default:
                break;
        }
    }

    private static string? Set(ref AccessLogRecord record, DateTimeOffset value)
    {
        record.Timestamp = value;
        return null;
    }

    private static bool TrySeconds(ReadOnlySpan<byte> value, out double seconds) =>
        Utf8Parser.TryParse(value, out seconds, out var used) && used == value.Length && double.IsFinite(seconds) && seconds >= 0;

    /// <summary>
    /// <c>$upstream_response_time</c> lists one time per upstream tried ("0.010, 0.020") and per internal
    /// redirect ("0.010 : 0.005"); the request waited for all of them, so they add up. Null when none is a number.
    /// </summary>
    private static double? SumSeconds(ReadOnlySpan<byte> value)
    {
        double? sum = null;
        while (!value.IsEmpty)
        {
            var end = value.IndexOfAny((byte)',', (byte)':');
            var part = (end < 0 ? value : value[..end]).Trim((byte)' ');
            if (TrySeconds(part, out var seconds))
            {
                sum = (sum ?? 0) + seconds;
            }

            value = end < 0 ? default : value[(end + 1)..];
        }

        return sum;
    }
}
