using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Elastic.Clients.Elasticsearch;
using Elastic.Transport;
using LogPipeline.Ingest.Elasticsearch;
using LogPipeline.Testing.Elasticsearch;
using HttpMethod = Elastic.Transport.HttpMethod;

namespace LogPipeline.Ingest.Tests.Elasticsearch;

/// <summary>The stand-in behaves like Elasticsearch for what the official client and the worker rely on.</summary>
public sealed class ElasticsearchStandInTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Official_client_accepts_the_product_and_reads_info()
    {
        await using var es = ElasticsearchStandIn.Start();
        var client = ElasticsearchClientFactory.Create(new ElasticsearchOptions { Url = es.Url });
        var info = await client.InfoAsync(Ct);
        Assert.True(info.IsValidResponse, info.DebugInformation);
        Assert.Equal(ElasticsearchStandIn.Version, info.Version.Number);
    }

    [Fact]
    public async Task Bulk_create_answers_409_for_a_repeated_id_and_stores_documents_once()
    {
        await using var es = ElasticsearchStandIn.Start();
        var client = ElasticsearchClientFactory.Create(new ElasticsearchOptions { Url = es.Url });
        var body = """
            {"create":{"_id":"a"}}
            {"@timestamp":"2025-01-01T00:00:00Z","message":"one","n":1}
            {"create":{"_id":"b"}}
            {"@timestamp":"2025-01-01T00:00:01Z","message":"two","n":2}
            {"create":{"_id":"a"}}
            {"@timestamp":"2025-01-01T00:00:02Z","message":"again","n":3}

            """.ReplaceLineEndings("\n");
        var response = await client.Transport.RequestAsync<StringResponse>(
            HttpMethod.POST, "/logs-test-default/_bulk", PostData.String(body), Ct);
        Assert.Equal(200, response.ApiCallDetails.HttpStatusCode);
        var json = JsonNode.Parse(response.Body)!;
        Assert.True(json["errors"]!.GetValue<bool>());
        var statuses = json["items"]!.AsArray().Select(i => i!["create"]!["status"]!.GetValue<int>()).ToArray();
        Assert.Equal([201, 201, 409], statuses);
        Assert.Equal("version_conflict_engine_exception", json["items"]![2]!["create"]!["error"]!["type"]!.GetValue<string>());

        var docs = es.Documents("logs-test-default");
        Assert.Equal(["a", "b"], docs.Keys.Order());
        Assert.Equal("one", docs["a"]["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Bulk_answer_lists_every_item_with_its_action_metadata_and_error()
    {
        await using var es = ElasticsearchStandIn.Start();
        var client = ElasticsearchClientFactory.Create(new ElasticsearchOptions { Url = es.Url });
        var body = """
            {"index":{"_index":"other","_id":"x"}}
            {"n":1}
            {"index":{"_index":"other","_id":"x"}}
            {"n":2}
            {"delete":{"_index":"other","_id":"x"}}
            {"delete":{"_index":"other","_id":"x"}}
            {"update":{"_id":"u"}}
            {"doc":{"n":3}}
            {"create":{"_id":"bad"}}
            {not json

            """.ReplaceLineEndings("\n");
        var response = await client.Transport.RequestAsync<StringResponse>(
            HttpMethod.POST, "/logs-test-default/_bulk", PostData.String(body), Ct);
        Assert.Equal(200, response.ApiCallDetails.HttpStatusCode);
        var json = JsonNode.Parse(response.Body)!;
        Assert.True(json["errors"]!.GetValue<bool>());
        var items = json["items"]!.AsArray().Select(i => i!.AsObject().Single()).ToArray();
        Assert.Equal(["index", "index", "delete", "delete", "update", "create"], items.Select(i => i.Key));
        Assert.Equal([201, 200, 200, 404, 400, 400], items.Select(i => i.Value!["status"]!.GetValue<int>()));
        Assert.Equal(["created", "updated", "deleted", "not_found"], items.Take(4).Select(i => i.Value!["result"]!.GetValue<string>()));
        Assert.Equal("other", items[1].Value!["_index"]!.GetValue<string>());
        Assert.Equal("x", items[1].Value!["_id"]!.GetValue<string>());
        Assert.Equal(1, items[0].Value!["_shards"]!["successful"]!.GetValue<int>());
        Assert.Equal("illegal_argument_exception", items[4].Value!["error"]!["type"]!.GetValue<string>());
        Assert.Equal("logs-test-default", items[5].Value!["_index"]!.GetValue<string>());
        Assert.Equal("document_parsing_exception", items[5].Value!["error"]!["type"]!.GetValue<string>());
        Assert.Empty(es.Documents("other"));
        Assert.Empty(es.Documents("logs-test-default"));
    }

    [Fact]
    public async Task Count_and_search_with_term_range_and_ids_through_the_official_client()
    {
        await using var es = ElasticsearchStandIn.Start();
        var client = ElasticsearchClientFactory.Create(new ElasticsearchOptions { Url = es.Url });
        var sb = new StringBuilder();
        for (var i = 0; i < 20; i++)
        {
            sb.Append("{\"create\":{\"_id\":\"d").Append(i).Append("\"}}\n");
            sb.Append("{\"@timestamp\":\"2025-01-01T00:00:").Append(i.ToString("00")).Append("Z\",\"http\":{\"response\":{\"status_code\":")
              .Append(i % 2 == 0 ? 200 : 404).Append("}},\"source.geo.country_iso_code\":\"").Append(i < 5 ? "DE" : "FR").Append("\"}\n");
        }

        var bulk = await client.Transport.RequestAsync<StringResponse>(HttpMethod.POST, "/logs-x-default/_bulk", PostData.String(sb.ToString()), Ct);
        Assert.Equal(200, bulk.ApiCallDetails.HttpStatusCode);
        await client.Indices.RefreshAsync("logs-x-default", Ct);

        var count = await client.CountAsync<JsonObject>(c => c.Indices("logs-x-*").Query(q => q.Term(t => t.Field("http.response.status_code").Value(404))), Ct);
        Assert.True(count.IsValidResponse, count.DebugInformation);
        Assert.Equal(10, count.Count);

        var search = await client.SearchAsync<JsonObject>(s => s
            .Indices("logs-x-default")
            .Size(100)
            .Query(q => q.Bool(b => b
                .Filter(
                    f => f.Term(t => t.Field("source.geo.country_iso_code").Value("FR")),
                    f => f.Range(r => r.Date(d => d.Field("@timestamp").Gte("2025-01-01T00:00:10Z").Lt("2025-01-01T00:00:15Z"))))
                .MustNot(m => m.Ids(i => i.Values(new Ids(["d12"])))))), Ct);
        Assert.True(search.IsValidResponse, search.DebugInformation);
        Assert.Equal(["d10", "d11", "d13", "d14"], search.Hits.Select(h => h.Id).Order());
        Assert.Equal(4, search.Total);
    }

    [Fact]
    public async Task Templates_policies_and_data_streams_are_stored_and_acknowledged()
    {
        await using var es = ElasticsearchStandIn.Start();
        using var http = new HttpClient { BaseAddress = es.Url };
        Assert.Equal(404, (int)(await http.SendAsync(new HttpRequestMessage(System.Net.Http.HttpMethod.Head, "_index_template/t1"), Ct)).StatusCode);
        var put = await http.PutAsync("_index_template/t1", new StringContent("""{"index_patterns":["logs-x-*"],"data_stream":{}}""", Encoding.UTF8, "application/json"), Ct);
        Assert.Contains("\"acknowledged\":true", await put.Content.ReadAsStringAsync(Ct));
        Assert.Equal(200, (int)(await http.SendAsync(new HttpRequestMessage(System.Net.Http.HttpMethod.Head, "_index_template/t1"), Ct)).StatusCode);
        Assert.Equal("logs-x-*", es.IndexTemplate("t1")!["index_patterns"]![0]!.GetValue<string>());

        await http.PutAsync("_ilm/policy/p1", new StringContent("""{"policy":{"phases":{"delete":{"min_age":"30d"}}}}""", Encoding.UTF8, "application/json"), Ct);
        var ilm = JsonNode.Parse(await http.GetStringAsync("_ilm/policy/p1", Ct))!;
        Assert.Equal("30d", ilm["p1"]!["policy"]!["phases"]!["delete"]!["min_age"]!.GetValue<string>());

        await http.PutAsync("_data_stream/logs-x-default", null, Ct);
        Assert.True(es.HasDataStream("logs-x-default"));
        var ds = JsonNode.Parse(await http.GetStringAsync("_data_stream/logs-x-default", Ct))!;
        Assert.Equal("logs-x-default", ds["data_streams"]![0]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Injected_faults_answer_429_503_item_rejections_and_dropped_connections()
    {
        await using var es = ElasticsearchStandIn.Start();
        using var http = new HttpClient { BaseAddress = es.Url };
        const string body = "{\"create\":{\"_id\":\"1\"}}\n{\"message\":\"ok\"}\n{\"create\":{\"_id\":\"2\"}}\n{\"message\":\"BAD\"}\n";

        es.FailNextBulkRequests(1, 429);
        Assert.Equal(429, (int)(await PostBulkAsync(http, body)).StatusCode);
        es.FailNextBulkRequests(1, 503);
        Assert.Equal(503, (int)(await PostBulkAsync(http, body)).StatusCode);
        Assert.Empty(es.Documents("i"));

        es.RejectDocuments(d => d["message"]!.GetValue<string>() == "BAD", 400);
        var json = JsonNode.Parse(await (await PostBulkAsync(http, body)).Content.ReadAsStringAsync(Ct))!;
        Assert.Equal(201, json["items"]![0]!["create"]!["status"]!.GetValue<int>());
        Assert.Equal(400, json["items"]![1]!["create"]!["status"]!.GetValue<int>());
        Assert.Equal("mapper_parsing_exception", json["items"]![1]!["create"]!["error"]!["type"]!.GetValue<string>());

        es.ClearFaults();
        es.DropNextConnections(1);
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            var r = await PostBulkAsync(http, body);
            await r.Content.ReadAsStringAsync(Ct);
        });
        // The dropped request was processed before the cut, as a real node may have done.
        Assert.Equal(["1", "2"], es.Documents("i").Keys.Order());
        Assert.Equal(4, es.BulkRequestCount);
        Assert.Contains(es.Requests, r => r.Path == "/i/_bulk" && r.Body.Contains("BAD", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("8.19.0", "9", "9", 400)]
    [InlineData("8.19.0", "8", "8", 200)]
    [InlineData("8.19.0", "7", "7", 200)]
    [InlineData("8.19.0", "8", "7", 400)]
    [InlineData("9.1.0", "8", "8", 200)]
    [InlineData("9.1.0", "9", null, 400)]
    [InlineData("9.1.0", "10", "10", 400)]
    [InlineData("9.1.0", null, null, 200)]
    public async Task Compatible_with_is_checked_as_elasticsearch_checks_it(string version, string? accept, string? contentType, int expected)
    {
        await using var es = ElasticsearchStandIn.Start(version);
        using var http = new HttpClient { BaseAddress = es.Url };
        var content = new StringContent("{\"create\":{\"_id\":\"1\"}}\n{\"message\":\"ok\"}\n", Encoding.UTF8);
        using var request = new HttpRequestMessage(System.Net.Http.HttpMethod.Post, "i/_bulk") { Content = content };
        request.Headers.TryAddWithoutValidation("Accept", accept is null ? "application/json" : $"application/vnd.elasticsearch+json; compatible-with={accept}");
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(
            contentType is null ? "application/x-ndjson" : $"application/vnd.elasticsearch+x-ndjson; compatible-with={contentType}");

        using var response = await http.SendAsync(request, Ct);
        Assert.Equal(expected, (int)response.StatusCode);
        if (expected == 400)
        {
            var error = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["error"]!;
            Assert.Equal("media_type_header_exception", error["type"]!.GetValue<string>());
            Assert.Contains("compatible", error["caused_by"]!["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task After_a_rollover_create_checks_the_id_only_in_the_new_write_index()
    {
        await using var es = ElasticsearchStandIn.Start();
        using var http = new HttpClient { BaseAddress = es.Url };
        (await http.PutAsync("_data_stream/logs-x-default", null, Ct)).EnsureSuccessStatusCode();
        const string body = "{\"create\":{\"_id\":\"1\"}}\n{\"message\":\"ok\"}\n";
        Assert.Equal(201, BulkStatus(await (await PostBulkAsync(http, body, "logs-x-default")).Content.ReadAsStringAsync(Ct)));
        Assert.Equal(409, BulkStatus(await (await PostBulkAsync(http, body, "logs-x-default")).Content.ReadAsStringAsync(Ct)));

        (await http.PostAsync("logs-x-default/_rollover", null, Ct)).EnsureSuccessStatusCode();
        Assert.Equal(201, BulkStatus(await (await PostBulkAsync(http, body, "logs-x-default")).Content.ReadAsStringAsync(Ct)));
        Assert.Equal(2, es.DocumentCount("logs-x-default"));
        Assert.Single(es.RolledOverIndices("logs-x-default"));
        var count = JsonNode.Parse(await http.GetStringAsync("logs-x-default/_count", Ct))!;
        Assert.Equal(2, count["count"]!.GetValue<int>());
    }

    private static int BulkStatus(string answer) => JsonNode.Parse(answer)!["items"]![0]!["create"]!["status"]!.GetValue<int>();

    private static Task<HttpResponseMessage> PostBulkAsync(HttpClient http, string body, string index)
    {
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        return http.PostAsync(index + "/_bulk", content, Ct);
    }

    private static Task<HttpResponseMessage> PostBulkAsync(HttpClient http, string body)
    {
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        return http.PostAsync("i/_bulk", content, Ct);
    }
}
