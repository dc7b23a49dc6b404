using System.Buffers;
using System.IO.Hashing;
using System.Text;
using System.Text.Json.Nodes;
using LogPipeline.Hosting.Metrics;
using LogPipeline.Ingest.Enrichment;
using LogPipeline.Ingest.Enrichment.Visitors;
using LogPipeline.Ingest.Parsing;
using Microsoft.Extensions.Time.Testing;

namespace LogPipeline.Ingest.Tests.Enrichment;

/// <summary>The visitor fields (issue #15) on documents the factory writes.</summary>
public sealed class VisitorFieldsTests
{
    private const string Chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
    private static readonly SourceInfo Source = new("web-1", "1:2:ab", 10, false, new DateTimeOffset(2024, 1, 2, 0, 0, 0, TimeSpan.Zero));

    private static DocumentFactory Factory(RecoveredLines? recovered = null) =>
        new(AccessLogFormat.Compile("combined"), TestData.Geo, TestData.UserAgents, DocumentDefaults.Default, new FakeTimeProvider(), recovered);

    private static JsonObject Create(DocumentFactory factory, string line, SourceInfo? source = null)
    {
        var output = new ArrayBufferWriter<byte>();
        var result = factory.TryCreate(Encoding.UTF8.GetBytes(line), source ?? Source, output);
        Assert.True(result.Success, result.Error);
        return JsonNode.Parse(output.WrittenSpan)!.AsObject();
    }

    private static string? Field(JsonObject document, string dotted)
    {
        JsonNode? node = document;
        foreach (var part in dotted.Split('.'))
        {
            node = node?[part];
        }

        return node?.ToString();
    }

    /// <summary>The documented rule, built independently of VisitorKey: base64url(XxHash128(UTF-8 input)), no padding.</summary>
    private static string Key(string input) =>
        Convert.ToBase64String(XxHash128.Hash(Encoding.UTF8.GetBytes(input))).Replace('+', '-').Replace('/', '_').TrimEnd('=');

    [Fact]
    public void Visitor_key_uses_the_day_as_written_in_the_line_not_the_utc_day()
    {
        // 23:30 at -0500 is already the next day in UTC; the visitor's day is the line's own.
        var document = Create(Factory(), $"8.8.8.8 - - [31/Dec/2023:23:30:00 -0500] \"GET / HTTP/1.1\" 200 1 \"-\" \"{Chrome}\"");

        Assert.Equal(Key($"8.8.8.8\n2023-12-31\n{Chrome}"), Field(document, "logpipeline.visitor.id"));
        Assert.Equal(VisitorKey.Compute("8.8.8.8", new DateTimeOffset(2023, 12, 31, 23, 30, 0, TimeSpan.FromHours(-5)), Chrome), Field(document, "logpipeline.visitor.id"));
    }

    [Fact]
    public void Same_ip_day_and_agent_is_one_visitor_and_any_difference_is_another()
    {
        var factory = Factory();
        string Id(string ip, string time, string ua) =>
            Field(Create(factory, $"{ip} - - [{time}] \"GET /x HTTP/1.1\" 200 1 \"-\" \"{ua}\""), "logpipeline.visitor.id")!;

        var first = Id("8.8.8.8", "02/Jan/2024:08:00:00 +0000", Chrome);
        Assert.Equal(first, Id("8.8.8.8", "02/Jan/2024:23:59:59 +0000", Chrome));
        Assert.NotEqual(first, Id("8.8.4.4", "02/Jan/2024:08:00:00 +0000", Chrome));
        Assert.NotEqual(first, Id("8.8.8.8", "03/Jan/2024:00:00:00 +0000", Chrome));
        Assert.NotEqual(first, Id("8.8.8.8", "02/Jan/2024:08:00:00 +0000", Chrome + " Edg/120.0"));
    }

    [Fact]
    public void Visitor_key_uses_source_ip_the_client_from_x_forwarded_for()
    {
        var format = AccessLogFormat.Compile(AccessLogFormat.Combined + " \"$http_x_forwarded_for\"");
        var factory = new DocumentFactory(format, TestData.Geo, TestData.UserAgents, DocumentDefaults.Default, new FakeTimeProvider());

        var document = Create(factory, $"10.0.0.5 - - [02/Jan/2024:08:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"{Chrome}\" \"203.0.113.9, 10.0.0.1\"");

        Assert.Equal("203.0.113.9", Field(document, "source.ip"));
        Assert.Equal(Key($"203.0.113.9\n2024-01-02\n{Chrome}"), Field(document, "logpipeline.visitor.id"));
    }

