using System.Text;
using LogPipeline.Hosting.Metrics;
using LogPipeline.Ingest.Enrichment.UserAgents;

namespace LogPipeline.Ingest.Tests.Enrichment;

public sealed class UserAgentParserTests
{
    public static TheoryData<string, string, string?, string, string?, string> RealUserAgents() => new()
    {
        {
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
            "Chrome", "120.0.0", "Windows", "10", "Other"
        },
        {
            "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
            "Firefox", "121.0", "Ubuntu", null, "Other"
        },
        {
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15",
            "Safari", "17.2", "Mac OS X", "10.15.7", "Mac"
        },
        {
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
            "Mobile Safari", "17.2", "iOS", "17.2", "iPhone"
        },
        {
            "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
            "Mobile Safari", "16.6", "iOS", "16.6", "iPad"
        },
        {
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
            "Edge", "120.0.2210", "Windows", "10", "Other"
        },
        {
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 OPR/106.0.0.0",
            "Opera", "106.0.0", "Windows", "10", "Other"
        },
        {
            "Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
            "Samsung Internet", "23.0", "Android", "13", "Samsung SM-S918B"
        },
        {
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.43 Mobile Safari/537.36",
            "Chrome Mobile", "120.0.6099", "Android", "14", "Pixel 8"
        },
        {
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Googlebot", "2.1", "Other", null, "Spider"
        },
        {
            "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
            "bingbot", "2.0", "Other", null, "Spider"
        },
        {
            "curl/8.5.0",
            "curl", "8.5.0", "Other", null, "Other"
        },
        {
            "Wget/1.21.4",
            "Wget", "1.21.4", "Other", null, "Other"
        },
        {
            "something nobody has ever sent",
            "Other", null, "Other", null, "Other"
        },
    };

    [Theory]
    [MemberData(nameof(RealUserAgents))]
    public void Real_user_agents_get_family_os_and_device(string userAgent, string name, string? version, string os, string? osVersion, string device)
    {
        var info = TestData.UserAgents.Parse(Encoding.UTF8.GetBytes(userAgent));

        Assert.Equal(name, info.Name);
        Assert.Equal(version, info.Version);
        Assert.Equal(os, info.OsName);
        Assert.Equal(osVersion, info.OsVersion);
        Assert.Equal(osVersion is null ? null : $"{os} {osVersion}", info.OsFull);
        Assert.Equal(device, info.DeviceName);
    }

    [Theory]
    [InlineData("Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36", "Samsung", "SM-S918B")]
    [InlineData("Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1", "Apple", "iPhone")]
    [InlineData("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.43 Mobile Safari/537.36", "Google", "Pixel 8")]
    [InlineData("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Spider", "Desktop")]
    [InlineData("curl/8.5.0", null, null)]
    public void Device_brand_and_model_come_with_the_result(string userAgent, string? brand, string? model)
    {
        var info = TestData.UserAgents.Parse(Encoding.UTF8.GetBytes(userAgent));

        Assert.Equal(brand, info.DeviceBrand);
        Assert.Equal(model, info.DeviceModel);
    }

    [Fact]
    public void Replacements_substitute_groups_as_the_spec_example_says()
    {
        // The specification's own examples (docs/specification.md in uap-core).
        var parser = TestData.UserAgents;

        var firefox = parser.ParseUserAgent("Mozilla/5.0 (Windows; Windows NT 5.1; rv:2.0b3pre) Gecko/20100727 Minefield/4.0.1pre");
        var os = parser.ParseOs("Mozilla/5.0 (Windows; U; Win95; en-US; rv:1.1) Gecko/20020826");

        Assert.Equal(new UapResult("Firefox (Minefield)", "4", "0", "1pre", null), firefox);
        Assert.Equal("Windows", os.Family);
        Assert.Equal("95", os.Major);
    }

    [Fact]
    public void Results_are_cached_and_the_cache_is_bounded()
    {
        var parser = new UserAgentParser(TestData.RegexesPath, cacheBytes: 64 * 1024);
        var first = parser.Parse("curl/8.5.0"u8);
        var second = parser.Parse("curl/8.5.0"u8);
        for (var i = 0; i < 2_000; i++)
        {
            parser.Parse(Encoding.UTF8.GetBytes($"curl/8.{i}.0"));
        }

        Assert.Same(first, second);
        Assert.InRange(parser.CachedBytes, 1, 64 * 1024);
        Assert.InRange(parser.CachedCount, 1, 1_000);
    }

