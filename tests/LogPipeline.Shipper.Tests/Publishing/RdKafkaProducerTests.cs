using System.Collections.Concurrent;
using LogPipeline.Shipper.Publishing;
using LogPipeline.Testing.Kafka;

namespace LogPipeline.Shipper.Tests.Publishing;

/// <summary>The shipper's direct librdkafka producer, against the mock cluster, read back with Confluent's consumer.</summary>
public sealed class RdKafkaProducerTests
{
    [Fact]
    public void Key_value_and_headers_arrive_byte_for_byte_and_every_message_is_reported_once()
    {
        using var cluster = KafkaMockCluster.Start(brokers: 1);
        cluster.CreateTopic("exact", partitions: 2);
        var events = new RecordingEvents();
        var values = new[] { "GET / 200"u8.ToArray(), [], [0xff, 0x00, 0xc3, 0x28, 0x0a], new byte[100_000] };
        using (var producer = new RdKafkaProducer(Config(cluster.BootstrapServers), "exact", events))
        {
            for (var i = 0; i < values.Length; i++)
            {
                var headers = producer.NewHeaders(2);
                producer.AddHeader(headers, "lp.offset"u8, System.Text.Encoding.ASCII.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                producer.AddHeader(headers, "lp.empty"u8, []);
                Assert.Equal(0, producer.Produce(i % 2 == 0 ? "file-a"u8 : default, values[i], headers, i));
            }

            producer.Flush(TimeSpan.FromSeconds(10));
        }

        Assert.Equal([0, 1, 2, 3], events.Delivered.Select(d => (int)d.State).Order());
        Assert.All(events.Delivered, d => Assert.Equal(0, d.Error));
        var records = TopicReader.ReadAll(cluster.BootstrapServers, "exact", values.Length, TimeSpan.FromSeconds(20));
        Assert.Equal(values.Length, records.Count);
        foreach (var record in records)
        {
            var i = int.Parse(record.Header("lp.offset")!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(values[i], record.Message.Value); // the empty line stays empty, not null
            Assert.Equal(i % 2 == 0 ? "file-a"u8.ToArray() : null, record.Message.Key);
            Assert.Equal(string.Empty, record.Header("lp.empty"));
        }
    }

    [Fact]
    public void A_message_over_the_size_limit_is_refused_at_produce_with_no_report()
    {
        using var cluster = KafkaMockCluster.Start(brokers: 1);
        cluster.CreateTopic("limits", partitions: 1);
        var events = new RecordingEvents();
        var config = Config(cluster.BootstrapServers);
        config["message.max.bytes"] = "10000";
        using var producer = new RdKafkaProducer(config, "limits", events);

        var code = producer.Produce(default, new byte[20_000], producer.NewHeaders(0), "too large");

        Assert.Equal((int)Confluent.Kafka.ErrorCode.MsgSizeTooLarge, code);
        Assert.Contains("too large", producer.Describe(code), StringComparison.OrdinalIgnoreCase);
        producer.Flush(TimeSpan.FromMilliseconds(200));
        Assert.Empty(events.Delivered);
    }

    [Fact]
    public void Messages_still_queued_at_dispose_are_reported_as_purged()
    {
        // Nothing listens on port 1: messages stay queued until the producer is disposed.
        var events = new RecordingEvents();
        using (var producer = new RdKafkaProducer(Config("127.0.0.1:1"), "nowhere", events))
        {
            for (var i = 0; i < 50; i++)
            {
                Assert.Equal(0, producer.Produce(default, "line"u8, producer.NewHeaders(0), i));
            }
        }

        Assert.Equal(50, events.Delivered.Count);
        Assert.All(events.Delivered, d => Assert.Equal((int)Confluent.Kafka.ErrorCode.Local_PurgeQueue, d.Error));
    }

    [Fact]
    public void A_setting_librdkafka_refuses_is_named_in_the_error()
    {
        var config = Config("127.0.0.1:1");
        config["compression.type"] = "brotli";

        var ex = Assert.Throws<InvalidOperationException>(() => new RdKafkaProducer(config, "t", new RecordingEvents()));

        Assert.Contains("compression.type", ex.Message, StringComparison.Ordinal);
        Assert.Contains("brotli", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Delivery_reports_run_on_the_poll_thread_only_even_while_another_thread_flushes()
    {
        // The contract KafkaPublisher relies on: reports complete batches on one thread. rd_kafka_flush serves
        // callbacks on its caller, so a Flush from the shutdown path must not run them there. Three partitions
        // led by three brokers answer in separate responses (separate report batches), and a slow callback keeps
        // the poll thread busy with one batch while the next arrives, when a flushing caller would take it.
        using var cluster = KafkaMockCluster.Start(brokers: 3);
        cluster.CreateTopic("threads", partitions: 3, replicationFactor: 1);
        var events = new RecordingEvents { CallbackDelay = TimeSpan.FromMilliseconds(2) };
        using (var producer = new RdKafkaProducer(Config(cluster.BootstrapServers), "threads", events))
        {
            for (var round = 0; round < 10; round++)
            {
                for (var i = 0; i < 30; i++)
                {
                    var key = System.Text.Encoding.ASCII.GetBytes($"key-{i}");
                    Assert.Equal(0, producer.Produce(key, "line"u8, producer.NewHeaders(0), (round * 30) + i));
                }

                producer.Flush(TimeSpan.FromSeconds(10));
            }
        }

        Assert.Equal(300, events.Delivered.Count);
        Assert.All(events.Delivered, d => Assert.Equal(0, d.Error));
        Assert.Equal([RdKafkaProducer.PollThreadName], events.CallbackThreads.Distinct());
    }

    [Fact]
    public void Reports_purged_at_dispose_also_run_on_the_poll_thread()
    {
        var events = new RecordingEvents();
        using (var producer = new RdKafkaProducer(Config("127.0.0.1:1"), "nowhere", events))
        {
            for (var i = 0; i < 20; i++)
            {
                Assert.Equal(0, producer.Produce(default, "line"u8, producer.NewHeaders(0), i));
            }
        }

        Assert.Equal(20, events.Delivered.Count);
        Assert.Equal([RdKafkaProducer.PollThreadName], events.CallbackThreads.Distinct());
    }

    private static Dictionary<string, string> Config(string bootstrap) => new()
    {
        ["bootstrap.servers"] = bootstrap,
        ["enable.idempotence"] = "true",
        ["acks"] = "all",
        ["compression.type"] = "lz4",
        ["linger.ms"] = "5",
        ["dotnet.producer.enable.delivery.reports"] = "true", // a Confluent.Kafka key: skipped, not refused
    };

    private sealed class RecordingEvents : IProducerEvents
    {
        public ConcurrentQueue<(object State, int Error)> DeliveredQueue { get; } = new();

        public List<(object State, int Error)> Delivered => [.. DeliveredQueue];

        public ConcurrentQueue<string> CallbackThreads { get; } = new();

        /// <summary>Time each report takes (a publisher completing batches is not instant either).</summary>
        public TimeSpan CallbackDelay { get; init; }

        public void OnDelivered(object state, int error)
        {
            if (CallbackDelay > TimeSpan.Zero)
            {
                Thread.Sleep(CallbackDelay);
            }

            CallbackThreads.Enqueue(Thread.CurrentThread.Name ?? $"unnamed thread {Environment.CurrentManagedThreadId}");
            DeliveredQueue.Enqueue((state, error));
        }

        public void OnError(int code, string reason, bool fatal)
        {
        }

        public void OnLog(int level, string facility, string message)
        {
        }
    }
}
