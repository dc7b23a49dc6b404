using LogPipeline.EndToEnd.Tests.Harness;
using LogPipeline.Testing.Nginx;

namespace LogPipeline.EndToEnd.Tests.Churn;

/// <summary>
/// What the churn scenario found with LP_CHURN_OUTAGE: after an all-brokers-down outage, a shipper that had been
/// connected for a minute stops delivering (no client error logged, lines stay in flight until its grace runs out,
/// exit 3), while a shipper started seconds before the outage logs the refused connections and recovers.
/// </summary>
public sealed class LongLivedShipperOutageTests
{
    private static readonly TimeSpan Age = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(5);

    [Fact(Skip = "Fails today: a shipper connected for ~60 s does not resume after a 5 s all-brokers-down outage (0 client errors, in-flight lines never acknowledged); owner: shipper Publishing/. Remove the Skip with the fix.")]
    public async Task A_shipper_connected_for_a_minute_resumes_after_all_brokers_were_down()
    {
        NginxServer.SkipUnlessInstalled();
        await using var pipeline = Pipeline.Start(partitions: 6);
        var ingest = pipeline.StartIngest();
        await ingest.WaitUntilReadyAsync(Scenario.ReadyTimeout, "/healthz");
        var pods = new List<WebPod>();
        await using var load = new LoadGenerator(300);
        try
        {
            pods.Add(await WebPod.StartAsync(pipeline, "web-old", Scenario.Token));
            load.SetEndpoints(pods);
            load.Start(concurrency: 8);
            await Task.Delay(Age, Scenario.Token);
            pods.Add(await WebPod.StartAsync(pipeline, "web-young", Scenario.Token));
            load.SetEndpoints(pods);
            await Task.Delay(TimeSpan.FromSeconds(5), Scenario.Token);
            pipeline.Kafka.SetAllBrokersDown();
            await Task.Delay(Outage, Scenario.Token);
            pipeline.Kafka.SetAllBrokersUp();
            await Task.Delay(TimeSpan.FromSeconds(5), Scenario.Token);
            await load.StopAsync();

            var stops = new List<PodStop>();
            foreach (var pod in pods)
            {
                stops.Add(await pod.StopAsync(TimeSpan.Zero, Scenario.Token));
            }

            var expected = load.ServedByPod.Values.SelectMany(s => s).ToHashSet();
            var report = await pipeline.WaitForIndexedAsync(expected, Scenario.DeliveryTimeout);
            Assert.True(stops.All(s => s.ExitCode == 0), string.Join("; ", stops.Select(s => $"{s.Pod}: exit {s.ExitCode}, read {s.LastScrapeRead}, delivered {s.LastScrapeDelivered} before SIGTERM")));
            Assert.True(report.ExactlyOnce, report.ToString());
        }
        finally
        {
            foreach (var pod in pods)
            {
                await pod.DisposeAsync();
            }
        }
    }
}
