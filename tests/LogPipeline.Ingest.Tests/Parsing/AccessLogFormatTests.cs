using System.Text;
using LogPipeline.Ingest.Parsing;

namespace LogPipeline.Ingest.Tests.Parsing;

public sealed class AccessLogFormatTests
{
    private static readonly AccessLogFormat Combined = AccessLogFormat.Compile("combined");

    [Fact]
    public void Combined_line_yields_every_field()
    {
        var p = ParsedLine.Parse(Combined,
            "93.184.216.34 - alice [10/Oct/2023:13:55:36 -0700] \"GET /a/b.html?x=1&y=2 HTTP/1.1\" 404 153 \"https://example.com/from\" \"curl/8.5.0\"");

        Assert.Null(p.Error);
        Assert.Equal("93.184.216.34", p.RemoteAddr);
        Assert.Equal("alice", p.RemoteUser);
        Assert.Equal(new DateTimeOffset(2023, 10, 10, 13, 55, 36, TimeSpan.FromHours(-7)), p.Timestamp);
        Assert.Equal(TimeSpan.FromHours(-7), p.Timestamp!.Value.Offset);
        Assert.Equal("GET", p.Method);
        Assert.Equal("/a/b.html?x=1&y=2", p.Uri);
        Assert.Equal("/a/b.html", p.Path);
        Assert.Equal("x=1&y=2", p.Query);
        Assert.Equal("HTTP/1.1", p.Protocol);
        Assert.Equal(404, p.Status);
        Assert.Equal(153L, p.BodyBytes);
        Assert.Equal("https://example.com/from", p.Referer);
        Assert.Equal("curl/8.5.0", p.UserAgent);
        Assert.False(p.InvalidRequest);
    }

    [Fact]
    public void Dashes_are_absent_values()
    {
        var p = ParsedLine.Parse(Combined, "10.1.2.3 - - [01/Jan/2024:00:00:00 +0000] \"GET / HTTP/2.0\" 304 0 \"-\" \"-\"");

        Assert.Null(p.Error);
        Assert.Equal(string.Empty, p.RemoteUser);
        Assert.Equal(string.Empty, p.Referer);
        Assert.Equal(string.Empty, p.UserAgent);
        Assert.Equal(string.Empty, p.Query);
        Assert.Equal(0L, p.BodyBytes);
        Assert.Equal("HTTP/2.0", p.Protocol);
    }

    [Theory]
    [InlineData("2001:db8::1")]
    [InlineData("::1")]
    [InlineData("fe80::1ff:fe23:4567:890a")]
    [InlineData("::ffff:192.0.2.128")]
    public void IPv6_remote_addresses_are_kept_whole(string address)
    {
        var p = ParsedLine.Parse(Combined, $"{address} - - [01/Jan/2024:00:00:00 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"x\"");

        Assert.Null(p.Error);
        Assert.Equal(address, p.RemoteAddr);
    }

    [Fact]
    public void Escaped_bytes_stay_escaped_in_the_record_and_quotes_do_not_split_fields()
    {
        // nginx writes '"' as \x22, so a user agent full of quotes cannot end the field early.
        var p = ParsedLine.Parse(Combined,
            "1.2.3.4 - - [01/Jan/2024:00:00:00 +0000] \"GET /caf\\xC3\\xA9?q=\\x22x\\x22 HTTP/1.1\" 200 5 \"-\" \"evil\\x22 \\x22agent\"");

        Assert.Null(p.Error);
        Assert.Equal("/caf\\xC3\\xA9", p.Path);
        Assert.Equal("evil\\x22 \\x22agent", p.UserAgent);
    }

    [Fact]
    public void Last_field_is_anchored_to_the_end_of_the_line()
    {
        // A raw '" "' inside the user agent (escape=none) must not shift the field: the last field runs to the end.
        var p = ParsedLine.Parse(Combined, "1.2.3.4 - - [01/Jan/2024:00:00:00 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"a\" \"b\"");

        Assert.Null(p.Error);
        Assert.Equal("a\" \"b", p.UserAgent);
    }

