using LogPipeline.Ingest.Parsing;

namespace LogPipeline.Ingest.Tests.Parsing;

/// <summary>End-of-line damage in the quoted tail (referer, user agent) is recovered; damage anywhere else is not.</summary>
public sealed class LenientParsingTests
{
    private const string Head = "66.249.66.1 - - [10/Oct/2023:13:55:36 +0200] \"GET /robots.txt HTTP/1.1\" 200 67";
    private static readonly AccessLogFormat Combined = AccessLogFormat.Compile("combined");

    [Fact]
    public void Missing_final_quote_keeps_the_user_agent_to_the_end_of_the_line()
    {
        var p = ParsedLine.Parse(Combined, Head + " \"-\" \"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)");

        Assert.Null(p.Error);
        Assert.Equal(ParseRecovery.UnterminatedQuote, p.Recovered);
        Assert.Equal("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", p.UserAgent);
        Assert.Equal(200, p.Status);
        Assert.Equal(67, p.BodyBytes);
        Assert.Equal("/robots.txt", p.Path);
        Assert.Equal(string.Empty, p.Referer);
    }

    [Fact]
    public void Line_cut_mid_user_agent_is_recovered_with_what_was_written()
    {
        var p = ParsedLine.Parse(Combined, Head + " \"https://example.com/\" \"Mozilla/5.0 (Win");

        Assert.Null(p.Error);
        Assert.Equal(ParseRecovery.UnterminatedQuote, p.Recovered);
        Assert.Equal("Mozilla/5.0 (Win", p.UserAgent);
        Assert.Equal("https://example.com/", p.Referer);
    }

    [Fact]
    public void Line_cut_right_after_the_opening_quote_of_the_user_agent_has_no_user_agent()
    {
        var p = ParsedLine.Parse(Combined, Head + " \"https://example.com/\" \"");

        Assert.Null(p.Error);
        Assert.Equal(ParseRecovery.UnterminatedQuote, p.Recovered);
        Assert.Equal(string.Empty, p.UserAgent);
        Assert.Equal("https://example.com/", p.Referer);
    }

    [Theory]
    [InlineData(" \"https://example.com/pa", "https://example.com/pa")]
    [InlineData(" \"https://example.com/\"", "https://example.com/")]
    [InlineData(" \"https://example.com/\" ", "https://example.com/")]
    [InlineData(" \"", "")]
    public void Line_cut_in_the_referer_keeps_the_referer_and_has_no_user_agent(string tail, string referer)
    {
        var p = ParsedLine.Parse(Combined, Head + tail);

        Assert.Null(p.Error);
        Assert.Equal(ParseRecovery.TruncatedLine, p.Recovered);
        Assert.Equal(referer, p.Referer);
        Assert.Equal(string.Empty, p.UserAgent);
        Assert.Equal(200, p.Status);
    }

    [Fact]
    public void Complete_lines_are_not_marked_recovered()
    {
        var p = ParsedLine.Parse(Combined, Head + " \"-\" \"curl/8.5.0\"");

        Assert.Null(p.Error);
        Assert.Equal(ParseRecovery.None, p.Recovered);
        Assert.Equal("curl/8.5.0", p.UserAgent);
    }

    [Theory]
    [InlineData("66.249.66.1 - - [10/Oct/2023:13:55:36 +0200] \"GET /robots.txt HTTP/1.1\" 200")]
    [InlineData("66.249.66.1 - - [10/Oct/2023:13:55:36 +0200] \"GET /robots.txt HTTP/1.1\" 200 67")]
    [InlineData("66.249.66.1 - - [10/Oct/2023:13:55:36 +0200] \"GET /robots.txt HTTP/1.1\" 2")]
    [InlineData("66.249.66.1 - - [10/Oct/2023:13:55:36 +0200] \"GET /robots.txt HTTP/1.1")]
    [InlineData("66.249.66.1 - - [10/Oct/2023:13:55:36 +0200] \"GET /robo")]
    [InlineData("66.249.66.1 - - [10/Oct/2023:13:55")]
    public void Damage_before_the_quoted_tail_still_fails(string line)
    {
        var p = ParsedLine.Parse(Combined, line);

        Assert.NotNull(p.Error);
    }

    [Fact]
    public void A_value_after_the_user_agent_means_the_user_agent_is_not_the_tail_and_is_not_recovered()
    {
        var format = AccessLogFormat.Compile("$remote_addr [$time_local] \"$request\" $status \"$http_user_agent\" $request_time");

        var p = ParsedLine.Parse(format, "1.2.3.4 [10/Oct/2023:13:55:36 +0200] \"GET / HTTP/1.1\" 200 \"Mozilla/5.0 (Win");

        Assert.NotNull(p.Error);
    }

    [Fact]
    public void An_unquoted_user_agent_at_the_end_is_not_recovered()
    {
        var format = AccessLogFormat.Compile("$remote_addr [$time_local] \"$request\" $status ua=$http_user_agent;");

        var p = ParsedLine.Parse(format, "1.2.3.4 [10/Oct/2023:13:55:36 +0200] \"GET / HTTP/1.1\" 200 ua=Mozilla/5.0 (Win");

        Assert.NotNull(p.Error);
    }

    [Fact]
    public void Custom_format_with_forwarded_for_last_recovers_a_cut_in_it()
    {
        var format = AccessLogFormat.Compile(AccessLogFormat.Combined + " \"$http_x_forwarded_for\"");

        var p = ParsedLine.Parse(format, Head + " \"-\" \"curl/8\" \"203.0.113.7, 10.0");

        Assert.Null(p.Error);
        Assert.Equal(ParseRecovery.UnterminatedQuote, p.Recovered);
        Assert.Equal("curl/8", p.UserAgent);
        Assert.Equal("203.0.113.7, 10.0", p.XForwardedFor);
    }
}
