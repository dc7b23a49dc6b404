using System.Diagnostics;
using System.Net.Sockets;
using LogPipeline.EndToEnd.Tests.Harness;
using LogPipeline.Testing.Kafka;
using LogPipeline.Testing.Nginx;

namespace LogPipeline.EndToEnd.Tests.Churn;

/// <summary>
/// What the churn scenario found with LP_CHURN_OUTAGE: after an all-brokers-down outage, a shipper that had been
/// connected for a minute stopped delivering (no client error logged, lines in flight until its grace ran out,
/// exit 3), while a shipper started seconds before the outage logged the refused connections and recovered. The
/// cause was the harness, not the shipper: the connections of the older shipper had been inherited by every
/// process started after them (the younger pod's nginx and shipper), so "broker down" closed only the mock's
/// copy and the shipper's requests went unanswered (<see cref="InheritedSockets"/>). A partition would look
/// like that too; the shipper then recovers after librdkafka's socket.timeout.ms (docs/shipper.md), which is
/// longer than this test's outage window — the test models a broker outage, where the connections close.
/// </summary>
public sealed class LongLivedShipperOutageTests
{
    private static readonly TimeSpan Age = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(5);

    /// <summary>The scenario: traffic through both pods before and after the outage.</summary>
    private static readonly TimeSpan TrafficAroundOutage = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_mock_broker_set_down_closes_a_connection_accepted_before_a_child_process_started()
    {
        using var cluster = KafkaMockCluster.Start(brokers: 1);
        var bootstrap = cluster.BootstrapServers.Split(',')[0];
        var colon = bootstrap.LastIndexOf(':');
        var socketsBefore = OpenSockets();
        using var client = new TcpClient();
        await client.ConnectAsync(bootstrap[..colon], int.Parse(bootstrap[(colon + 1)..]), Scenario.Token);
        // The mock accepts on its own thread: wait until the broker end exists (the client's socket and the accepted
        // one are both this process's descriptors) before the child starts.
        await Scenario.WaitUntilAsync(() => OpenSockets() >= socketsBefore + 2, TimeSpan.FromSeconds(10), "the mock broker to accept the connection");

        // What every harness start does before Process.Start (WorkerProcess, NginxServer, ShipperProcess).
        InheritedSockets.MarkCloseOnExec();
        using var child = Process.Start("sleep", "30");
        try
        {
            cluster.SetBrokerDown(1);
            var buffer = new byte[16];
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Scenario.Token);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            int read;
            try
            {
                read = await client.GetStream().ReadAsync(buffer, timeout.Token);
            }
            catch (IOException)
            {
                read = 0; // Reset by the peer: closed as well.
            }
            catch (OperationCanceledException) when (!Scenario.Token.IsCancellationRequested)
            {
                read = -1;
            }

            Assert.True(read == 0, "the broker end of the connection stayed open after set_down (held by the child process)");
        }
        finally
        {
            child.Kill();
        }
    }

    [Fact]
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
            await Task.Delay(TrafficAroundOutage, Scenario.Token);
            pipeline.Kafka.SetAllBrokersDown();
            await Task.Delay(Outage, Scenario.Token);
            pipeline.Kafka.SetAllBrokersUp();
            await Task.Delay(TrafficAroundOutage, Scenario.Token);
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

    /// <summary>This process's open socket descriptors (Linux: /proc/self/fd links to "socket:[inode]").</summary>
    private static int OpenSockets() =>
        new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos().Count(fd => fd.LinkTarget?.StartsWith("socket:", StringComparison.Ordinal) == true);
}
