using System.Text;
using Confluent.Kafka;
using LogPipeline.Ingest.Consuming;
using LogPipeline.Testing.Kafka;

namespace LogPipeline.Ingest.Tests.Consuming;

/// <summary>
/// The native poll against Confluent's own <c>Consume</c> + <see cref="SourceHeaders"/> as the oracle: the same
/// messages (keys, values, empty and null header values, unknown headers, repeated and changing lp.* values) read
/// both ways must give equal records.
/// </summary>
public sealed class NativePollTests
{
    private const string Topic = "native-poll";

    [Fact]
    public void Reads_every_message_as_confluents_consume_does()
    {
        using var cluster = KafkaMockCluster.Start(1);
        cluster.CreateTopic(Topic, partitions: 3, replicationFactor: 1);
        var produced = Produce(cluster, 600);

        var expected = ReadAll(cluster, produced, native: false);
        var actual = ReadAll(cluster, produced, native: true);

        Assert.Equal(produced, expected.Count);
        Assert.Equal(expected.Count, actual.Count);
        foreach (var (position, want) in expected)
        {
            var got = actual[position];
            Assert.Equal((want.Topic, want.Partition, want.Offset), (got.Topic, got.Partition, got.Offset));
            Assert.Equal(want.Key, got.Key);
            Assert.Equal(want.Value, got.Value);
            Assert.Equal(want.Headers.Select(h => (h.Key, Hex(h.Value))), got.Headers.Select(h => (h.Key, Hex(h.Value))));
            Assert.Equal(
                (want.Source.Source, want.Source.File, want.Source.FileOffset, want.Source.Truncated),
                (got.Source.Source, got.Source.File, got.Source.FileOffset, got.Source.Truncated));
            Assert.Equal(
                (Hex(want.Source.SourceBytes), Hex(want.Source.FileBytes), Hex(want.Source.OffsetBytes)),
                (Hex(got.Source.SourceBytes), Hex(got.Source.FileBytes), Hex(got.Source.OffsetBytes)));
            Assert.Equal(Pod(want.Source.Kubernetes), Pod(got.Source.Kubernetes));
        }
    }

    [Fact]
    public void Repeated_header_values_and_keys_are_shared_not_copied()
    {
        using var cluster = KafkaMockCluster.Start(1);
        cluster.CreateTopic(Topic, partitions: 1, replicationFactor: 1);
        var produced = Produce(cluster, 50, partitions: 1);

        var records = ReadAll(cluster, produced, native: true).Values.OrderBy(r => r.Offset).ToList();

        // Messages 0..9 share source, file and key (see Produce): one array each.
        Assert.Same(records[1].Source.SourceBytes, records[2].Source.SourceBytes);
        Assert.Same(records[1].Source.FileBytes, records[2].Source.FileBytes);
        Assert.Same(records[1].Key, records[2].Key);
        Assert.NotSame(records[1].Source.OffsetBytes, records[2].Source.OffsetBytes);
    }

    private static (string?, string?, string?, string?, string?, string?)? Pod(KubernetesSource? kubernetes) =>
        kubernetes?.Metadata is { } m ? (m.Namespace, m.PodName, m.PodUid, m.NodeName, m.ContainerName, string.Join(',', m.Labels)) : null;

    private static string? Hex(byte[]? value) => value is null ? null : Convert.ToHexString(value);

    /// <summary>Messages whose lp.* values change every 10 lines, with odd headers mixed in; returns the count.</summary>
    private static int Produce(KafkaMockCluster cluster, int count, int partitions = 3)
    {
        var config = new ProducerConfig { BootstrapServers = cluster.BootstrapServers, LingerMs = 5, EnableIdempotence = true };
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(config).Build();
        for (var i = 0; i < count; i++)
        {
            var run = i / 10;
            var headers = new Headers
            {
                { "lp.source", Encoding.UTF8.GetBytes($"web-{run % 3}") },
                { "lp.file", Encoding.UTF8.GetBytes($"2049:{100 + run}:0123456789abcdef") },
                { "lp.offset", Encoding.UTF8.GetBytes((i * 120).ToString(System.Globalization.CultureInfo.InvariantCulture)) },
            };
            if (i % 7 == 0)
            {
                headers.Add("lp.truncated", "1"u8.ToArray());
            }

            if (i % 5 == 0)
            {
                headers.Add("lp.meta", Encoding.UTF8.GetBytes($"1|kubernetes|shop|web-{run}|uid-{run}|node-1|nginx|app=web"));
            }

            if (i % 4 == 0)
            {
                headers.Add("x-null", null);
                headers.Add("x-empty", []);
                headers.Add("x-ünïcode", "v"u8.ToArray());
            }

            var message = new Message<byte[]?, byte[]?>
            {
                Key = i % 9 == 0 ? null : Encoding.UTF8.GetBytes($"key-{run}"),
                Value = i % 50 == 49 ? [] : Encoding.UTF8.GetBytes($"line {i} \"GET /é\" 200"),
                Headers = headers,
            };
            producer.Produce(new TopicPartition(Topic, i % partitions), message);
        }

        producer.Flush(TimeSpan.FromSeconds(30));
        return count;
    }

    private static Dictionary<(int, long), IngestRecord> ReadAll(KafkaMockCluster cluster, int count, bool native)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = "native-poll-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            ConsumeResultFields = "headers",
        };
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        using var poll = native ? NativePoll.TryCreate(consumer, Topic, out var why) ?? throw new InvalidOperationException(why) : null;
        consumer.Subscribe(Topic);
        var decoder = new SourceHeaders();
        var records = new Dictionary<(int, long), IngestRecord>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (records.Count < count && DateTime.UtcNow < deadline)
        {
            IngestRecord? record;
            if (poll is not null)
            {
                var outcome = poll.Poll(100, out record, out var error);
                Assert.NotEqual(NativePoll.Outcome.Error, outcome);
            }
            else
            {
                var result = consumer.Consume(100);
                record = result is null ? null : decoder.Read(result, Topic);
            }

            if (record is not null)
            {
                records[(record.Partition, record.Offset)] = record;
            }
        }

        consumer.Close();
        return records;
    }
}