    [Fact]
    public void Custom_format_with_times_and_forwarded_for()
    {
        var format = AccessLogFormat.Compile(
            "'$remote_addr - $remote_user [$time_local] \"$request\" ' '$status $body_bytes_sent \"$http_referer\" ' '\"$http_user_agent\" \"$http_x_forwarded_for\" rt=$request_time urt=\"$upstream_response_time\" host=$host'");
        var p = ParsedLine.Parse(format,
            "10.0.0.5 - - [05/Mar/2024:23:10:00 +0530] \"POST /api/v1/items HTTP/1.1\" 201 17 \"-\" \"okhttp/4.12.0\" \"203.0.113.9, 8.8.4.4\" rt=0.250 urt=\"0.100, 0.120 : 0.010\" host=shop.example.com");

        Assert.Null(p.Error);
        Assert.Equal("203.0.113.9, 8.8.4.4", p.XForwardedFor);
        Assert.Equal(0.25, p.RequestTime);
        Assert.Equal(0.23, p.UpstreamResponseTime!.Value, 9);
        Assert.Equal("shop.example.com", p.Host);
        Assert.Equal(TimeSpan.FromMinutes(330), p.Timestamp!.Value.Offset);
        Assert.Equal(201, p.Status);
    }

    [Fact]
    public void Upstream_time_of_dash_is_absent_and_request_time_is_read()
    {
        var format = AccessLogFormat.Compile("$remote_addr [$time_iso8601] \"$request\" $status $request_time $upstream_response_time");
        var p = ParsedLine.Parse(format, "8.8.8.8 [2024-03-05T23:10:00+01:00] \"GET / HTTP/1.1\" 502 0.003 -");

        Assert.Null(p.Error);
        Assert.Equal(0.003, p.RequestTime);
        Assert.Null(p.UpstreamResponseTime);
        Assert.Equal(new DateTimeOffset(2024, 3, 5, 23, 10, 0, TimeSpan.FromHours(1)), p.Timestamp);
    }

    [Fact]
    public void Json_format_by_variable_name()
    {
        var format = AccessLogFormat.Compile("json");
        var p = ParsedLine.Parse(format,
            """{"time_local":"10/Oct/2023:13:55:36 +0200","remote_addr":"2001:4860:4860::8888","request":"GET /caf\u00e9?a=\"b\" HTTP/1.1","status":"200","body_bytes_sent":512,"http_user_agent":"Mozilla/5.0 \"quoted\"","request_time":"0.004","upstream_response_time":"","extra":{"nested":[1,2]}}""");

        Assert.Null(p.Error);
        Assert.Equal("2001:4860:4860::8888", p.RemoteAddr);
        Assert.Equal("/café", p.Path);
        Assert.Equal("a=\"b\"", p.Query);
        Assert.Equal(200, p.Status);
        Assert.Equal(512L, p.BodyBytes);
        Assert.Equal("Mozilla/5.0 \"quoted\"", p.UserAgent);
        Assert.Equal(0.004, p.RequestTime);
        Assert.Null(p.UpstreamResponseTime);
        Assert.Equal(TimeSpan.FromHours(2), p.Timestamp!.Value.Offset);
    }

