using System.Buffers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using LogPipeline.Ingest.Enrichment;
using LogPipeline.Ingest.Parsing;
using LogPipeline.Testing.Nginx;

namespace LogPipeline.Ingest.Tests.Enrichment;

/// <summary>Lines written by the real nginx (not hand-made) go through the factory.</summary>
public sealed class RealNginxLineTests
{
    [Fact]
    public async Task Combined_lines_from_nginx_become_documents()
    {
        NginxServer.SkipUnlessInstalled();
        var ct = TestContext.Current.CancellationToken;
        await using var nginx = await NginxServer.StartAsync(cancellationToken: ct);
        // Raw bytes, as a browser may send them: a quote in the query, UTF-8 in the Referer (nginx logs both escaped).
        await SendRawAsync(nginx.Port, Encoding.UTF8.GetBytes(
            "GET /status/404?caf%C3%A9=\"quoted\" HTTP/1.1\r\nHost: localhost\r\n" +
            "User-Agent: Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1\r\n" +
            "Referer: https://example.com/\u00e9\r\nConnection: close\r\n\r\n"), ct);

        // A TLS ClientHello sent to the plain-HTTP port: nginx answers 400 and logs the bytes escaped.
        await SendRawAsync(nginx.Port, [0x16, 0x03, 0x01, 0x00, 0xF1, 0x01, 0x00, 0x00, 0xED, 0x03, 0x03, 0x0D, 0x0A, 0x0D, 0x0A], ct);

        var lines = await ReadLinesAsync(nginx.AccessLogPath, 2, ct);
        var factory = new DocumentFactory(AccessLogFormat.Compile("combined"), TestData.Geo, TestData.UserAgents, DocumentDefaults.Default, TimeProvider.System);
        var documents = lines.Select(line =>
        {
            var output = new ArrayBufferWriter<byte>();
            var result = factory.TryCreate(Encoding.UTF8.GetBytes(line), new SourceInfo("test", null, null, false, DateTimeOffset.UtcNow), output);
            Assert.True(result.Success, $"{result.Error}: {line}");
            return JsonNode.Parse(output.WrittenSpan)!;
        }).ToList();

        var browser = documents[0];
        Assert.Equal("127.0.0.1", (string?)browser["source"]!["ip"]);
        Assert.Equal(404, (int)browser["http"]!["response"]!["status_code"]!);
        Assert.Equal("/status/404", (string?)browser["url"]!["path"]);
        Assert.Equal("caf%C3%A9=\"quoted\"", (string?)browser["url"]!["query"]);
        Assert.Equal("https://example.com/\u00e9", (string?)browser["http"]!["request"]!["referrer"]);
        Assert.Equal("Mobile Safari", (string?)browser["user_agent"]!["name"]);
        Assert.Equal("iPhone", (string?)browser["user_agent"]!["device"]!["name"]);
        Assert.Contains("private_ip", browser["tags"]!.AsArray().Select(t => (string?)t));

        var tls = documents[1];
        Assert.Equal(400, (int)tls["http"]!["response"]!["status_code"]!);
        Assert.Contains("invalid_request", tls["tags"]!.AsArray().Select(t => (string?)t));
        Assert.Contains("\\x16\\x03\\x01", (string?)tls["event"]!["original"], StringComparison.Ordinal);
    }

    private static async Task SendRawAsync(int port, byte[] request, CancellationToken ct)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port, ct);
        await tcp.GetStream().WriteAsync(request, ct);
        var buffer = new byte[4096];
        while (await tcp.GetStream().ReadAsync(buffer, ct) > 0)
        {
            // Read the answer until nginx closes, so the request is complete (and logged) before the next.
        }
    }

    private static async Task<string[]> ReadLinesAsync(string path, int expected, CancellationToken ct)
    {
        // nginx writes the line when the request completes; poll briefly for it.
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var lines = File.Exists(path) ? await File.ReadAllLinesAsync(path, ct) : [];
            if (lines.Length >= expected)
            {
                return lines;
            }

            await Task.Delay(50, ct);
        }

        throw new TimeoutException($"nginx did not write {expected} lines to {path}");
    }
}
