namespace LogPipeline.Shipper.Publishing;

/// <summary>
/// Loads librdkafka and binds Confluent.Kafka's delegates before the first client is built, without the memory
/// spike that binding otherwise leaves. Confluent binds ~250 entry points with <c>methods.Single(m =&gt; m.Name == …)</c>
/// over every method; under Native AOT each <c>Name</c> is a new string — ~20 MB of garbage in about 0.1 s, during
/// which the GC ran once, so the process peaked at ~31 MB before shipping a line (15 MB before the load). A
/// collector thread running alongside keeps the process at ~27 MB idle (measured). Plain blocking collections, not
/// <see cref="GCCollectionMode.Aggressive"/>: aggressive ones (and one more after the client was built) got RSS lower
/// still (~21 MB idle) but coincided with an end-to-end test losing a rotated file in 3 of ~14 runs (0 of 16 without).
/// </summary>
internal static class KafkaLibrary
{
    public static void Load()
    {
        using var loaded = new ManualResetEventSlim();
        var collector = new Thread(() =>
        {
            while (!loaded.Wait(TimeSpan.FromMilliseconds(1)))
            {
                GC.Collect();
            }
        })
        {
            IsBackground = true,
            Name = "lp-load-gc",
        };
        collector.Start();
        try
        {
            // False when already loaded (tests load the mock-cluster variant first): nothing to bind then.
            Confluent.Kafka.Library.Load();
        }
        finally
        {
            loaded.Set();
            collector.Join();
        }
    }
}
