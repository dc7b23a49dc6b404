using LogPipeline.Ingest.Enrichment.UserAgents;

namespace LogPipeline.Ingest.Tests.Enrichment;

public sealed class BotClassifierTests
{
    [Theory]
    // uap-core's Spider rules come first.
    [InlineData("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", BotReason.UapSpider)]
    [InlineData("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", BotReason.UapSpider)]
    [InlineData("Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", BotReason.UapSpider)]
    // Tools and libraries uap-core does not call Spider.
    [InlineData("curl/8.5.0", BotReason.CrawlerToken)]
    [InlineData("Wget/1.21.4", BotReason.CrawlerToken)]
    [InlineData("python-requests/2.31.0", BotReason.CrawlerToken)]
    [InlineData("Go-http-client/1.1", BotReason.CrawlerToken)]
    [InlineData("okhttp/4.12.0", BotReason.CrawlerToken)]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36", BotReason.CrawlerToken)]
    [InlineData("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", BotReason.UapSpider)]
    [InlineData("SomeNewCrawler", BotReason.UapSpider)]
    // No user agent.
    [InlineData("", BotReason.EmptyUserAgent)]
    [InlineData("-", BotReason.EmptyUserAgent)]
    [InlineData("   ", BotReason.EmptyUserAgent)]
    // Browsers, including a phone whose name ends in "bot".
    [InlineData("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", BotReason.None)]
    [InlineData("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1", BotReason.None)]
    [InlineData("Mozilla/5.0 (Linux; Android 9; CUBOT P30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36", BotReason.None)]
    [InlineData("Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:121.0) Gecko/20100101 Firefox/121.0", BotReason.None)]
    public void Classifies_by_the_documented_rule(string userAgent, BotReason expected)
    {
        var info = userAgent.Length == 0 ? null : TestData.UserAgents.Parse(userAgent.AsSpan());

        Assert.Equal(expected, BotClassifier.Classify(userAgent, info));
    }

    [Theory]
    [InlineData("SomeNewCrawler/1.0")]
    [InlineData("acme-monitoring-bot")]
    [InlineData("Mozilla/5.0 (compatible; ExampleBot/1.0)")]
    [InlineData("facebookexternalhit/1.1")]
    [InlineData("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; spider-x)")]
    [InlineData("Mozilla/5.0 (compatible; Yahoo! Slurp)")]
    [InlineData("PHP/8.2")]
    [InlineData("Scrapy/2.11 (+https://scrapy.org)")]
    public void Crawler_tokens_mark_a_bot_even_when_uap_core_does_not(string userAgent)
    {
        // uap-core's answer for a desktop browser, so only the token list can decide.
        var browser = TestData.UserAgents.Parse("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0.0.0 Safari/537.36".AsSpan());
        Assert.NotEqual("Spider", browser.DeviceName);

        Assert.Equal(BotReason.CrawlerToken, BotClassifier.Classify(userAgent, browser));
    }

    [Fact]
    public void Every_reason_has_a_keyword_and_humans_have_none()
    {
        Assert.Null(BotClassifier.Keyword(BotReason.None));
        Assert.Equal("uap-spider", BotClassifier.Keyword(BotReason.UapSpider));
        Assert.Equal("crawler-token", BotClassifier.Keyword(BotReason.CrawlerToken));
        Assert.Equal("empty-user-agent", BotClassifier.Keyword(BotReason.EmptyUserAgent));
    }
}
