using System.Text;
using System.Text.Json.Nodes;
using LogPipeline.Testing.Elasticsearch;

namespace LogPipeline.Ingest.Tests.Reporting;

/// <summary>Six requests on 2024-05-01 (a Wednesday, UTC) plus one the day before, as nested ECS documents.</summary>
internal static class KnownDocuments
{
    public const string DataStream = "logs-logpipeline.nginx-default";
    public static readonly DateTimeOffset From = new(2024, 5, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset To = From.AddDays(1);

    private static readonly (string Time, string Ip, string Iso, string Country, string Browser, string Os, string Device, string Path, int Status, long Bytes, string? Referrer)[] Rows =
    [
        ("2024-05-01T13:05:00Z", "10.0.0.1", "DE", "Germany", "Chrome", "Windows", "Other", "/index.html", 200, 1000, null),
        ("2024-05-01T13:20:00Z", "10.0.0.2", "DE", "Germany", "Firefox", "Linux", "Other", "/index.html", 200, 500, null),
        ("2024-05-01T09:00:00Z", "10.0.0.3", "FR", "France", "Chrome", "Mac OS X", "Mac", "/about", 404, 200, "https://example.com/"),
        ("2024-05-01T23:59:00Z", "10.0.0.1", "US", "United States", "Chrome", "iOS", "iPhone", "/index.html", 301, 0, null),
        ("2024-05-01T00:30:00Z", "10.0.0.4", "DE", "Germany", "Safari", "iOS", "iPhone", "/missing", 404, 150, null),
        ("2024-05-01T13:45:00Z", "10.0.0.3", "FR", "France", "Chrome", "Windows", "Other", "/api/items", 500, 50, "https://example.com/"),
        // Outside the range: must not count anywhere.
        ("2024-04-30T23:00:00Z", "10.0.0.9", "US", "United States", "Edge", "Windows", "Other", "/index.html", 200, 9999, null),
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
            };
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
