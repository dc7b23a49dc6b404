namespace LogPipeline.Ingest.Parsing;

/// <summary>The nginx variables the worker understands; any other <c>$name</c> is matched and ignored.</summary>
public enum LogVariable
{
    Ignored = 0,
    RemoteAddr,
    RemoteUser,
    TimeLocal,
    TimeIso8601,
    Msec,
    Request,
    RequestMethod,
    RequestUri,
    Uri,
    Args,
    ServerProtocol,
    Status,
    BodyBytesSent,
    HttpReferer,
    HttpUserAgent,
    HttpXForwardedFor,
    RequestTime,
    UpstreamResponseTime,
    Host,
    UpstreamAddr,
    RequestLength,
    SslProtocol,
}

internal static class LogVariables
{
    public static LogVariable FromName(ReadOnlySpan<char> name) => name switch
    {
        "remote_addr" => LogVariable.RemoteAddr,
        "remote_user" => LogVariable.RemoteUser,
        "time_local" => LogVariable.TimeLocal,
        "time_iso8601" => LogVariable.TimeIso8601,
        "msec" => LogVariable.Msec,
        "request" => LogVariable.Request,
        "request_method" => LogVariable.RequestMethod,
        "request_uri" => LogVariable.RequestUri,
        "uri" or "document_uri" => LogVariable.Uri,
        "args" or "query_string" => LogVariable.Args,
        "server_protocol" => LogVariable.ServerProtocol,
        "status" => LogVariable.Status,
        "body_bytes_sent" => LogVariable.BodyBytesSent,
        "http_referer" => LogVariable.HttpReferer,
        "http_user_agent" => LogVariable.HttpUserAgent,
        "http_x_forwarded_for" or "proxy_add_x_forwarded_for" => LogVariable.HttpXForwardedFor,
        "request_time" => LogVariable.RequestTime,
        "upstream_response_time" => LogVariable.UpstreamResponseTime,
        "host" or "http_host" or "server_name" => LogVariable.Host,
        "upstream_addr" => LogVariable.UpstreamAddr,
        "request_length" => LogVariable.RequestLength,
        "ssl_protocol" => LogVariable.SslProtocol,
        _ => LogVariable.Ignored,
    };
}
