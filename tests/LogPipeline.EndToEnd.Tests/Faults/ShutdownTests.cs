using LogPipeline.EndToEnd.Tests.Harness;

namespace LogPipeline.EndToEnd.Tests.Faults;

/// <summary>Pod stop: nginx has stopped writing, the shipper gets SIGTERM with a backlog and must drain it.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task Sigterm_during_heavy_traffic_drains_within_the_grace_period_and_reports()
    {
        await using var pipeline = Pipeline.Start();
        var env = new Dictionary<string, string?> { ["Shipper__ShutdownGracePeriod"] = "00:00:15", ["Shipper__Rotation__Keep"] = "50" };
        var (shipper, _) = await Scenario.StartWorkersAsync(pipeline, env);
        var generator = new AccessLogGenerator(pipeline.LogPath, rotateAtBytes: 50 * 1024, keep: 50);
        await generator.WriteAsync(1, 20_000, linesPerSecond: 0, Scenario.Token);
        await pipeline.WaitForIndexedAsync(generator.Written, Scenario.DeliveryTimeout);

        // A slow cluster keeps deliveries outstanding at SIGTERM, so there is something to drain.
        for (var broker = 1; broker <= pipeline.Kafka.BrokerCount; broker++)
        {
            pipeline.Kafka.SetBrokerRtt(broker, TimeSpan.FromMilliseconds(300));
        }

        await generator.WriteAsync(20_001, 5_000, linesPerSecond: 0, Scenario.Token);
        var atStop = await MetricsSnapshot.ScrapeAsync(shipper.MetricsUrl);
        var lagAtStop = atStop.Sum("shipper_lag_bytes");
        var inFlightAtStop = atStop.Sum("shipper_inflight_lines");
        var stoppedAt = DateTime.UtcNow;
        shipper.Terminate();
        var exitCode = await shipper.WaitForExitAsync(TimeSpan.FromSeconds(30));
        var took = DateTime.UtcNow - stoppedAt;

        Assert.True(exitCode == 0, $"exit code {exitCode}\n{shipper.Tail()}");
        Assert.Contains("every line read was delivered", shipper.StandardOutput, StringComparison.Ordinal);
        Assert.True(took < TimeSpan.FromSeconds(16), $"took {took} (grace 15 s)");
        await Scenario.AssertExactlyOnceAsync("SIGTERM right after a 5k-line burst, brokers at 300 ms RTT", pipeline, generator, $"; at SIGTERM lag {lagAtStop} bytes, in flight {inFlightAtStop} lines; drained and exited in {took.TotalSeconds:F1} s");
    }
}
