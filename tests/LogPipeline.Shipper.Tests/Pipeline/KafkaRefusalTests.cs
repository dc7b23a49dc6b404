using System.Net;
using Confluent.Kafka;
using LogPipeline.Shipper.Tests.Support;
using LogPipeline.Testing;
using LogPipeline.Testing.Kafka;

namespace LogPipeline.Shipper.Tests.Pipeline;

/// <summary>
/// Kafka refusing the shipper (authorisation, a fatal producer error) must cost no line: the shipper stops with exit
/// code 4, its checkpoint stays behind every line Kafka did not acknowledge, and a restart delivers the rest.
/// Per-record refusals (too large) drop only those lines, counted per reason and logged rate-limited.
/// </summary>
[Collection(LoadCollection.Name)]
[Trait(TestTier.Name, TestTier.Process)]
public sealed class KafkaRefusalTests
{
    private const int Rate = 10_000;

    [Fact]
    public async Task Produce_answered_topic_authorization_failed_exits_4_and_the_restart_delivers_every_line()
    {
        const int lines = 60_000;
        const int head = 1000;
        var ct = TestContext.Current.CancellationToken;
        using var rig = ShipperRig.Start("refused");
        var logPath = rig.LogPath;
        var config = rig.Config();
        var writer = new GeneratedLog(logPath) { Rotation = RotationMode.None };
        await writer.WriteAsync(0, head, 1_000_000, ct);

        var first = ShipperProcess.Start(config);
        Assert.True(await first.WaitForMetricAsync("shipper_lines_delivered_total", head, TimeSpan.FromSeconds(60)), first.Output);
        var writing = writer.WriteAsync(head, lines - head, Rate, ct);
        // Refuse mid-run: once the shipper is delivering the live traffic, with most of it still to be written.
        Assert.True(await first.WaitForMetricAsync("shipper_lines_delivered_total", head + 15_000, TimeSpan.FromSeconds(60)), first.Output);
        rig.Cluster.PushRequestErrors(KafkaApiKey.Produce, [.. Enumerable.Repeat(ErrorCode.TopicAuthorizationFailed, 30)]);
        var exit = await first.WaitForExitAsync(TimeSpan.FromSeconds(60));
        var firstOutput = first.Output;
        await first.DisposeAsync();
        await writing;

        var checkpoint = CheckpointedLines.Read(rig.StateDirectory, logPath);
        var afterFirst = rig.Shipped(checkpoint.Covered.Count, TimeSpan.FromSeconds(20));
        var passedUnacknowledged = checkpoint.Covered.Count(seq => !afterFirst.Distinct.Contains(seq));
        var missingAfterFirst = afterFirst.Missing(0, lines);

        rig.Cluster.ClearRequestErrors();
        await using var second = ShipperProcess.Start(config);
        var idle = await second.WaitUntilIdleAsync(TimeSpan.FromSeconds(120));
        second.Terminate();
        var secondExit = await second.WaitForExitAsync(TimeSpan.FromSeconds(60));

        var shipped = rig.Shipped(lines, TimeSpan.FromSeconds(60));
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{lines} lines; first run: exit {exit}, checkpoint at {checkpoint.Offset} of {checkpoint.FileLength} bytes " +
            $"({checkpoint.Covered.Count} lines, {passedUnacknowledged} of them not in Kafka), {missingAfterFirst} lines not in Kafka; " +
            $"after the restart: exit {secondExit}, kafka {shipped.Records.Count}, distinct {shipped.Distinct.Count}, " +
            $"missing {shipped.Missing(0, lines)} [{shipped.MissingRanges(0, lines)}], duplicates {shipped.Duplicates}");
        Assert.True(exit == ShipperExitCode.KafkaRefused, $"exit {exit}:\n{Tail(firstOutput)}");
        Assert.Contains("Stopped with exit code 4: Kafka refused delivery (TopicAuthorizationFailed", firstOutput, StringComparison.Ordinal);
        Assert.Equal(1, Count(firstOutput, "\"EventId\":121"));
        Assert.True(missingAfterFirst > 0, "the injected errors cost the first run nothing: the test did not test anything");
        Assert.True(checkpoint.Offset < checkpoint.FileLength, "the first run read everything: it did not stop reading");
        Assert.Equal(0, passedUnacknowledged);
        Assert.True(idle, "the restarted shipper did not catch up:\n" + Tail(second.Output));
        Assert.Equal(0, secondExit);
        Assert.Equal(0, shipped.Missing(0, lines));
        Assert.Equal(0, shipped.DuplicatesWithOtherPosition);
        Assert.Equal(0, shipped.Unparsed);
    }

    [Fact]
    public async Task A_fatal_producer_error_fails_liveness_exits_4_by_itself_and_the_restart_delivers_every_line()
    {
        const int lines = 30_000;
        const int head = 1000;
        var ct = TestContext.Current.CancellationToken;
        using var rig = ShipperRig.Start("fatal");
        var logPath = rig.LogPath;
        var writer = new GeneratedLog(logPath) { Rotation = RotationMode.None };
        await writer.WriteAsync(0, head, 1_000_000, ct);

        var first = await InProcessShipper.StartAsync(rig.Config());
        Assert.True(await InProcessShipper.WaitUntilAsync(() => first.Metric("shipper_lines_delivered_total") >= head, TimeSpan.FromSeconds(60)));
        var writing = writer.WriteAsync(head, lines - head, Rate, ct);
        // Fail mid-run: once the shipper is delivering the live traffic, with most of it still to be written.
        Assert.True(await InProcessShipper.WaitUntilAsync(() => first.Metric("shipper_lines_delivered_total") >= head + 10_000, TimeSpan.FromSeconds(60)));
        var raised = first.Service.Publisher!.RaiseFatalErrorForTests((int)ErrorCode.OutOfOrderSequenceNumber, "test: injected idempotence failure");
        var stoppedByItself = await InProcessShipper.WaitUntilAsync(() => first.StoppingByItself, TimeSpan.FromSeconds(30));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var port = await first.ObservabilityPortAsync();
        using var liveness = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/healthz"), ct);
        var livenessBody = await liveness.Content.ReadAsStringAsync(ct);
        var exit = first.ExitCode;
        var dropped = first.Metric("shipper_lines_dropped_total{reason=\"msg_size_too_large\"}");
        await first.DisposeAsync();
        await writing;

        var checkpoint = CheckpointedLines.Read(rig.StateDirectory, logPath);
        var afterFirst = rig.Shipped(checkpoint.Covered.Count, TimeSpan.FromSeconds(20));
        var passedUnacknowledged = checkpoint.Covered.Count(seq => !afterFirst.Distinct.Contains(seq));

        await using var second = await InProcessShipper.StartAsync(rig.Config());
        var idle = await InProcessShipper.WaitUntilAsync(
            () => second.Metric("shipper_files_open") >= 1 && second.Metric("shipper_lines_delivered_total") > 0
                  && second.Metric("shipper_lag_bytes") == 0 && second.Metric("shipper_inflight_lines") == 0,
            TimeSpan.FromSeconds(120));
        await second.StopAsync();

        var shipped = rig.Shipped(lines, TimeSpan.FromSeconds(60));
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{lines} lines; first run: /healthz {(int)liveness.StatusCode} '{livenessBody.Trim()}', exit {exit}, checkpoint at " +
            $"{checkpoint.Offset} of {checkpoint.FileLength} bytes ({checkpoint.Covered.Count} lines, {passedUnacknowledged} not in Kafka); " +
            $"after the restart: exit {second.ExitCode}, kafka {shipped.Records.Count}, distinct {shipped.Distinct.Count}, " +
            $"missing {shipped.Missing(0, lines)}, duplicates {shipped.Duplicates}");
        Assert.Equal(0, raised);
        Assert.True(stoppedByItself, "the shipper did not stop by itself after the fatal error");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, liveness.StatusCode);
        Assert.Contains("kafka-producer", livenessBody, StringComparison.Ordinal);
        Assert.Contains("OutOfOrderSequenceNumber", livenessBody, StringComparison.Ordinal);
        Assert.Equal(ShipperExitCode.KafkaRefused, exit);
        Assert.Equal(0, dropped);
        Assert.True(checkpoint.Offset < checkpoint.FileLength, "the first run read everything: it did not stop reading");
        Assert.Equal(0, passedUnacknowledged);
        Assert.True(idle, "the restarted shipper did not catch up");
        Assert.Equal(0, second.ExitCode);
        Assert.Equal(0, shipped.Missing(0, lines));
        Assert.Equal(0, shipped.DuplicatesWithOtherPosition);
    }

    [Fact]
    public async Task Produce_answered_message_too_large_drops_only_those_lines_counted_per_reason_and_logged_rate_limited()
    {
        const int lines = 20_000;
        const int head = 500;
        const string droppedSeries = "shipper_lines_dropped_total{reason=\"msg_size_too_large\"}";
        var ct = TestContext.Current.CancellationToken;
        using var rig = ShipperRig.Start("too-large");
        var writer = new GeneratedLog(rig.LogPath) { Rotation = RotationMode.None };
        await writer.WriteAsync(0, head, 1_000_000, ct);

        await using var shipper = ShipperProcess.Start(rig.Config());
        Assert.True(await shipper.WaitForMetricAsync("shipper_lines_delivered_total", head, TimeSpan.FromSeconds(60)), shipper.Output);
        var writing = writer.WriteAsync(head, lines - head, Rate, ct);
        // Refuse mid-run: once the shipper is delivering the live traffic, with most of it still to be written.
        Assert.True(await shipper.WaitForMetricAsync("shipper_lines_delivered_total", head + 5_000, TimeSpan.FromSeconds(60)), shipper.Output);
        rig.Cluster.PushRequestErrors(KafkaApiKey.Produce, [.. Enumerable.Repeat(ErrorCode.MsgSizeTooLarge, 5)]);
        await writing;
        var idle = await shipper.WaitUntilIdleAsync(TimeSpan.FromSeconds(120));
        double dropped = -1, delivered = -1;
        for (var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60); DateTime.UtcNow < deadline && delivered + dropped < lines;)
        {
            await Task.Delay(200, ct);
            dropped = await shipper.MetricAsync(droppedSeries) ?? -1;
            delivered = await shipper.MetricAsync("shipper_lines_delivered_total") ?? -1;
        }

        shipper.Terminate();
        var exit = await shipper.WaitForExitAsync(TimeSpan.FromSeconds(60));
        var output = shipper.Output;

        var shipped = rig.Shipped(lines - (long)Math.Max(0, dropped), TimeSpan.FromSeconds(60));
        var dropLogLines = Count(output, "\"EventId\":122") + Count(output, "\"EventId\":124");
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{lines} lines: delivered {delivered}, dropped {dropped}, kafka distinct {shipped.Distinct.Count}, " +
            $"missing {shipped.Missing(0, lines)}, drop log lines {dropLogLines}, exit {exit}");
        Assert.True(idle, "the shipper did not catch up after the drops:\n" + Tail(output));
        Assert.True(dropped > 0, $"no line counted as dropped ({droppedSeries} = {dropped})");
        Assert.Equal(lines, delivered + dropped);
        Assert.Equal(dropped, shipped.Missing(0, lines));
        Assert.InRange(dropLogLines, 1, 3); // the first in full, then at most one summary per 10 s (and one at shutdown)
        Assert.Equal(0, Count(output, "\"EventId\":121")); // a per-record refusal never stops the shipper
        Assert.Equal(0, exit);
    }

    private static int Count(string text, string what)
    {
        var count = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static string Tail(string output) => output.Length > 6000 ? output[^6000..] : output;
}
