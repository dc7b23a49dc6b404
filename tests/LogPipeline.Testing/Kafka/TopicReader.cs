using Confluent.Kafka;

namespace LogPipeline.Testing.Kafka;

/// <summary>Reads what tests need back out of a topic.</summary>
public static class TopicReader
{
    /// <summary>
    /// Reads every partition of <paramref name="topic"/> from the beginning until <paramref name="expected"/>
    /// messages were seen and nothing more arrives for <paramref name="quiet"/>, or until <paramref name="timeout"/>.
    /// Returns everything read (possibly more than expected: duplicates are the caller's to count).
    /// </summary>
    public static List<ConsumeResult<byte[], byte[]>> ReadAll(
        string bootstrapServers, string topic, int expected, TimeSpan timeout, TimeSpan? quiet = null)
    {
        KafkaMockCluster.EnsureConfluentLoaded();
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "test-reader-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            EnablePartitionEof = true,
            AllowAutoCreateTopics = false,
        };
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        consumer.Subscribe(topic);
        var results = new List<ConsumeResult<byte[], byte[]>>(Math.Max(expected, 16));
        var deadline = DateTime.UtcNow + timeout;
        var quietFor = quiet ?? TimeSpan.FromMilliseconds(500);
        var lastMessage = DateTime.UtcNow;
        while (DateTime.UtcNow < deadline)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (r is null || r.IsPartitionEOF)
            {
                if (results.Count >= expected && DateTime.UtcNow - lastMessage > quietFor)
                {
                    break;
                }

                continue;
            }

            results.Add(r);
            lastMessage = DateTime.UtcNow;
        }

        consumer.Close();
        return results;
    }

    /// <summary>A header's value as UTF-8, or null.</summary>
    public static string? Header(this ConsumeResult<byte[], byte[]> result, string name) =>
        result.Message.Headers?.TryGetLastBytes(name, out var bytes) == true ? System.Text.Encoding.UTF8.GetString(bytes) : null;
}
