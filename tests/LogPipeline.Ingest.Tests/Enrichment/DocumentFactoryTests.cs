using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LogPipeline.Ingest.Enrichment;
using LogPipeline.Ingest.Parsing;
using Microsoft.Extensions.Time.Testing;

namespace LogPipeline.Ingest.Tests.Enrichment;

public sealed class DocumentFactoryTests
{
    private static readonly DateTimeOffset Now = new(2023, 10, 10, 21, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Received = new(2023, 10, 10, 20, 59, 59, 500, TimeSpan.Zero);
    private static readonly SourceInfo Source = new("web-7d9f-abcde", "2049:1234:00ff00ff00ff00ff", 4096, false, Received);

    private static DocumentFactory Factory(string format = "combined", string dataStream = "logs-nginx.access-default") =>
        new(AccessLogFormat.Compile(format), TestData.Geo, TestData.UserAgents, DocumentDefaults.FromDataStream(dataStream), new FakeTimeProvider(Now));

    private static (DocumentResult Result, JsonObject? Document, string Json) Create(DocumentFactory factory, string line, SourceInfo? source = null)
    {
        var output = new ArrayBufferWriter<byte>();
        var result = factory.TryCreate(Encoding.UTF8.GetBytes(line), source ?? Source, output);
        var json = Encoding.UTF8.GetString(output.WrittenSpan);
        return (result, json.Length == 0 ? null : JsonNode.Parse(json)!.AsObject(), json);
    }

    private static string ExpectedVisitorId(string input) =>
        Convert.ToBase64String(System.IO.Hashing.XxHash128.Hash(Encoding.UTF8.GetBytes(input)))
            .Replace('+', '-').Replace('/', '_').TrimEnd('=');

    [Fact]
    public void Complete_combined_line_gives_the_exact_document()
    {
        const string ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
        const string line = "8.8.8.8 - alice [10/Oct/2023:13:55:36 -0700] \"GET /caf\\xC3\\xA9/index.html?q=1&r=%20 HTTP/1.1\" 200 2326 \"https://example.com/start\" \"" + ua + "\"";

        var (result, document, json) = Create(Factory(), line);

        Assert.True(result.Success, result.Error);
        var expected = new JsonObject
        {
            ["@timestamp"] = "2023-10-10T13:55:36.000-07:00",
            ["message"] = line,
            ["event"] = new JsonObject
            {
                ["kind"] = "event",
                ["category"] = new JsonArray("web"),
                ["type"] = new JsonArray("access"),
                ["outcome"] = "success",
                ["dataset"] = "nginx.access",
                ["module"] = "nginx",
                ["created"] = "2023-10-10T21:00:00.000+00:00",
                ["ingested"] = "2023-10-10T20:59:59.500+00:00",
                ["original"] = line,
            },
            ["source"] = new JsonObject
            {
                ["address"] = "8.8.8.8",
                ["ip"] = "8.8.8.8",
                ["geo"] = new JsonObject { ["country_iso_code"] = "US", ["country_name"] = "United States" },
            },
            ["user"] = new JsonObject { ["name"] = "alice" },
            ["http"] = new JsonObject
            {
                ["request"] = new JsonObject { ["method"] = "GET", ["referrer"] = "https://example.com/start" },
                ["version"] = "1.1",
                ["response"] = new JsonObject { ["status_code"] = 200, ["body"] = new JsonObject { ["bytes"] = 2326 } },
            },
            ["url"] = new JsonObject { ["original"] = "/café/index.html?q=1&r=%20", ["path"] = "/café/index.html", ["query"] = "q=1&r=%20" },
            ["user_agent"] = new JsonObject
            {
                ["original"] = ua,
                ["name"] = "Chrome",
                ["version"] = "120.0.0",
                ["os"] = new JsonObject { ["name"] = "Windows", ["version"] = "10", ["full"] = "Windows 10" },
                ["device"] = new JsonObject { ["name"] = "Other" },
            },
            ["nginx"] = new JsonObject { ["access"] = new JsonObject { ["hour_of_day"] = 13, ["day_of_week"] = 2 } },
            ["log"] = new JsonObject { ["file"] = new JsonObject { ["path"] = "2049:1234:00ff00ff00ff00ff" }, ["offset"] = 4096 },
            ["host"] = new JsonObject { ["name"] = "web-7d9f-abcde" },
            ["data_stream"] = new JsonObject { ["type"] = "logs", ["dataset"] = "nginx.access", ["namespace"] = "default" },
            ["ecs"] = new JsonObject { ["version"] = "8.17.0" },
            ["logpipeline"] = new JsonObject
            {
                ["user_agent"] = new JsonObject { ["device"] = new JsonObject { ["type"] = "desktop" } },
                // The rule written out independently: SHA-256 of ip, the day in the line's own offset, the user agent.
                ["visitor"] = new JsonObject { ["id"] = ExpectedVisitorId("8.8.8.8\n2023-10-10\n" + ua), ["type"] = "human" },
            },
        };
        Assert.True(JsonNode.DeepEquals(expected, document), $"expected\n{expected.ToJsonString()}\nactual\n{json}");

        // Types the index template relies on: numbers are JSON numbers, not strings.
        Assert.Equal(JsonValueKind.Number, document!["http"]!["response"]!["status_code"]!.GetValueKind());
        Assert.Equal(JsonValueKind.Number, document["nginx"]!["access"]!["hour_of_day"]!.GetValueKind());
        Assert.DoesNotContain("\"-\"", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("01/Jan/2024:00:30:00 +0530", "2024-01-01T00:30:00.000+05:30", 0, 1)]
    [InlineData("31/Dec/2023:23:00:00 -0930", "2023-12-31T23:00:00.000-09:30", 23, 7)]
    [InlineData("07/Apr/2024:12:00:00 +0000", "2024-04-07T12:00:00.000+00:00", 12, 7)]
    [InlineData("08/Apr/2024:02:15:00 +1400", "2024-04-08T02:15:00.000+14:00", 2, 1)]
    public void Timestamp_hour_and_weekday_are_in_the_logs_own_offset(string time, string timestamp, int hour, int isoDay)
    {
        var (result, document, _) = Create(Factory(), $"8.8.8.8 - - [{time}] \"GET / HTTP/1.1\" 200 1 \"-\" \"-\"");

        Assert.True(result.Success, result.Error);
        Assert.Equal(timestamp, (string?)document!["@timestamp"]);
        Assert.Equal(hour, (int)document["nginx"]!["access"]!["hour_of_day"]!);
        Assert.Equal(isoDay, (int)document["nginx"]!["access"]!["day_of_week"]!);
    }

    [Theory]
    [InlineData(200, "success")]
    [InlineData(301, "success")]
    [InlineData(399, "success")]
    [InlineData(400, "failure")]
    [InlineData(404, "failure")]
    [InlineData(503, "failure")]
    public void Outcome_follows_the_status(int status, string outcome)
    {
        var (result, document, _) = Create(Factory(), $"8.8.8.8 - - [01/Jan/2024:00:00:00 +0000] \"GET / HTTP/1.1\" {status} 1 \"-\" \"-\"");

        Assert.True(result.Success, result.Error);
        Assert.Equal(outcome, (string?)document!["event"]!["outcome"]);
        Assert.Equal(status, (int)document["http"]!["response"]!["status_code"]!);
    }

    [Fact]
    public void Forwarded_for_gives_the_first_public_client_and_keeps_the_proxy()
    {
        var factory = Factory("$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_user_agent\" \"$http_x_forwarded_for\" $request_time");

        var (result, document, _) = Create(factory,
            "10.0.0.5 - - [01/Jan/2024:00:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"-\" \"192.168.1.20, 193.0.6.139, 8.8.8.8\" 0.125");

        Assert.True(result.Success, result.Error);
        Assert.Equal("193.0.6.139", (string?)document!["source"]!["ip"]);
        Assert.Equal("NL", (string?)document["source"]!["geo"]!["country_iso_code"]);
        Assert.Equal("10.0.0.5", (string?)document["network"]!["forwarded_ip"]);
        Assert.Equal(0.125, (double)document["nginx"]!["access"]!["request_time"]!);
        Assert.Equal(125_000_000L, (long)document["event"]!["duration"]!);
        Assert.Null(document["tags"]);
    }

    [Fact]
    public void Private_clients_are_tagged_and_not_geolocated()
    {
        var (result, document, _) = Create(Factory(), "192.168.1.20 - - [01/Jan/2024:00:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"-\"");

        Assert.True(result.Success, result.Error);
        Assert.Equal("192.168.1.20", (string?)document!["source"]!["ip"]);
        Assert.Null(document["source"]!["geo"]);
        Assert.Equal(["private_ip"], document["tags"]!.AsArray().Select(t => (string?)t));
    }

    [Fact]
    public void IPv6_client_is_geolocated()
    {
        var (result, document, _) = Create(Factory(), "2001:4860:4860::8888 - - [01/Jan/2024:00:00:00 +0000] \"GET / HTTP/2.0\" 200 1 \"-\" \"-\"");

        Assert.True(result.Success, result.Error);
        Assert.Equal("2001:4860:4860::8888", (string?)document!["source"]!["ip"]);
        Assert.Equal("US", (string?)document["source"]!["geo"]!["country_iso_code"]);
        Assert.Equal("2.0", (string?)document["http"]!["version"]);
    }

    [Fact]
    public void TLS_handshake_line_is_indexed_with_its_status_and_an_invalid_request_tag()
    {
        const string line = "8.8.8.8 - - [12/Feb/2024:03:04:05 +0000] \"\\x16\\x03\\x01\\x00\\xF1\\x01\\x00\\x00\\xED\\x03\\x03\" 400 157 \"-\" \"-\"";

        var (result, document, _) = Create(Factory(), line);

        Assert.True(result.Success, result.Error);
        Assert.Equal(400, (int)document!["http"]!["response"]!["status_code"]!);
        Assert.Null(document["url"]);
        Assert.Null(document["http"]!["request"]);
        Assert.Equal(line, (string?)document["event"]!["original"]);
        Assert.Contains("invalid_request", document["tags"]!.AsArray().Select(t => (string?)t));
    }

    [Fact]
    public void Device_brand_and_model_are_written_under_our_own_prefix()
    {
        const string ua = "Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36";
        var (result, document, json) = Create(Factory(), "8.8.8.8 - - [01/Jan/2024:00:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"" + ua + "\"");

        Assert.True(result.Success, result.Error);
        Assert.Equal("Samsung SM-S918B", (string?)document!["user_agent"]!["device"]!["name"]);
        var device = document["logpipeline"]!["user_agent"]!["device"]!;
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["brand"] = "Samsung", ["model"] = "SM-S918B", ["type"] = "mobile" }, device), json);
    }

    [Fact]
    public void Escaped_user_agent_is_decoded_but_the_original_event_stays_raw()
    {
        const string line = "8.8.8.8 - - [01/Jan/2024:00:00:00 +0000] \"GET /\\xD0\\xBF\\xD1\\x80\\xD0\\xB8 HTTP/1.1\" 200 1 \"-\" \"Bot \\x22quoted\\x22 \\xFF\"";

        var (result, document, _) = Create(Factory(), line);

        Assert.True(result.Success, result.Error);
        Assert.Equal("/при", (string?)document!["url"]!["path"]);

        // \xFF is not UTF-8: that value keeps its escaped (readable, valid) form.
        Assert.Equal("Bot \\x22quoted\\x22 \\xFF", (string?)document["user_agent"]!["original"]);
        Assert.Equal(line, (string?)document["message"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    // Cut before the quoted tail (a cut inside the user agent is recovered: VisitorFieldsTests, LenientParsingTests).
    [InlineData("8.8.8.8 - - [01/Jan/2024:00:00:00 +0000] \"GET / HTTP/1.1\" 20")]
    public void Unparseable_lines_fail_and_write_nothing(string line)
    {
        var (result, document, json) = Create(Factory(), line);

        Assert.False(result.Success);
        Assert.False(string.IsNullOrWhiteSpace(result.Error));
        Assert.Null(document);
        Assert.Equal(string.Empty, json);
    }

    [Fact]
    public void Invalid_utf8_fails_and_writes_nothing()
    {
        var output = new ArrayBufferWriter<byte>();
        byte[] line = [.. "8.8.8.8 - - [01/Jan/2024:00:00:00 +0000] \"GET /"u8, 0xC3, 0x28, .. " HTTP/1.1\" 200 1 \"-\" \"-\""u8];

        var result = Factory().TryCreate(line, Source, output);

        Assert.False(result.Success);
        Assert.Contains("UTF-8", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public void Truncated_line_keeps_what_was_read_and_is_marked()
    {
        const string line = "8.8.8.8 - - [01/Jan/2024:00:00:00 +0000] \"GET /very/long/url/that/was/cut";
        var truncated = Source with { Truncated = true };

        var (result, document, _) = Create(Factory(), line, truncated);

        Assert.True(result.Success, result.Error);
        Assert.Equal("2024-01-01T00:00:00.000+00:00", (string?)document!["@timestamp"]);
        Assert.Equal("8.8.8.8", (string?)document["source"]!["ip"]);
        Assert.True((bool)document["nginx"]!["access"]!["truncated"]!);
        Assert.Contains("truncated", document["tags"]!.AsArray().Select(t => (string?)t));
        Assert.Null(document["http"]);
    }

    [Fact]
    public void Data_stream_fields_follow_the_configured_stream()
    {
        var (result, document, _) = Create(Factory(dataStream: "logs-nginx.access-prod"), "8.8.8.8 - - [01/Jan/2024:00:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"-\"");

        Assert.True(result.Success, result.Error);
        Assert.Equal("prod", (string?)document!["data_stream"]!["namespace"]);
        Assert.Equal("nginx.access", (string?)document["data_stream"]!["dataset"]);
    }

    [Fact]
    public void Json_lines_become_the_same_document_as_combined_lines()
    {
        var combined = Create(Factory(), "8.8.8.8 - bob [01/Jan/2024:10:00:00 +0100] \"GET /a?b=c HTTP/1.1\" 200 10 \"https://r.example/\" \"curl/8.5.0\"");
        var json = Create(Factory("json"),
            """{"remote_addr":"8.8.8.8","remote_user":"bob","time_local":"01/Jan/2024:10:00:00 +0100","request":"GET /a?b=c HTTP/1.1","status":"200","body_bytes_sent":"10","http_referer":"https://r.example/","http_user_agent":"curl/8.5.0"}""");

        Assert.True(json.Result.Success, json.Result.Error);
        foreach (var doc in new[] { combined.Document!, json.Document! })
        {
            doc.Remove("message");
            doc["event"]!.AsObject().Remove("original");
        }

        Assert.True(JsonNode.DeepEquals(combined.Document, json.Document), $"{combined.Json}\n{json.Json}");
    }

    [Fact]
    public async Task Concurrent_threads_produce_independent_documents()
    {
        var factory = Factory();
        var tasks = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 2_000; i++)
            {
                var line = $"8.8.8.8 - user{t} [01/Jan/2024:00:00:00 +0000] \"GET /t{t}/{i} HTTP/1.1\" 200 {i} \"-\" \"curl/{t}.{i}\"";
                var (result, document, _) = Create(factory, line);
                Assert.True(result.Success, result.Error);
                Assert.Equal($"/t{t}/{i}", (string?)document!["url"]!["path"]);
                Assert.Equal($"user{t}", (string?)document["user"]!["name"]);
                Assert.Equal(i, (long)document["http"]!["response"]!["body"]!["bytes"]!);
            }
        }, TestContext.Current.CancellationToken));

        await Task.WhenAll(tasks);
    }
}
