using LogPipeline.Ingest.Enrichment.UserAgents;

namespace LogPipeline.Ingest.Tests.Enrichment;

/// <summary>The device-type rule over known user agents and over uap-core's own device fixtures.</summary>
public sealed class DeviceTypeTests
{
    [Theory]
    [InlineData("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", DeviceType.Desktop)]
    [InlineData("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15", DeviceType.Desktop)]
    [InlineData("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", DeviceType.Desktop)]
    [InlineData("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", DeviceType.Desktop)]
    [InlineData("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1", DeviceType.Mobile)]
    [InlineData("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36", DeviceType.Mobile)]
    [InlineData("Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36", DeviceType.Mobile)]
    [InlineData("Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1", DeviceType.Tablet)]
    [InlineData("Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", DeviceType.Tablet)]
    [InlineData("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", DeviceType.Bot)]
    [InlineData("curl/8.5.0", DeviceType.Bot)]
    [InlineData("Mozilla/5.0 (PlayStation; PlayStation 5/2.26) AppleWebKit/605.1.15 (KHTML, like Gecko)", DeviceType.Other)]
    public void Known_user_agents_get_the_expected_type(string userAgent, DeviceType expected)
    {
        Assert.Equal(expected, Classify(userAgent));
    }

    [Fact]
    public void No_user_agent_is_a_bot()
    {
        Assert.Equal(DeviceType.Bot, DeviceTypes.Classify(null, BotClassifier.Classify(string.Empty, null), string.Empty));
    }

    [Fact]
    public void Over_uap_cores_device_fixtures_the_rule_holds_for_every_known_family()
    {
        var cases = UapConformance.Cases(UapConformance.RequireFile("test_device.yaml"));
        var counts = new Dictionary<DeviceType, int>();
        var wrong = new List<string>();
        var others = new Dictionary<string, int>();
        foreach (var (userAgent, expected) in cases)
        {
            var type = Classify(userAgent);
            counts[type] = counts.GetValueOrDefault(type) + 1;
            if (type == DeviceType.Other)
            {
                var info = TestData.UserAgents.Parse(userAgent.AsSpan());
                var key = $"{info.DeviceName} / {info.OsName}";
                others[key] = others.GetValueOrDefault(key) + 1;
            }

            var family = expected["family"] ?? string.Empty;
            DeviceType? must = family switch
            {
                "Spider" => DeviceType.Bot,
                "iPad" => DeviceType.Tablet,
                "iPhone" or "iPod" => DeviceType.Mobile,
                "Generic Smartphone" or "Generic Feature Phone" => DeviceType.Mobile,
                "Generic Tablet" => DeviceType.Tablet,
                _ when family.StartsWith("Kindle", StringComparison.Ordinal) => DeviceType.Tablet,
                _ => null,
            };

            // Spiders stay bots whatever else; the other families hold unless the user agent is also a tool or crawler.
            if (must is { } m && type != m && (m == DeviceType.Bot || BotClassifier.Classify(userAgent, TestData.UserAgents.Parse(userAgent.AsSpan())) == BotReason.None))
            {
                wrong.Add($"{family}: {type} for {userAgent}");
            }
        }

        Assert.True(wrong.Count == 0, $"{wrong.Count} cases break the rule:\n{string.Join('\n', wrong.Take(30))}");

        // The fixtures are mostly phones and tablets (uap-core tests device rules): the rule must place most of them,
        // not leave them as "other".
        var total = cases.Count;
        var placed = total - counts.GetValueOrDefault(DeviceType.Other);
        Assert.True(placed > total * 0.97, $"only {placed} of {total} fixtures placed: {string.Join(", ", counts.Select(kv => $"{kv.Key}={kv.Value}"))}; most frequent other: {string.Join("; ", others.OrderByDescending(kv => kv.Value).Take(25).Select(kv => $"{kv.Key} ({kv.Value})"))}");
        Assert.True(counts.GetValueOrDefault(DeviceType.Mobile) > counts.GetValueOrDefault(DeviceType.Desktop), string.Join(", ", counts));
        Assert.True(counts.GetValueOrDefault(DeviceType.Tablet) > 0 && counts.GetValueOrDefault(DeviceType.Bot) > 0, string.Join(", ", counts));
    }

    private static DeviceType Classify(string userAgent)
    {
        var info = TestData.UserAgents.Parse(userAgent.AsSpan());
        return DeviceTypes.Classify(info, BotClassifier.Classify(userAgent, info), userAgent);
    }
}
