using System.Text.Json;
using LogPipeline.EndToEnd.Tests.Harness;
using LogPipeline.Testing.Elasticsearch;
using LogPipeline.Testing.Kafka;

namespace LogPipeline.EndToEnd.Tests.CommandLine;

/// <summary>
/// Both workers started while every Kafka broker is down: 30 s of reconnect attempts write a handful of JSON lines
/// (one error naming the cause, no librdkafka plain text on stdout or stderr), the <c>…_kafka_up</c> gauges say 0,
/// and when the brokers come back one line says so and the gauges go to 1: the ingest worker without any traffic (its
/// metadata probe), the shipper with its next delivered line.
/// Both workers run side by side to spend the 30 s once.
/// </summary>
public sealed class QuietOutageTests : IDisposable
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);

    /// <summary>Start-up and shutdown lines plus the one outage error, with room for a librdkafka warning or two.</summary>
    private const int MaxLines = 12;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lp-quiet-" + Guid.NewGuid().ToString("N")[..8]);

    public QuietOutageTests() => Directory.CreateDirectory(Path.Combine(_directory, "logs"));

    [Fact]
    public async Task Thirty_seconds_without_Kafka_write_a_handful_of_JSON_lines_and_recovery_is_seen()
    {
        using var kafka = KafkaMockCluster.Start(brokers: 1);
        kafka.CreateTopic("nginx-access", partitions: 3, replicationFactor: 1);
        kafka.CreateTopic("nginx-access-dlq", partitions: 1, replicationFactor: 1);
        kafka.SetAllBrokersDown();
        // Elasticsearch is up: the worker checks it (and installs its template) before it joins the group.
        await using var elasticsearch = ElasticsearchStandIn.Start();
        await using var shipper = WorkerProcess.Start("shipper", Binaries.Shipper, new Dictionary<string, string?>
        {
            ["Shipper__Path"] = Path.Combine(_directory, "logs", "access.log"),
            ["Shipper__StateDirectory"] = Path.Combine(_directory, "state"),
            ["Kafka__BootstrapServers"] = kafka.BootstrapServers,
        });
        await using var ingest = WorkerProcess.Start("ingest", Binaries.Ingest, new Dictionary<string, string?>
        {
            ["Kafka__BootstrapServers"] = kafka.BootstrapServers,
            ["Kafka__GroupId"] = "quiet-test",
            ["Elasticsearch__Url"] = elasticsearch.Url.ToString(),
            ["GeoIp__DatabasePath"] = Path.Combine(Binaries.DataDirectory, "geo-whois-asn-country.mmdb"),
            ["UserAgent__RegexesPath"] = Path.Combine(Binaries.DataDirectory, "regexes.yaml"),
        });
        await shipper.WaitUntilReadyAsync(TimeSpan.FromSeconds(30), "/healthz");
        await ingest.WaitUntilReadyAsync(TimeSpan.FromSeconds(30), "/healthz");

        await Task.Delay(Outage, TestContext.Current.CancellationToken);

        foreach (var (worker, gauge) in new[] { (shipper, "shipper_kafka_up"), (ingest, "logpipeline_ingest_kafka_up") })
        {
            Assert.False(worker.HasExited, worker.Tail());
            var lines = JsonLines(worker);
            Assert.True(lines.Count <= MaxLines, $"{worker.Name} wrote {lines.Count} lines in {Outage.TotalSeconds} s without Kafka:\n{worker.Tail(8000)}");
            var errors = lines.Where(l => l.GetProperty("LogLevel").GetString() is "Error" or "Warning" or "Critical").ToList();
            var outage = Assert.Single(errors);
            Assert.Contains("Kafka unavailable", outage.GetProperty("Message").GetString(), StringComparison.Ordinal);
            Assert.Equal(0, (await MetricsSnapshot.ScrapeAsync(worker.MetricsUrl)).Sum(gauge));
        }

        kafka.SetAllBrokersUp();
        await File.AppendAllTextAsync(
            Path.Combine(_directory, "logs", "access.log"),
            "127.0.0.1 - - [01/Dec/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"curl/8\"\n",
            TestContext.Current.CancellationToken);
        foreach (var (worker, gauge) in new[] { (shipper, "shipper_kafka_up"), (ingest, "logpipeline_ingest_kafka_up") })
        {
            await WaitForAsync(async () => (await MetricsSnapshot.ScrapeAsync(worker.MetricsUrl)).Sum(gauge) == 1, TimeSpan.FromSeconds(30), $"{worker.Name}: {gauge} back to 1\n{worker.Tail()}");
            // The line reaches the captured stdout a moment after the gauge changes: wait for it too.
            await WaitForAsync(
                () => Task.FromResult(JsonLines(worker).Any(l => l.GetProperty("Message").GetString()!.StartsWith("Kafka available again after", StringComparison.Ordinal))),
                TimeSpan.FromSeconds(10),
                $"{worker.Name}: a 'Kafka available again' line\n{worker.Tail()}");
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Every line of stdout parsed as JSON (a line that is not JSON fails the test); stderr must be empty.</summary>
    private static List<JsonElement> JsonLines(WorkerProcess worker)
    {
        Assert.True(worker.StandardError.Length == 0, $"{worker.Name} wrote to stderr:\n{worker.StandardError}");
        var lines = new List<JsonElement>();
        foreach (var line in worker.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            try
            {
                using var document = JsonDocument.Parse(line);
                lines.Add(document.RootElement.Clone());
            }
            catch (JsonException)
            {
                Assert.Fail($"{worker.Name} wrote a line that is not JSON: {line}");
            }
        }

        return lines;
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(250);
        }

        Assert.Fail($"timed out waiting for {what}");
    }
}
