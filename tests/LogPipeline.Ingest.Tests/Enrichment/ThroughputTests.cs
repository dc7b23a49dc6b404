using System.Buffers;
using System.Diagnostics;
using System.Text;
using LogPipeline.Ingest.Enrichment;
using LogPipeline.Ingest.Parsing;

namespace LogPipeline.Ingest.Tests.Enrichment;

/// <summary>
/// A quick single-thread measurement of parse + enrich + serialize, printed to the test output (the number is
/// for the report; BenchmarkDotNet in bench/ is the real measurement). Asserts correctness under load only.
/// </summary>
public sealed class ThroughputTests
{
    private static readonly string[] UserAgents =
    [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "curl/8.5.0",
    ];

    private static readonly string[] Addresses = ["8.8.8.8", "193.0.6.139", "2001:4860:4860::8888", "10.0.0.7", "217.160.0.201", "200.160.2.3"];

    [Fact]
    public void Parse_enrich_serialize_single_thread()
    {
        var factory = new DocumentFactory(AccessLogFormat.Compile("combined"), TestData.Geo, TestData.UserAgents, DocumentDefaults.Default, TimeProvider.System);
        var lines = Enumerable.Range(0, 1_000).Select(i => Encoding.UTF8.GetBytes(
            $"{Addresses[i % Addresses.Length]} - - [10/Oct/2023:13:55:{i % 60:D2} +0200] \"GET /products/{i}?page={i % 7} HTTP/1.1\" {(i % 10 == 0 ? 404 : 200)} {1000 + i} \"https://example.com/\" \"{UserAgents[i % UserAgents.Length]}\"")).ToArray();
        var source = new SourceInfo("pod", "1:2:ab", 0, false, DateTimeOffset.UtcNow);
        var output = new ArrayBufferWriter<byte>(1 << 20);

        // Warm-up: JIT, regex caches, user-agent cache.
        Run(factory, lines, source, output, 5_000);

        const int count = 50_000;
        var stopwatch = Stopwatch.StartNew();
        var bytes = Run(factory, lines, source, output, count);
        stopwatch.Stop();

        var perSecond = count / stopwatch.Elapsed.TotalSeconds;
        TestContext.Current.SendDiagnosticMessage(
            $"parse+enrich+serialize: {count} lines in {stopwatch.ElapsedMilliseconds} ms = {perSecond:N0} lines/s on one thread ({(typeof(ThroughputTests).Assembly.GetCustomAttributes(typeof(DebuggableAttribute), false).Length > 0 ? "Debug: see bench/ for Release" : "Release")}), {bytes / count} bytes/doc");
        TestContext.Current.TestOutputHelper?.WriteLine($"{perSecond:N0} lines/s");
        Assert.True(bytes > count * 500L);
    }

    private static long Run(DocumentFactory factory, byte[][] lines, SourceInfo source, ArrayBufferWriter<byte> output, int count)
    {
        long bytes = 0;
        for (var i = 0; i < count; i++)
        {
            output.ResetWrittenCount();
            var result = factory.TryCreate(lines[i % lines.Length], source, output);
            if (!result.Success)
            {
                Assert.Fail(result.Error);
            }

            bytes += output.WrittenCount;
        }

        return bytes;
    }
}
