using System.Text;
using LogPipeline.EndToEnd.Tests.Harness;

namespace LogPipeline.EndToEnd.Tests.Security;

/// <summary>
/// Secrets come only from the environment (or Secret files) and never leave the process except toward the
/// service they authenticate to: not in stdout/stderr (including error paths), not in /metrics.
/// </summary>
public sealed class SecretLeakTests
{
    private static readonly TimeSpan RunFor = TimeSpan.FromSeconds(4);

    [Fact]
    public async Task Shipper_never_prints_or_exports_its_Kafka_password()
    {
        await using var pipeline = Pipeline.Start();
        var password = Distinctive("kafka-pw");
        var shipper = pipeline.StartShipper(new Dictionary<string, string?>
        {
            // The mock cluster does not speak SASL, so the producer also walks its authentication-error paths.
            ["Kafka__SecurityProtocol"] = "SaslPlaintext",
            ["Kafka__SaslMechanism"] = "ScramSha512",
            ["Kafka__SaslUsername"] = "shipper",
            ["Kafka__SaslPassword"] = password,
        });
        await File.AppendAllTextAsync(pipeline.LogPath, AccessLogGenerator.Line(1) + "\n", TestContext.Current.CancellationToken);
        // An authentication failure is a refusal: the shipper stops by itself with exit code 4 (docs/contracts.md),
        // so /metrics is scraped while it still answers, and every line it wrote on the way out is checked.
        var metrics = await ScrapeWhileAliveAsync(shipper);
        var exit = await shipper.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(exit == 4, $"expected exit code 4 (Kafka refused: authentication), got {exit}\n{shipper.Tail()}");
        AssertNotLeaked(password, shipper, metrics);
    }

    [Fact]
    public async Task Ingest_never_prints_or_exports_its_Elasticsearch_password_or_Kafka_password()
    {
        await using var pipeline = Pipeline.Start();
        var esPassword = Distinctive("es-pw");
        var kafkaPassword = Distinctive("kafka-pw");
        var ingest = pipeline.StartIngest(new Dictionary<string, string?>
        {
            ["Elasticsearch__Username"] = "ingest",
            ["Elasticsearch__Password"] = esPassword,
            ["Kafka__SecurityProtocol"] = "SaslPlaintext",
            ["Kafka__SaslMechanism"] = "Plain",
            ["Kafka__SaslUsername"] = "ingest",
            ["Kafka__SaslPassword"] = kafkaPassword,
        });
        var metrics = await RunAndScrapeAsync(ingest);
        ingest.Terminate();
        await ingest.WaitForExitAsync(TimeSpan.FromSeconds(60));
        AssertNotLeaked(esPassword, ingest, metrics);
        AssertNotLeaked(kafkaPassword, ingest, metrics);
    }

    [Fact]
    public async Task Ingest_never_prints_or_exports_its_Elasticsearch_API_key()
    {
        await using var pipeline = Pipeline.Start();
        var apiKey = Convert.ToBase64String(Encoding.UTF8.GetBytes("keyid:" + Distinctive("api-key")));
        var ingest = pipeline.StartIngest(new Dictionary<string, string?> { ["Elasticsearch__ApiKey"] = apiKey });
        var metrics = await RunAndScrapeAsync(ingest);
        ingest.Terminate();
        await ingest.WaitForExitAsync(TimeSpan.FromSeconds(60));
        AssertNotLeaked(apiKey, ingest, metrics);
    }

    [Fact]
    public async Task A_configuration_error_does_not_echo_the_secrets_next_to_it()
    {
        // The error path formats options; the password sits in the same section as the bad value.
        var password = Distinctive("kafka-pw");
        var esPassword = Distinctive("es-pw");
        await using var shipper = WorkerProcess.Start("shipper", Binaries.Shipper, new Dictionary<string, string?>
        {
            ["Shipper__Path"] = "/dev/shm/lp-secret-test/access.log",
            ["Shipper__StateDirectory"] = "/dev/shm/lp-secret-test/state",
            ["Kafka__BootstrapServers"] = "127.0.0.1:1",
            ["Kafka__Compression"] = "brotli",
            ["Kafka__SecurityProtocol"] = "SaslSsl",
            ["Kafka__SaslMechanism"] = "NotAMechanism",
            ["Kafka__SaslUsername"] = "shipper",
            ["Kafka__SaslPassword"] = password,
        });
        await using var ingest = WorkerProcess.Start("ingest", Binaries.Ingest, new Dictionary<string, string?>
        {
            ["Kafka__BootstrapServers"] = "127.0.0.1:1",
            ["Elasticsearch__Url"] = "ftp://127.0.0.1/",
            ["Elasticsearch__Username"] = "ingest",
            ["Elasticsearch__Password"] = esPassword,
            ["Kafka__SecurityProtocol"] = "SaslSsl",
            ["Kafka__SaslMechanism"] = "NotAMechanism",
            ["Kafka__SaslUsername"] = "ingest",
            ["Kafka__SaslPassword"] = password,
        });
        // Exit code 2 is ConfigurationErrorTests' business; here only "it stopped, and said nothing secret".
        Assert.NotEqual(0, await shipper.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.NotEqual(0, await ingest.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        AssertNotLeaked(password, shipper, null);
        AssertNotLeaked(password, ingest, null);
        AssertNotLeaked(esPassword, ingest, null);
    }

    [Fact]
    public async Task A_configuration_error_does_not_echo_credentials_embedded_in_the_Elasticsearch_URL()
    {
        var password = Distinctive("es-url-pw");
        await using var ingest = WorkerProcess.Start("ingest", Binaries.Ingest, new Dictionary<string, string?>
        {
            ["Kafka__BootstrapServers"] = "127.0.0.1:1",
            ["Elasticsearch__Url"] = "ftp://elastic:" + password + "@127.0.0.1/",
        });
        Assert.NotEqual(0, await ingest.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        AssertNotLeaked(password, ingest, null);
    }

    private static string Distinctive(string what) => $"{what}-{Guid.NewGuid():N}";

    /// <summary>The first /metrics answer of a process that may stop on its own, or null if it stopped before answering.</summary>
    private static async Task<string?> ScrapeWhileAliveAsync(WorkerProcess process)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!process.HasExited && DateTime.UtcNow < deadline)
        {
            try
            {
                return (await MetricsSnapshot.ScrapeAsync(process.MetricsUrl)).Text;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
        }

        return null;
    }

    private static async Task<string> RunAndScrapeAsync(WorkerProcess process)
    {
        await process.WaitUntilReadyAsync(TimeSpan.FromSeconds(30), "/healthz");
        // Long enough for connection attempts, authentication failures and their log lines.
        await Task.Delay(RunFor, TestContext.Current.CancellationToken);
        Assert.False(process.HasExited, $"{process.Name} died while running with credentials.\n{process.Tail()}");
        var metrics = await MetricsSnapshot.ScrapeAsync(process.MetricsUrl);
        Assert.NotEmpty(metrics.FamilyNames);
        return metrics.Text;
    }

    private static void AssertNotLeaked(string secret, WorkerProcess process, string? metrics)
    {
        // A silent process would pass vacuously; these runs always log (start-up, errors).
        Assert.True(process.StandardOutput.Length + process.StandardError.Length > 0, $"{process.Name} wrote nothing at all");
        Assert.False(process.Output.Contains(secret, StringComparison.Ordinal), $"{process.Name} printed the secret.\n{process.Tail()}");
        if (metrics is not null)
        {
            Assert.DoesNotContain(secret, metrics, StringComparison.Ordinal);
        }
    }
}