    [Fact]
    public void Json_template_maps_keys_to_variables()
    {
        var format = AccessLogFormat.Compile(
            """escape=json '{"ts":"$time_iso8601","client":"$remote_addr","req":"$request","code":$status,"size":$body_bytes_sent,"ua":"$http_user_agent","rt":$request_time}'""");
        var p = ParsedLine.Parse(format,
            """{"ts":"2024-06-01T08:00:00-04:00","client":"8.8.8.8","req":"HEAD /health HTTP/1.0","code":204,"size":0,"ua":"kube-probe/1.30","rt":0.001}""");

        Assert.Null(p.Error);
        Assert.Equal("8.8.8.8", p.RemoteAddr);
        Assert.Equal("HEAD", p.Method);
        Assert.Equal("HTTP/1.0", p.Protocol);
        Assert.Equal(204, p.Status);
        Assert.Equal("kube-probe/1.30", p.UserAgent);
        Assert.Equal(0.001, p.RequestTime);
        Assert.Equal(TimeSpan.FromHours(-4), p.Timestamp!.Value.Offset);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("$remote_addr$remote_user")]
    [InlineData("no variables here")]
    [InlineData("$foo $bar")]
    [InlineData("$ broken")]
    [InlineData("${remote_addr")]
    [InlineData("'$remote_addr' oops '")]
    public void Bad_formats_are_rejected_with_a_reason(string format)
    {
        Assert.False(AccessLogFormat.TryCompile(format, out _, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Fact]
    public void TLS_handshake_on_a_plain_port_is_a_valid_line_with_an_invalid_request()
    {
        // What nginx writes when a client speaks TLS to a plain-HTTP port: the request is the escaped ClientHello.
        var p = ParsedLine.Parse(Combined,
            "45.83.64.1 - - [12/Feb/2024:03:04:05 +0000] \"\\x16\\x03\\x01\\x00\\xF1\\x01\\x00\\x00\\xED\\x03\\x03\" 400 157 \"-\" \"-\"");

        Assert.Null(p.Error);
        Assert.True(p.InvalidRequest);
        Assert.Equal(string.Empty, p.Method);
        Assert.Equal(string.Empty, p.Uri);
        Assert.Equal(400, p.Status);
    }

    [Fact]
    public void Huge_url_is_parsed_whole()
    {
        var path = "/" + new string('a', 200_000);
        var p = ParsedLine.Parse(Combined, $"1.2.3.4 - - [01/Jan/2024:00:00:00 +0000] \"GET {path} HTTP/1.1\" 414 0 \"-\" \"-\"");

        Assert.Null(p.Error);
        Assert.Equal(path, p.Path);
        Assert.Equal(414, p.Status);
    }

    public static TheoryData<string, byte[]> HostileLines()
    {
        const string good = "1.2.3.4 - - [01/Jan/2024:00:00:00 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"curl/8\"";
        var data = new TheoryData<string, byte[]>
        {
            { "empty", [] },
            // A cut inside the user agent is recovered (LenientParsingTests); a cut before the quoted tail is not.
            { "truncated in status", Encoding.UTF8.GetBytes(good[..(good.IndexOf(" 200 ", StringComparison.Ordinal) + 3)]) },
            { "truncated in request", Encoding.UTF8.GetBytes(good[..(good.IndexOf("HTTP/", StringComparison.Ordinal))]) },
            { "truncated in time", Encoding.UTF8.GetBytes(good[..30]) },
            { "only an address", "1.2.3.4"u8.ToArray() },
            { "binary", [0x00, 0xFF, 0xFE, 0x16, 0x03, 0x01, 0x0A, 0x0D, 0x80] },
            { "raw TLS bytes", [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03] },
            { "status not a number", Encoding.UTF8.GetBytes(good.Replace(" 200 ", " 2x0 ", StringComparison.Ordinal)) },
            { "bytes negative", Encoding.UTF8.GetBytes(good.Replace(" 200 5 ", " 200 -5 ", StringComparison.Ordinal)) },
            { "bad month", Encoding.UTF8.GetBytes(good.Replace("Jan", "Foo", StringComparison.Ordinal)) },
            { "31 February", Encoding.UTF8.GetBytes(good.Replace("01/Jan", "31/Feb", StringComparison.Ordinal)) },
            { "offset out of range", Encoding.UTF8.GetBytes(good.Replace("+0000", "+9900", StringComparison.Ordinal)) },
            { "quotes everywhere", "\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\""u8.ToArray() },
            { "status overflow", Encoding.UTF8.GetBytes(good.Replace(" 200 ", " 99999999999999999999 ", StringComparison.Ordinal)) },
            { "invalid UTF-8 in time", [.. "1.2.3.4 - - ["u8, 0xC3, 0x28, .. "/Jan/2024:00:00:00 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"x\""u8] },
        };
        return data;
    }

    [Theory]
    [MemberData(nameof(HostileLines))]
    public void Hostile_lines_fail_with_a_reason_and_never_throw(string name, byte[] line)
    {
        var p = ParsedLine.Parse(Combined, line);

        Assert.False(string.IsNullOrWhiteSpace(p.Error), name);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("{\"status\":\"200\"")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"status\":\"abc\"}")]
    [InlineData("{\"status\":200} trailing")]
    [InlineData("not json")]
    [InlineData("{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":{\"i\":1}}}}}}}}}")]
    public void Hostile_json_lines_fail_with_a_reason(string line)
    {
        var p = ParsedLine.Parse(AccessLogFormat.Compile("json"), line);

        Assert.False(string.IsNullOrWhiteSpace(p.Error));
    }

    [Fact]
    public void Invalid_utf8_inside_json_fails_instead_of_throwing()
    {
        byte[] line = [.. "{\"http_user_agent\":\""u8, 0xFF, 0xFE, .. "\",\"status\":200}"u8];

        var p = ParsedLine.Parse(AccessLogFormat.Compile("json"), line);

        Assert.NotNull(p.Error);
    }
}