    [Theory]
    [InlineData(Chrome, "human", null, "desktop")]
    [InlineData("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "bot", "uap-spider", "bot")]
    [InlineData("python-requests/2.31.0", "bot", "crawler-token", "bot")]
    [InlineData("-", "bot", "empty-user-agent", "bot")]
    [InlineData("", "bot", "empty-user-agent", "bot")]
    [InlineData("   ", "bot", "empty-user-agent", "bot")]
    [InlineData("Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1", "human", null, "tablet")]
    public void Every_document_says_human_or_bot_why_and_its_device_type(string userAgent, string type, string? reason, string device)
    {
        var document = Create(Factory(), $"8.8.8.8 - - [02/Jan/2024:08:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"{userAgent}\"");

        Assert.Equal(type, Field(document, "logpipeline.visitor.type"));
        Assert.Equal(reason, Field(document, "logpipeline.visitor.bot_reason"));
        Assert.Equal(device, Field(document, "logpipeline.user_agent.device.type"));
        Assert.NotNull(Field(document, "logpipeline.visitor.id"));
    }

    [Fact]
    public void A_user_agent_longer_than_the_parsed_prefix_is_classified_on_the_whole_string()
    {
        // Both share their first 512 bytes, so the parser answers both from one cached entry; the crawler token after
        // the cut still makes the second a bot, as the rule reads the whole user agent.
        var browser = Chrome + " " + new string('x', 600);
        var tool = browser + " python-requests/2.31.0";
        var factory = Factory();
        string Line(string ua) => $"8.8.8.8 - - [02/Jan/2024:08:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"{ua}\"";

        var human = Create(factory, Line(browser));
        var bot = Create(factory, Line(tool));

        Assert.Equal("human", Field(human, "logpipeline.visitor.type"));
        Assert.Equal("desktop", Field(human, "logpipeline.user_agent.device.type"));
        Assert.Equal("bot", Field(bot, "logpipeline.visitor.type"));
        Assert.Equal("crawler-token", Field(bot, "logpipeline.visitor.bot_reason"));
        Assert.Equal("bot", Field(bot, "logpipeline.user_agent.device.type"));
        Assert.Equal(Field(human, "user_agent.name"), Field(bot, "user_agent.name"));
        Assert.Equal(Key($"8.8.8.8\n2024-01-02\n{tool}"), Field(bot, "logpipeline.visitor.id"));
    }

    [Fact]
    public void Without_a_user_agent_the_key_hashes_an_empty_agent()
    {
        var document = Create(Factory(), "8.8.8.8 - - [02/Jan/2024:08:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"-\"");

        Assert.Equal(Key("8.8.8.8\n2024-01-02\n"), Field(document, "logpipeline.visitor.id"));
    }

    [Theory]
    [InlineData("/blog/tags/jquery%20mobile", "/blog/tags/jquery mobile")]
    [InlineData("/a%2Fb/c+d", "/a/b/c+d")]
    [InlineData("/%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82", "/привет")]
    [InlineData("/bad%zz", "/bad%zz")]
    [InlineData("/caf\\xC3\\xA9%20x", "/café x")]
    public void Url_path_is_decoded_and_url_original_stays_raw(string rawPath, string decoded)
    {
        var document = Create(Factory(), $"8.8.8.8 - - [02/Jan/2024:08:00:00 +0000] \"GET {rawPath}?q=a%20b HTTP/1.1\" 200 1 \"-\" \"{Chrome}\"");

        Assert.Equal(decoded, Field(document, "url.path"));
        Assert.Equal("q=a%20b", Field(document, "url.query"));
        Assert.EndsWith("?q=a%20b", Field(document, "url.original"), StringComparison.Ordinal);
        Assert.Contains(rawPath.Replace("\\xC3\\xA9", "é", StringComparison.Ordinal), Field(document, "url.original"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_recovered_line_is_indexed_tagged_and_counted()
    {
        var registry = new MetricsRegistry();
        var recovered = new RecoveredLines(registry);
        var factory = Factory(recovered);

        var document = Create(factory, "66.249.66.1 - - [02/Jan/2024:08:00:00 +0000] \"GET /robots.txt HTTP/1.1\" 200 67 \"-\" \"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)");

        Assert.Contains("partial_line", document["tags"]!.AsArray().Select(t => (string?)t));
        Assert.Equal("unterminated_quote", Field(document, "logpipeline.parse.recovered"));
        Assert.Equal("uap-spider", Field(document, "logpipeline.visitor.bot_reason"));
        Assert.Equal("/robots.txt", Field(document, "url.path"));
        Assert.Equal(1, recovered[ParseRecovery.UnterminatedQuote]);
        Assert.Contains("logpipeline_ingest_lines_recovered_total{reason=\"unterminated_quote\"} 1", registry.Render(), StringComparison.Ordinal);

        var whole = Create(factory, $"8.8.8.8 - - [02/Jan/2024:08:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"{Chrome}\"");
        Assert.Null(whole["tags"]);
        Assert.Null(Field(whole, "logpipeline.parse.recovered"));
        Assert.Equal(1, recovered[ParseRecovery.UnterminatedQuote]);
        Assert.Equal(0, recovered[ParseRecovery.TruncatedLine]);
    }

    [Fact]
    public void A_line_cut_before_the_quoted_tail_still_fails()
    {
        var output = new ArrayBufferWriter<byte>();

        var result = Factory().TryCreate("8.8.8.8 - - [02/Jan/2024:08:00:00 +0000] \"GET / HTT"u8, Source, output);

        Assert.False(result.Success);
        Assert.Equal(0, output.WrittenCount);
    }
}
