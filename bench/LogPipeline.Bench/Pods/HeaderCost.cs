using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using LogPipeline.Bench.Workloads;
using LogPipeline.Contracts;
using LogPipeline.Testing.Kafka;

namespace LogPipeline.Bench.Pods;

/// <summary>
/// <c>--only headers</c>: what the <c>lp.meta</c> source-metadata header (ADR 0014) costs on the wire per line. The
/// same lines are produced at a pod's rate with the shipper's producer settings (lz4, linger 10 ms, 256 KiB batches,
/// idempotent, acks=all) to the mock cluster, once with the shipper's other headers only and once with lp.meta added;
/// the difference of librdkafka's transmitted bytes (brokers' <c>txbytes</c>) per line is the header's compressed cost.
/// Source of docs/deploy.md ("Source metadata").
/// </summary>
public static class HeaderCost
{
    private const string Topic = "header-cost";

    private static readonly byte[] Metadata = new SourceMetadata(
        "kubernetes", "shop-production", "web-7d9f8c6b5-x2k9p", "8f2c4c1e-5b7a-4d0e-9a53-2f2b0f7c6d11",
        "ip-10-0-12-34.eu-west-1.compute.internal", "nginx",
        [new("app.kubernetes.io/name", "storefront"), new("app.kubernetes.io/instance", "storefront-eu"), new("app", "storefront")]).Encode();

    public static string Run(bool quick, CancellationToken ct)
    {
        KafkaMockCluster.EnsureConfluentLoaded();
        var seconds = quick ? 2 : 6;
        var text = new StringBuilder()
            .AppendLine()
            .AppendLine("## Source metadata header (lp.meta) on the wire")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"One pod's lines (~180 B combined lines) for {seconds} s per row, shipper producer settings, mock cluster; "
                + $"lp.meta as a Kubernetes pod sends it: {Metadata.Length} B raw. Bytes are librdkafka's transmitted bytes (requests included) per line.")
            .AppendLine()
            .AppendLine("| lines/s | lines | without lp.meta (B/line) | with lp.meta (B/line) | lp.meta cost (B/line) |")
            .AppendLine("|---:|---:|---:|---:|---:|");
        foreach (var rate in new[] { 100, 1000, 10_000 })
        {
            ct.ThrowIfCancellationRequested();
            var lines = rate * seconds;
            var without = BytesPerLine(rate, lines, withMetadata: false);
            var with = BytesPerLine(rate, lines, withMetadata: true);
            text.AppendLine(CultureInfo.InvariantCulture, $"| {rate} | {lines} | {without:F1} | {with:F1} | {with - without:F1} |");
        }

        return text.ToString();
    }

    private static double BytesPerLine(int rate, int lines, bool withMetadata)
    {
        using var cluster = KafkaMockCluster.Start(brokers: 1);
        cluster.CreateTopic(Topic, partitions: 1, replicationFactor: 1);
        long txBytes = 0;
        var config = new ProducerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = true,
            CompressionType = CompressionType.Lz4,
            LingerMs = 10,
            BatchSize = 256 * 1024,
            StatisticsIntervalMs = 100,
        };
        using (var producer = new ProducerBuilder<Null, byte[]>(config)
            .SetStatisticsHandler((_, json) => Interlocked.Exchange(ref txBytes, TransmittedBytes(json)))
            .Build())
        {
            var file = Encoding.UTF8.GetBytes(FileIdentityText.Format(2049, 1_234_567, "0f1e2d3c4b5a6978"));
            var source = "web-7d9f8c6b5-x2k9p"u8.ToArray();
            var clock = Stopwatch.StartNew();
            long offset = 0;
            for (var seq = 0; seq < lines;)
            {
                var due = Math.Min(lines, (int)(clock.Elapsed.TotalSeconds * rate) + 1);
                if (seq >= due)
                {
                    Thread.Sleep(1);
                    continue;
                }

                for (; seq < due; seq++)
                {
                    var line = LineGenerator.LineBytes(seq);
                    var headers = new Headers
                    {
                        { HeaderNames.Source, source },
                        { HeaderNames.File, file },
                        { HeaderNames.Offset, Encoding.ASCII.GetBytes(offset.ToString(CultureInfo.InvariantCulture)) },
                    };
                    if (withMetadata)
                    {
                        headers.Add(HeaderNames.Metadata, Metadata);
                    }

                    offset += line.Length;
                    producer.Produce(Topic, new Message<Null, byte[]> { Value = line[..^1], Headers = headers });
                }
            }

            producer.Flush(TimeSpan.FromSeconds(30));
            // One more statistics interval after the last acknowledgement, so the counters include it.
            Thread.Sleep(500);
        }

        return Interlocked.Read(ref txBytes) / (double)lines;
    }

    private static long TransmittedBytes(string json)
    {
        var brokers = JsonNode.Parse(json)?["brokers"]?.AsObject();
        return brokers is null ? 0 : brokers.Sum(b => b.Value?["txbytes"]?.GetValue<long>() ?? 0);
    }
}
