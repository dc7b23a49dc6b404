namespace LogPipeline.Ingest.Parsing;

/// <summary>Splits nginx's <c>$request</c> ("GET /a?b HTTP/1.1") into method, URI (path + query) and protocol.</summary>
internal static class RequestLine
{
    private const int MaxMethodLength = 32;

    public static void Split(ReadOnlySpan<byte> request, ref AccessLogRecord record)
    {
        var firstSpace = request.IndexOf((byte)' ');
        if (firstSpace <= 0 || firstSpace > MaxMethodLength || !IsToken(request[..firstSpace]))
        {
            // Not HTTP (a TLS ClientHello on a plain port, a port scanner): nginx still logs it, usually as 400.
            record.InvalidRequest = true;
            return;
        }

        record.Method = request[..firstSpace];
        var rest = request[(firstSpace + 1)..];
        var lastSpace = rest.LastIndexOf((byte)' ');
        if (lastSpace >= 0 && rest[(lastSpace + 1)..].StartsWith("HTTP/"u8))
        {
            record.Protocol = rest[(lastSpace + 1)..];
            rest = rest[..lastSpace];
        }

        if (rest.IsEmpty)
        {
            record.InvalidRequest = true;
            return;
        }

        SetUri(rest, ref record);
    }

    public static void SetUri(ReadOnlySpan<byte> uri, ref AccessLogRecord record)
    {
        record.Uri = uri;
        var question = uri.IndexOf((byte)'?');
        record.Path = question < 0 ? uri : uri[..question];
        record.Query = question < 0 ? default : uri[(question + 1)..];
    }

    /// <summary>RFC 9110 token characters (methods are tokens).</summary>
    private static bool IsToken(ReadOnlySpan<byte> s)
    {
        foreach (var b in s)
        {
            var ok = b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9'
                or (byte)'!' or (byte)'#' or (byte)'$' or (byte)'%' or (byte)'&' or (byte)'\'' or (byte)'*' or (byte)'+'
                or (byte)'-' or (byte)'.' or (byte)'^' or (byte)'_' or (byte)'`' or (byte)'|' or (byte)'~';
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
