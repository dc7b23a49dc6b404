using System.Buffers;

namespace LogPipeline.Ingest.Enrichment.UserAgents;

/// <summary>Why a request counts as a bot (<c>logpipeline.visitor.bot_reason</c>); <see cref="None"/> = human.</summary>
public enum BotReason
{
    None,

    /// <summary>uap-core's device parser answered family "Spider" (its crawler rules).</summary>
    UapSpider,

    /// <summary>The user agent contains one of <see cref="BotClassifier.CrawlerTokens"/> (case-insensitive).</summary>
    CrawlerToken,

    /// <summary>No user agent, or nginx's "-" for an absent header: no browser sends none.</summary>
    EmptyUserAgent,
}

/// <summary>
/// Human or bot, in this order: empty user agent → <see cref="BotReason.EmptyUserAgent"/>; uap-core device family
/// "Spider" → <see cref="BotReason.UapSpider"/>; a known crawler/tool token → <see cref="BotReason.CrawlerToken"/>;
/// else human. Pure and thread-safe (the token set is immutable). A function of the user agent alone, so the parser
/// runs it once per distinct user agent and caches the answer in <see cref="UserAgentInfo.Bot"/>. The rule is
/// documented in docs/ingest.md ("Visitor fields") and ADR 0012.
/// </summary>
public static class BotClassifier
{
    /// <summary>
    /// Case-insensitive substrings that mark a crawler, an HTTP library or a headless browser. "bot" only with the
    /// character after it that crawlers write (Googlebot/, bingbot;, Foo-bot-) so phone names ending in "bot"
    /// (CUBOT P30) stay human.
    /// </summary>
    public static readonly IReadOnlyList<string> CrawlerTokens =
    [
        "bot/", "bot;", "bot)", "bot-", "bot_", "bot.", "bot@", "robot", "crawler", "crawl", "spider", "slurp",
        "curl/", "wget/", "libwww-perl", "python-requests", "python-urllib", "python/", "aiohttp", "httpx/",
        "go-http-client", "okhttp", "apache-httpclient", "java/", "jakarta commons-httpclient", "node-fetch", "axios/",
        "undici", "ruby", "php/", "guzzlehttp", "scrapy", "headlesschrome", "headless", "phantomjs", "puppeteer",
        "playwright", "selenium", "lighthouse", "facebookexternalhit", "mediapartners-google", "feedfetcher",
        "ia_archiver", "archive.org_bot", "uptimerobot", "pingdom", "statuscake", "zgrab", "masscan", "nmap",
        "nuclei", "httpclient", "wordpress/",
    ];

    private static readonly SearchValues<string> Tokens = SearchValues.Create([.. CrawlerTokens], StringComparison.OrdinalIgnoreCase);

    /// <summary>Classifies a decoded user agent (empty = absent) with uap-core's result for it (null when absent).</summary>
    public static BotReason Classify(ReadOnlySpan<char> userAgent, UserAgentInfo? info)
    {
        if (userAgent.IsWhiteSpace() || userAgent is "-")
        {
            return BotReason.EmptyUserAgent;
        }

        if (info is not null && info.DeviceName == "Spider")
        {
            return BotReason.UapSpider;
        }

        return userAgent.IndexOfAny(Tokens) >= 0 || userAgent.EndsWith("bot", StringComparison.OrdinalIgnoreCase)
            ? BotReason.CrawlerToken
            : BotReason.None;
    }

    /// <summary>The keyword written to <c>logpipeline.visitor.bot_reason</c> (null for humans).</summary>
    public static string? Keyword(BotReason reason) => reason switch
    {
        BotReason.UapSpider => "uap-spider",
        BotReason.CrawlerToken => "crawler-token",
        BotReason.EmptyUserAgent => "empty-user-agent",
        _ => null,
    };
}