    [Fact]
    public void A_storm_of_unique_user_agents_stays_within_the_byte_bound_and_keeps_the_hot_ones()
    {
        const long budget = 256 * 1024;
        var registry = new MetricsRegistry();
        var metrics = new UserAgentCacheMetrics(registry, TimeProvider.System);
        var parser = new UserAgentParser(TestData.RegexesPath, cacheBytes: budget, metrics: metrics);
        var hot = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"u8.ToArray();
        var expected = parser.Parse(hot);
        for (var i = 0; i < 5_000; i++)
        {
            // One line in five carries a never-seen user agent, as a scanner randomising the header sends.
            Assert.Same(expected, parser.Parse(hot));
            parser.Parse(Encoding.UTF8.GetBytes($"Mozilla/5.0 (compatible; scan-{i:x8}/1.{i % 7}; +https://scanner.example/{i})"));
            parser.Parse(hot);
            parser.Parse(hot);
            parser.Parse(hot);
            Assert.InRange(parser.CachedBytes, 1, budget);
        }

        Assert.Equal(5_001, metrics.Misses.Value);
        Assert.Equal(4 * 5_000, metrics.Hits.Value);
        Assert.Equal(5_001, metrics.ColdParse.Count);
        var text = registry.Render();
        Assert.Contains("logpipeline_ingest_user_agent_cache_hits_total 20000", text, StringComparison.Ordinal);
        Assert.Contains("logpipeline_ingest_user_agent_cache_misses_total 5001", text, StringComparison.Ordinal);
        Assert.Contains("logpipeline_ingest_user_agent_cache_cold_parse_seconds_count 5001", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cached_result_carries_the_bot_rule_and_device_type_of_its_user_agent()
    {
        var parser = new UserAgentParser(TestData.RegexesPath, 256L * 1024 * 1024, 512, TestData.UnhurriedMatchTimeout);
        IEnumerable<string> special = ["", " ", "-", "curl/8.5.0", "CUBOT P30", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "some-monitor-bot"];
        var agents = special.Concat(UapConformance.AllUserAgents()).Distinct(StringComparer.Ordinal).ToList();
        var bots = new HashSet<BotReason>();
        var types = new HashSet<DeviceType>();
        foreach (var ua in agents)
        {
            var info = parser.Parse(ua.AsSpan());
            var parsed = ua.Length > 512 ? ua[..512] : ua;
            var bot = BotClassifier.Classify(parsed, info);
            Assert.True(bot == info.Bot, $"bot {info.Bot}, classifier {bot} for '{ua}'");
            var type = DeviceTypes.Classify(info, bot, parsed);
            Assert.True(type == info.DeviceType, $"device type {info.DeviceType}, classifier {type} for '{ua}'");
            bots.Add(info.Bot);
            types.Add(info.DeviceType);

            // The answer comes from the cache from now on, with both fields.
            Assert.Same(info, parser.Parse(ua.AsSpan()));
        }

        Assert.Equal(Enum.GetValues<BotReason>().Length, bots.Count);
        Assert.Equal(Enum.GetValues<DeviceType>().Length, types.Count);
    }

    [Fact]
    public void The_entry_estimate_counts_the_key_and_every_result_string()
    {
        var key = new string('x', 100);
        var info = new UserAgentInfo("Chrome", "120.0", "Linux", null, null, "Other");
        var bytes = UserAgentParser.EstimatedBytes(key, info);

        // The key alone is 222 bytes (rounded to 224) of UTF-16 + header; a real entry costs well under 1 KB.
        Assert.InRange(bytes, 224 + (6 * 24), 1024);
    }

    [Fact]
    public void Long_hostile_user_agents_are_cut_and_still_get_an_answer()
    {
        var parser = new UserAgentParser(TestData.RegexesPath, maxLength: 512);
        var hostile = new[]
        {
            new string('a', 100_000),
            "Mozilla/5.0 (" + string.Concat(Enumerable.Repeat("; Build/", 5_000)),
            string.Concat(Enumerable.Repeat("Android ", 10_000)),
            "(" + new string('(', 20_000),
        };

        foreach (var userAgent in hostile)
        {
            var info = parser.Parse(userAgent.AsSpan());
            Assert.False(string.IsNullOrEmpty(info.Name));
        }

        // Bounded quantifiers over at most 512 characters: polynomial, and far below the 250 ms timeout.
        TestContext.Current.SendDiagnosticMessage($"regex timeouts on hostile input: {parser.Timeouts}");
        Assert.Equal(0, parser.Timeouts);
    }

    [Fact]
    public void Match_timeout_is_the_backstop_and_parsing_still_answers()
    {
        var parser = new UserAgentParser(TestData.RegexesPath, maxLength: 4096, matchTimeout: TimeSpan.FromTicks(1));

        var info = parser.Parse(string.Concat(Enumerable.Repeat("Mozilla/5.0 (Linux; Android ", 150)).AsSpan());

        Assert.True(parser.Timeouts > 0);
        Assert.NotNull(info.Name);
    }
}
