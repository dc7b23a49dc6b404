using System.Net.Http.Json;
using LogPipeline.EndToEnd.Tests.Harness;
using LogPipeline.Ingest.Setup;
using LogPipeline.Testing.Elasticsearch;
using LogPipeline.Testing.Kafka;
using LogPipeline.Testing.Kibana;

namespace LogPipeline.EndToEnd.Tests.CommandLine;

/// <summary>
/// <c>check</c> of both real binaries against the librdkafka mock cluster and the Elasticsearch and Kibana
/// stand-ins: everything there passes with exit 0; each missing piece fails with exit 1 and its ✗ line.
/// </summary>
public sealed class CheckCommandTests : IAsyncLifetime
{
    private const string Topic = "nginx-access";
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(40);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lp-check-" + Guid.NewGuid().ToString("N")[..8]);
    private KafkaMockCluster _kafka = null!;
    private ElasticsearchStandIn _elasticsearch = null!;
    private KibanaStandIn _kibana = null!;

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(_directory, "logs"));
        _kafka = KafkaMockCluster.Start(brokers: 1);
        _kafka.CreateTopic(Topic, partitions: 3, replicationFactor: 1);
        _kafka.CreateTopic(Topic + "-dlq", partitions: 1, replicationFactor: 1);
        _elasticsearch = ElasticsearchStandIn.Start();
        _kibana = KibanaStandIn.Start();
        using var http = new HttpClient();
        using var put = await http.PutAsJsonAsync(
            new Uri(_elasticsearch.Url, "_index_template/" + TemplateNames.Default.IndexTemplate),
            new { index_patterns = new[] { TemplateNames.Default.Pattern }, data_stream = new { } });
        put.EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        _kafka.Dispose();
        await _elasticsearch.DisposeAsync();
        await _kibana.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Ingest_check_passes_when_everything_is_there()
    {
        var (code, output) = await CheckAsync("ingest", Binaries.Ingest, Ingest());
        Assert.True(code == 0, output);
        foreach (var line in new[]
                 {
                     "✓ configuration: valid", "✓ Kafka: ", $"✓ topic {Topic}: 3 partition(s), each with a leader",
                     $"✓ dead-letter topic {Topic}-dlq: 1 partition(s)", "✓ consumer group check-test: coordinator found",
                     $"✓ Elasticsearch: {ElasticsearchStandIn.Version}", $"✓ index template {TemplateNames.Default.IndexTemplate}: present",
                     "✓ write permission on ", "✓ Kibana: 8.15.0", "all 9 checks passed",
                 })
        {
            Assert.Contains(line, output, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("✗", output, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> IngestFailures => new()
    {
        // (environment change "K=V", what breaks, the ✗ line expected)
        { "Kafka__BootstrapServers=127.0.0.1:{closed}", "no broker", "✗ Kafka: no broker of 127.0.0.1:" },
        { "Kafka__Topic=nginx-missing", "missing topic", "✗ topic nginx-missing: does not exist — create it" },
        { "Elasticsearch__Url=http://127.0.0.1:{closed}/", "Elasticsearch down", "✗ Elasticsearch: Elasticsearch at http://127.0.0.1:" },
        { "Kibana__Url=http://127.0.0.1:{closed}/", "Kibana down", "✗ Kibana: Kibana at http://127.0.0.1:" },
        { "Elasticsearch__Url=ftp://es:21", "invalid configuration", "✗ configuration: Elasticsearch:Url" },
    };

    [Theory]
    [MemberData(nameof(IngestFailures))]
    public async Task Ingest_check_fails_with_exit_1_and_the_failed_line(string change, string description, string expected)
    {
        var env = Ingest();
        var (key, value) = Split(change);
        env[key] = value;
        var (code, output) = await CheckAsync("ingest", Binaries.Ingest, env);
        Assert.Contains(expected, output, StringComparison.Ordinal);
        Assert.True(code == 1, $"{description}: exit code {code}\n{output}");
    }

    [Fact]
    public async Task Ingest_check_fails_when_the_index_template_is_missing()
    {
        await using var empty = ElasticsearchStandIn.Start();
        var env = Ingest();
        env["Elasticsearch__Url"] = empty.Url.ToString();
        var (code, output) = await CheckAsync("ingest", Binaries.Ingest, env);
        Assert.True(code == 1, output);
        Assert.Contains($"✗ index template {TemplateNames.Default.IndexTemplate}: missing — the worker installs it at start", output, StringComparison.Ordinal);
        Assert.Contains("✓ Kafka: ", output, StringComparison.Ordinal); // only that line failed
    }

    [Fact]
    public async Task Shipper_check_passes_then_fails_without_a_broker_or_a_topic()
    {
        var pass = CheckAsync("shipper", Binaries.Shipper, Shipper());
        var noBroker = Shipper();
        noBroker["Kafka__BootstrapServers"] = $"127.0.0.1:{ClosedPort()}";
        var down = CheckAsync("shipper", Binaries.Shipper, noBroker);
        var noTopic = Shipper();
        noTopic["Kafka__Topic"] = "nginx-missing";
        var missing = CheckAsync("shipper", Binaries.Shipper, noTopic);

        var (code, output) = await pass;
        Assert.True(code == 0, output);
        Assert.Contains($"✓ topic {Topic}: 3 partition(s), each with a leader", output, StringComparison.Ordinal);
        Assert.Contains("✓ state directory: ", output, StringComparison.Ordinal);
        Assert.Contains("all 5 checks passed", output, StringComparison.Ordinal);

        (code, output) = await down;
        Assert.True(code == 1, output);
        Assert.Contains("✗ Kafka: no broker of 127.0.0.1:", output, StringComparison.Ordinal);
        Assert.Contains("Connection refused", output, StringComparison.Ordinal);

        (code, output) = await missing;
        Assert.True(code == 1, output);
        Assert.Contains("✗ topic nginx-missing: does not exist", output, StringComparison.Ordinal);
    }

    private async Task<(int Code, string Output)> CheckAsync(string name, string dll, Dictionary<string, string?> env)
    {
        await using var process = WorkerProcess.Start(name, dll, env, "check");
        var started = DateTime.UtcNow;
        var code = await process.WaitForExitAsync(ExitTimeout);
        TestContext.Current.TestOutputHelper?.WriteLine($"{name} check: exit {code} after {(DateTime.UtcNow - started).TotalSeconds:0.0} s\n{process.StandardOutput}");
        Assert.Equal(string.Empty, process.StandardError); // no librdkafka text, no stack trace
        return (code, process.StandardOutput);
    }

    private Dictionary<string, string?> Ingest() => new()
    {
        ["Kafka__BootstrapServers"] = _kafka.BootstrapServers,
        ["Kafka__Topic"] = Topic,
        ["Kafka__GroupId"] = "check-test",
        ["Elasticsearch__Url"] = _elasticsearch.Url.ToString(),
        ["Kibana__Url"] = _kibana.Url.ToString(),
        ["GeoIp__DatabasePath"] = Path.Combine(Binaries.DataDirectory, "geo-whois-asn-country.mmdb"),
        ["UserAgent__RegexesPath"] = Path.Combine(Binaries.DataDirectory, "regexes.yaml"),
    };

    private Dictionary<string, string?> Shipper() => new()
    {
        ["Shipper__Path"] = Path.Combine(_directory, "logs", "access.log"),
        ["Shipper__StateDirectory"] = Path.Combine(_directory, "state"),
        ["Kafka__BootstrapServers"] = _kafka.BootstrapServers,
        ["Kafka__Topic"] = Topic,
    };

    private static (string Key, string Value) Split(string change)
    {
        var eq = change.IndexOf('=', StringComparison.Ordinal);
        return (change[..eq], change[(eq + 1)..].Replace("{closed}", ClosedPort().ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
    }

    /// <summary>A loopback port nothing listens on (taken and released).</summary>
    private static int ClosedPort() => WorkerProcess.FreePort();
}
