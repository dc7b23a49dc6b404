using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using LogPipeline.Ingest.Consuming;
using LogPipeline.Ingest.Indexing;
using LogPipeline.Ingest.Pipeline;
using LogPipeline.Testing;
using LogPipeline.Testing.Kafka;

namespace LogPipeline.Ingest.Tests.Pipeline;

/// <summary>The real <c>logpipeline-ingest</c> process: Program.cs, appsettings, environment keys, exit codes, kill -9.</summary>
[Trait(TestTier.Name, TestTier.Process)]
public sealed class IngestProcessTests
{
    private static readonly string Binary = Path.Combine(AppContext.BaseDirectory, "logpipeline-ingest.dll");

    [Fact]
    public async Task A_bad_config_value_stops_the_worker_with_exit_code_2_naming_the_key()
    {
        using var process = Start(new Dictionary<string, string>
        {
            ["Kafka__BootstrapServers"] = "127.0.0.1:1",
            ["Elasticsearch__Url"] = "http://127.0.0.1:1",
            ["Indexing__BatchSize"] = "0",
        });
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("Indexing:BatchSize", await stderr);
    }

    [Fact]
    public async Task Killed_with_SIGKILL_mid_stream_and_restarted_the_worker_indexes_every_line_exactly_once()
    {
        SkipUnlessDataFiles();
        const int count = 4000;
        await using var h = PipelineHarness.Start();
        h.Es.Latency = TimeSpan.FromMilliseconds(100);
        using (var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = h.Kafka.BootstrapServers }).Build())
        {
            for (var i = 0; i < count; i++)
            {
                var line = $"10.0.{i % 250}.{i % 200} - - [10/Oct/2025:13:55:{i % 60:00} +0200] \"GET /item/{i} HTTP/1.1\" 200 {i} \"-\" \"curl/8.5.0\"";
                producer.Produce(PipelineHarness.Topic, new Message<byte[], byte[]>
                {
                    Key = "f"u8.ToArray(),
                    Value = Encoding.UTF8.GetBytes(line),
                    Headers =
                    [
                        new Header(SourceHeaders.SourceHeader, "web-1"u8.ToArray()),
                        new Header(SourceHeaders.FileHeader, "2049:77:ab"u8.ToArray()),
                        new Header(SourceHeaders.OffsetHeader, Encoding.UTF8.GetBytes((i * 120L).ToString(CultureInfo.InvariantCulture))),
                    ],
                });
            }

            producer.Flush(TimeSpan.FromSeconds(30));
        }

        var environment = new Dictionary<string, string>
        {
            ["Kafka__BootstrapServers"] = h.Kafka.BootstrapServers,
            ["Kafka__GroupId"] = h.GroupId,
            ["Kafka__SessionTimeout"] = "00:00:06",
            ["Elasticsearch__Url"] = h.Es.Url.ToString(),
            ["Indexing__BatchSize"] = "300",
            ["Observability__Port"] = "0",
            ["Observability__BindAddress"] = "127.0.0.1",
        };
        using (var first = Start(environment))
        {
            _ = first.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await PipelineHarness.WaitUntilAsync(() => h.Documents.Count >= 600 || first.HasExited, TimeSpan.FromSeconds(60), "first documents");
            Assert.False(first.HasExited, "the worker exited early with " + (first.HasExited ? first.ExitCode : 0));
            first.Kill(); // SIGKILL: no drain, no commit, no group leave
            await first.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        Assert.True(h.Documents.Count < count, "the kill happened mid-stream");
        h.Es.Latency = TimeSpan.Zero;
        using var second = Start(environment);
        _ = second.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await PipelineHarness.WaitUntilAsync(() => h.Documents.Count >= count, TimeSpan.FromSeconds(90), $"{count} documents after restart");
        await PipelineHarness.WaitUntilAsync(() => h.CommittedOffsets().Values.Sum() == count, TimeSpan.FromSeconds(30), "all offsets committed");

        // SIGTERM: graceful drain and exit 0.
        using (var kill = Process.Start("kill", ["-TERM", second.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.Equal(0, kill.ExitCode);
        }
        await second.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        Assert.Equal(0, second.ExitCode);

        var docs = h.Documents;
        Assert.Equal(count, docs.Count);
        Assert.Equal(
            Enumerable.Range(0, count).Select(i => Contracts.DocumentId.FromSource("web-1", "2049:77:ab", i * 120L)).Order(),
            docs.Keys.Order());
        Assert.Contains(docs.Values, d => d.ToJsonString().Contains("/item/3999", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unsupported_Elasticsearch_stops_the_worker_at_start_with_exit_code_5()
    {
        SkipUnlessDataFiles();
        await using var h = PipelineHarness.Start(elasticsearchVersion: "7.17.25");
        using var process = Start(new Dictionary<string, string>
        {
            ["Kafka__BootstrapServers"] = h.Kafka.BootstrapServers,
            ["Kafka__GroupId"] = h.GroupId,
            ["Elasticsearch__Url"] = h.Es.Url.ToString(),
            ["Observability__Port"] = "0",
            ["Observability__BindAddress"] = "127.0.0.1",
        });
        _ = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        Assert.Equal(Ingest.Pipeline.IngestExitCode.ElasticsearchRefused, process.ExitCode);
    }

    [Fact]
    public async Task A_fatal_consumer_error_stops_the_worker_with_exit_code_4()
    {
        SkipUnlessDataFiles();
        const int count = 600;
        await using var h = PipelineHarness.Start();
        using (var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = h.Kafka.BootstrapServers }).Build())
        {
            for (var i = 0; i < count; i++)
            {
                var line = $"10.0.0.{i % 200} - - [10/Oct/2025:13:55:{i % 60:00} +0200] \"GET /item/{i} HTTP/1.1\" 200 {i} \"-\" \"curl/8.5.0\"";
                producer.Produce(PipelineHarness.Topic, new Message<byte[], byte[]> { Value = Encoding.UTF8.GetBytes(line) });
            }

            producer.Flush(TimeSpan.FromSeconds(30));
        }

        using var process = Start(new Dictionary<string, string>
        {
            ["Kafka__BootstrapServers"] = h.Kafka.BootstrapServers,
            ["Kafka__GroupId"] = h.GroupId,
            ["Kafka__SessionTimeout"] = "00:00:06",
            ["Elasticsearch__Url"] = h.Es.Url.ToString(),
            ["Observability__Port"] = "0",
            ["Observability__BindAddress"] = "127.0.0.1",
        });
        _ = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await PipelineHarness.WaitUntilAsync(() => h.CommittedOffsets().Values.Sum() == count || process.HasExited, TimeSpan.FromSeconds(60), "every offset committed");
        Assert.False(process.HasExited, "the worker exited early with " + (process.HasExited ? process.ExitCode : 0));

        // The group coordinator fences the member: librdkafka reports FENCED_INSTANCE_ID as a fatal consumer error.
        h.Kafka.PushRequestErrors(KafkaApiKey.Heartbeat, ErrorCode.FencedInstanceId);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        Assert.Equal(Ingest.Pipeline.IngestExitCode.KafkaFatal, process.ExitCode);
        Assert.Equal(count, h.Documents.Count);
        Assert.Equal(count, h.CommittedOffsets().Values.Sum());
    }

    private static void SkipUnlessDataFiles()
    {
        if (!File.Exists(Path.Combine(AppContext.BaseDirectory, "data", "geo-whois-asn-country.mmdb"))
            || !File.Exists(Path.Combine(AppContext.BaseDirectory, "data", "regexes.yaml")))
        {
            Assert.Skip("data/ files missing next to logpipeline-ingest (run build/fetch-data.sh data)");
        }
    }

    private static Process Start(Dictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("dotnet", [Binary])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = false,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        return Process.Start(info) ?? throw new InvalidOperationException("cannot start logpipeline-ingest");
    }
}
