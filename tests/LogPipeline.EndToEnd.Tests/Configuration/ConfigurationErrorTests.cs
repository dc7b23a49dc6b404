using LogPipeline.EndToEnd.Tests.Harness;

namespace LogPipeline.EndToEnd.Tests.Configuration;

/// <summary>
/// Every invalid setting stops the real binary at start with exit code 2 and a message naming the key.
/// Each row starts from a configuration that is otherwise valid (the control rows prove it runs) and
/// changes one thing. Keys are the ones the options classes actually validate.
/// </summary>
public sealed class ConfigurationErrorTests : IDisposable
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(20);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lp-config-" + Guid.NewGuid().ToString("N")[..8]);

    public ConfigurationErrorTests() => Directory.CreateDirectory(_directory);

    public static TheoryData<string, string, string> ShipperCases => new()
    {
        // (environment overrides "K=V;K=V" — an empty V sets the key to empty, expected key in the message, description)
        { "Shipper__Path=", "Shipper:Path", "missing Shipper:Path" },
        { "Shipper__StateDirectory=", "Shipper:StateDirectory", "missing state directory" },
        { "Shipper__Rotation__MaxBytes=-5", "Shipper:Rotation:MaxBytes", "negative MaxBytes" },
        { "Shipper__Rotation__MaxBytes=51200", "Shipper:Rotation:PidFile", "rotation without a pid file" },
        { "Shipper__Rotation__Keep=0", "Shipper:Rotation:Keep", "Keep 0" },
        { "Shipper__MaxLineBytes=10", "Shipper:MaxLineBytes", "line limit below the minimum" },
        { "Shipper__ShutdownGracePeriod=soon", "Shipper:ShutdownGracePeriod", "unparseable TimeSpan" },
        { "Shipper__MaxInFlightBytes=lots", "Shipper:MaxInFlightBytes", "unparseable number" },
        { "Shipper__Metadata__Namespace=shop|prod", "Shipper:Metadata:Namespace", "a metadata value lp.meta cannot carry" },
        { "Shipper__Metadata__LabelsFile=/nonexistent/labels", "Shipper:Metadata:LabelsFile", "missing Downward API labels file" },
        { "Kafka__BootstrapServers=", "Kafka:BootstrapServers", "missing bootstrap servers" },
        { "Kafka__Compression=brotli", "Kafka:Compression", "unknown codec" },
        { "Kafka__SecurityProtocol=Carrier-Pigeon", "Kafka:SecurityProtocol", "bad security protocol" },
        { "Kafka__SecurityProtocol=SaslSsl;Kafka__SaslMechanism=Plain;Kafka__SaslUsername=shipper", "Kafka:SaslPassword", "SASL without password" },
        { "Kafka__SecurityProtocol=SaslPlaintext;Kafka__SaslMechanism=Kerberos;Kafka__SaslUsername=u;Kafka__SaslPassword=p", "Kafka:SaslMechanism", "unsupported SASL mechanism" },
        { "Kafka__SslCaLocation=/nonexistent/ca.pem", "Kafka:SslCaLocation", "missing CA file" },
        { "Observability__Port=70000", "Observability:Port", "port out of range" },
        { "Observability__Port=ninety", "Observability:Port", "non-numeric port" },
    };

    public static TheoryData<string, string, string> IngestCases => new()
    {
        { "Elasticsearch__Url=", "Elasticsearch:Url", "missing Elasticsearch URL" },
        { "Elasticsearch__Url=ftp://es.example:21", "Elasticsearch:Url", "non-HTTP URL" },
        { "Elasticsearch__Url=::not a url::", "Elasticsearch:Url", "unparseable URL" },
        { "Elasticsearch__Username=ingest", "Elasticsearch:Password", "basic auth without password" },
        { "Elasticsearch__CaCertificatePath=/nonexistent/ca.pem", "Elasticsearch:CaCertificatePath", "missing CA" },
        { "Elasticsearch__DataStream=nginx", "Elasticsearch:DataStream", "data stream name" },
        { "Kafka__BootstrapServers=", "Kafka:BootstrapServers", "missing bootstrap servers" },
        { "Kafka__SecurityProtocol=Carrier-Pigeon", "Kafka:SecurityProtocol", "bad security protocol" },
        { "Kafka__SecurityProtocol=SaslSsl;Kafka__SaslMechanism=ScramSha512;Kafka__SaslUsername=ingest", "Kafka:SaslPassword", "SASL without password" },
        // Unknown $variables are legal (nginx map/set variables); these are the formats the parser cannot use.
        { "Parsing__LogFormat=$remote_addr$remote_user [$time_local] \"$request\"", "Parsing:LogFormat", "two variables with nothing between them" },
        { "Parsing__LogFormat=$foo - $bar", "Parsing:LogFormat", "no indexed variable" },
        { "Parsing__LogFormat=$remote_addr $ [$time_local]", "Parsing:LogFormat", "a lone $" },
        { "GeoIp__DatabasePath=/nonexistent/geo.mmdb", "GeoIp:DatabasePath", "missing GeoIP database" },
        { "UserAgent__RegexesPath=/nonexistent/regexes.yaml", "UserAgent:RegexesPath", "missing uap-core regexes" },
        { "UserAgent__MatchTimeout=00:00:00", "UserAgent:MatchTimeout", "zero regex timeout" },
        { "Observability__Port=70000", "Observability:Port", "port out of range" },
    };

    [Theory]
    [MemberData(nameof(ShipperCases))]
    public async Task Shipper_fails_fast_naming_the_key(string overrides, string key, string description)
    {
        var env = ShipperBaseline();
        Apply(env, overrides);
        await AssertConfigurationErrorAsync("shipper", Binaries.Shipper, env, key, description);
    }

    [Theory]
    [MemberData(nameof(IngestCases))]
    public async Task Ingest_fails_fast_naming_the_key(string overrides, string key, string description)
    {
        var env = IngestBaseline();
        Apply(env, overrides);
        await AssertConfigurationErrorAsync("ingest", Binaries.Ingest, env, key, description);
    }

    [Fact]
    public async Task Control_the_baselines_start_and_serve_readyz_or_healthz()
    {
        // Without this, every row above could pass because the baseline itself is broken.
        await using var shipper = WorkerProcess.Start("shipper", Binaries.Shipper, ShipperBaseline());
        await using var ingest = WorkerProcess.Start("ingest", Binaries.Ingest, IngestBaseline());
        await shipper.WaitUntilReadyAsync(TimeSpan.FromSeconds(30), "/healthz");
        await ingest.WaitUntilReadyAsync(TimeSpan.FromSeconds(30), "/healthz");
        Assert.False(shipper.HasExited, shipper.Tail());
        Assert.False(ingest.HasExited, ingest.Tail());
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

    private Dictionary<string, string?> ShipperBaseline()
    {
        var logs = Path.Combine(_directory, "logs");
        Directory.CreateDirectory(logs);
        return new()
        {
            ["Shipper__Path"] = Path.Combine(logs, "access.log"),
            ["Shipper__StateDirectory"] = Path.Combine(_directory, "state"),
            ["Kafka__BootstrapServers"] = "127.0.0.1:1",
            ["Kafka__Topic"] = "nginx-access",
        };
    }

    private static Dictionary<string, string?> IngestBaseline() => new()
    {
        ["Kafka__BootstrapServers"] = "127.0.0.1:1",
        ["Kafka__Topic"] = "nginx-access",
        ["Kafka__GroupId"] = "config-test",
        ["Elasticsearch__Url"] = "http://127.0.0.1:1/",
        ["GeoIp__DatabasePath"] = Path.Combine(Binaries.DataDirectory, "geo-whois-asn-country.mmdb"),
        ["UserAgent__RegexesPath"] = Path.Combine(Binaries.DataDirectory, "regexes.yaml"),
    };

    private static void Apply(Dictionary<string, string?> env, string overrides)
    {
        foreach (var pair in overrides.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var value = pair[(eq + 1)..];
            // Empty means "set to empty", which overrides the appsettings.json default (removing it would not).
            env[pair[..eq]] = value;
        }
    }

    private static async Task AssertConfigurationErrorAsync(string name, string dll, Dictionary<string, string?> env, string key, string description)
    {
        await using var process = WorkerProcess.Start(name, dll, env);
        int exitCode;
        try
        {
            exitCode = await process.WaitForExitAsync(ExitTimeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{name} with {description} kept running instead of failing at start.\n{process.Tail()}");
            throw;
        }

        Assert.True(exitCode == 2, $"{name} with {description}: exit code {exitCode}, expected 2.\n{process.Tail()}");
        Assert.True(process.Output.Contains(key, StringComparison.Ordinal), $"{name} with {description}: the output does not name {key}.\n{process.Tail()}");
        Assert.DoesNotContain("   at ", process.StandardError, StringComparison.Ordinal); // a message, not a stack trace
    }
}
