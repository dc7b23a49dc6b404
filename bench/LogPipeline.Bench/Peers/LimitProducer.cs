using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using LogPipeline.Bench.Workloads;
using LogPipeline.Testing.Kafka;

namespace LogPipeline.Bench.Peers;

/// <summary>The <c>limit</c> command: produce the workload's lines straight to Kafka, then flush and exit.</summary>
public static class LimitProducer
{
    /// <summary>Same producer settings as the tools: acks=all, idempotence, lz4.</summary>
    public static ProducerConfig Config(string bootstrap) => new()
    {
        BootstrapServers = bootstrap,
        Acks = Acks.All,
        EnableIdempotence = true,
        CompressionType = CompressionType.Lz4,
        LingerMs = 5,
    };

    public static int Run(string[] args)
    {
        var bootstrap = args[0];
        var topic = args[1];
        var lines = int.Parse(args[2], CultureInfo.InvariantCulture);
        var rate = int.Parse(args[3], CultureInfo.InvariantCulture);
        KafkaMockCluster.EnsureConfluentLoaded();
        using var producer = new ProducerBuilder<Null, byte[]>(Config(bootstrap)).Build();
        // Start when the tools' generator would: process start-up is not part of the measured delivery.
        var startAt = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(args[4], CultureInfo.InvariantCulture));
        var wait = startAt - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero && wait < TimeSpan.FromSeconds(30))
        {
            Thread.Sleep(wait);
        }

        var failed = 0L;
        var clock = Stopwatch.StartNew();
        var seq = 0L;
        while (seq < lines)
        {
            var due = rate == 0 ? lines : Math.Min(lines, (long)(clock.Elapsed.TotalSeconds * rate) + 1);
            if (seq >= due)
            {
                Thread.Sleep(1);
                continue;
            }

            for (; seq < due; seq++)
            {
                var line = LineGenerator.LineBytes(seq);
                var value = line.AsSpan(0, line.Length - 1).ToArray();
                while (true)
                {
                    try
                    {
                        producer.Produce(topic, new Message<Null, byte[]> { Value = value }, r =>
                        {
                            if (r.Error.IsError)
                            {
                                Interlocked.Increment(ref failed);
                            }
                        });
                        break;
                    }
                    catch (ProduceException<Null, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                    {
                        producer.Poll(TimeSpan.FromMilliseconds(10));
                    }
                }
            }
        }

        producer.Flush(TimeSpan.FromMinutes(2));
        Console.WriteLine($"limit: produced {lines} lines in {clock.Elapsed.TotalSeconds:0.00} s, {Interlocked.Read(ref failed)} failed");
        return 0;
    }
}
