using System.Text;
using System.Text.Json.Nodes;
using LogPipeline.Testing.Elasticsearch;

namespace LogPipeline.Ingest.Tests.Reporting;

/// <summary>
/// Six human requests on 2024-05-01 (a Wednesday, UTC) from five visitors, two Googlebot requests the same day,
/// plus one request the day before, as nested ECS documents with the visitor, device-type and Kubernetes fields.
/// Namespace "shop" (app web, site shop.example) holds the first three and the bots, "blog" the rest.
/// </summary>
internal static class KnownDocuments
{
    public const string DataStream = "logs-logpipeline.nginx-default";
    public static readonly DateTimeOffset From = new(2024, 5, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset To = From.AddDays(1);

    private static readonly (string Time, string Ip, string Iso, string Country, string Browser, string Os, string Device, string Path, int Status, long Bytes, string? Referrer, string Type, string Ns, int Ms)[] Rows =
    [
        ("2024-05-01T13:05:00Z", "10.0.0.1", "DE", "Germany", "Chrome", "Windows", "desktop", "/index.html", 200, 1000, null, "human", "shop", 30),
        ("2024-05-01T13:20:00Z", "10.0.0.2", "DE", "Germany", "Firefox", "Linux", "desktop", "/index.html", 200, 500, null, "human", "shop", 30),
        ("2024-05-01T09:00:00Z", "10.0.0.3", "FR", "France", "Chrome", "Mac OS X", "desktop", "/about", 404, 200, "https://example.com/", "human", "shop", 100),
        ("2024-05-01T23:59:00Z", "10.0.0.1", "US", "United States", "Chrome", "iOS", "mobile", "/index.html", 301, 0, null, "human", "blog", 30),
        ("2024-05-01T00:30:00Z", "10.0.0.4", "DE", "Germany", "Safari", "iOS", "mobile", "/missing", 404, 150, null, "human", "blog", 5),
        ("2024-05-01T13:45:00Z", "10.0.0.3", "FR", "France", "Chrome", "Mac OS X", "desktop", "/api/items", 500, 50, "https://example.com/", "human", "blog", 250),
        ("2024-05-01T10:00:00Z", "66.249.66.1", "US", "United States", "Googlebot", "Other", "bot", "/robots.txt", 200, 300, null, "bot", "shop", 1),
        ("2024-05-01T10:01:00Z", "66.249.66.1", "US", "United States", "Googlebot", "Other", "bot", "/index.html", 200, 1000, null, "bot", "shop", 1),
        // Outside the range: must not count anywhere.
        ("2024-04-30T23:00:00Z", "10.0.0.9", "US", "United States", "Edge", "Windows", "desktop", "/index.html", 200, 9999, null, "human", "shop", 1),
    ];

    public static async Task IndexAsync(ElasticsearchStandIn es, CancellationToken ct)
    {
        var bulk = new StringBuilder();
        var n = 0;
        foreach (var r in Rows)
        {
            var time = DateTimeOffset.Parse(r.Time, System.Globalization.CultureInfo.InvariantCulture);
            var doc = new JsonObject
            {
                ["@timestamp"] = r.Time,
                ["source"] = new JsonObject { ["ip"] = r.Ip, ["geo"] = new JsonObject { ["country_iso_code"] = r.Iso, ["country_name"] = r.Country } },
                ["user_agent"] = new JsonObject { ["name"] = r.Browser, ["os"] = new JsonObject { ["name"] = r.Os }, ["device"] = new JsonObject { ["name"] = r.Device } },
                ["url"] = new JsonObject { ["path"] = r.Path, ["original"] = r.Path },
                ["http"] = new JsonObject
                {
                    ["request"] = r.Referrer is null ? new JsonObject { ["method"] = "GET" } : new JsonObject { ["method"] = "GET", ["referrer"] = r.Referrer },
                    ["response"] = new JsonObject { ["status_code"] = r.Status, ["body"] = new JsonObject { ["bytes"] = r.Bytes } },
                },
                ["nginx"] = new JsonObject { ["access"] = new JsonObject { ["hour_of_day"] = time.Hour, ["day_of_week"] = ((int)time.DayOfWeek + 6) % 7 + 1 } },
                ["event"] = new JsonObject { ["duration"] = r.Ms * 1_000_000L },
                ["kubernetes"] = new JsonObject { ["namespace"] = r.Ns, ["pod"] = new JsonObject { ["name"] = r.Ns + "-web-0" }, ["node"] = new JsonObject { ["name"] = "node-1" } },
                ["service"] = new JsonObject { ["name"] = r.Ns == "shop" ? "web" : "blog" },
            };
            doc["url"]!["domain"] = r.Ns + ".example";
            doc["user_agent"]!["original"] = $"{r.Browser} on {r.Os}";
            // The visitor key: IP + day + user agent (the real one is a hash of the same three).
            var visitor = new JsonObject { ["id"] = $"{r.Ip}|{r.Time[..10]}|{r.Browser} on {r.Os}", ["type"] = r.Type };
            if (r.Type == "bot")
            {
                visitor["bot_reason"] = "uap-spider";
            }

            doc["logpipeline"] = new JsonObject { ["visitor"] = visitor, ["user_agent"] = new JsonObject { ["device"] = new JsonObject { ["type"] = r.Device } } };
            bulk.Append(new JsonObject { ["create"] = new JsonObject { ["_index"] = DataStream, ["_id"] = "doc" + n++ } }.ToJsonString()).Append('\n');
            bulk.Append(doc.ToJsonString()).Append('\n');
        }

        using var http = new HttpClient { BaseAddress = es.Url };
        using var content = new StringContent(bulk.ToString(), Encoding.UTF8, "application/x-ndjson");
        using var response = await http.PostAsync("_bulk?refresh=true", content, ct);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!;
        Assert.False(body["errors"]!.GetValue<bool>(), body.ToJsonString());
    }
}
