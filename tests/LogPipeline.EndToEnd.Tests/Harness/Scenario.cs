using LogPipeline.Testing;

namespace LogPipeline.EndToEnd.Tests.Harness;

/// <summary>The shared shape of a fault scenario: start, write seq lines, inject, heal, wait, assert, record.</summary>
internal static class Scenario
{
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(120);

    public static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Starts one shipper and one ingest worker and waits until both serve /healthz.</summary>
    public static async Task<(WorkerProcess Shipper, WorkerProcess Ingest)> StartWorkersAsync(
        Pipeline pipeline, IReadOnlyDictionary<string, string?>? shipperEnv = null, IReadOnlyDictionary<string, string?>? ingestEnv = null)
    {
        var shipper = pipeline.StartShipper(shipperEnv);
        var ingest = pipeline.StartIngest(ingestEnv);
        await shipper.WaitUntilReadyAsync(ReadyTimeout, "/readyz"); // after its first tail pass
        await ingest.WaitUntilReadyAsync(ReadyTimeout, "/healthz");
        return (shipper, ingest);
    }

    /// <summary>Waits until every written id is indexed, then asserts exactly-once in the index and records the numbers.</summary>
    public static Task<DeliveryReport> AssertExactlyOnceAsync(string name, Pipeline pipeline, AccessLogGenerator generator, string extra = "") =>
        AssertExactlyOnceAsync(name, pipeline, generator.Written, $"; rotations {generator.Rotations}; write failures {generator.Failed.Count}{extra}");

    public static async Task<DeliveryReport> AssertExactlyOnceAsync(string name, Pipeline pipeline, IReadOnlyCollection<int> expected, string extra)
    {
        var report = await pipeline.WaitForIndexedAsync(expected, DeliveryTimeout);
        var kafka = pipeline.CountKafka(expected.Count);
        Measurements.Record(name, $"{report}; kafka records {kafka.Records}, kafka duplicates {kafka.Duplicates}{extra}");
        Assert.True(report.ExactlyOnce, $"{name}: {report}\n{pipeline.Diagnostics()}");
        return report;
    }

    /// <summary>Polls until <paramref name="condition"/> holds (or fails the test at the deadline).</summary>
    public static Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what, Pipeline? pipeline = null) =>
        WaitUntilAsync(() => Task.FromResult(condition()), timeout, what, pipeline);

    /// <inheritdoc cref="WaitUntilAsync(Func{bool}, TimeSpan, string, Pipeline?)"/>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, Pipeline? pipeline = null)
    {
        if (!await Poll.UntilAsync(condition, timeout, Token))
        {
            Assert.Fail($"timed out after {timeout} waiting for {what}\n{pipeline?.Diagnostics()}");
        }
    }
}
