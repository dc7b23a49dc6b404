using System.Text;
using System.Text.Json.Nodes;
using LogPipeline.EndToEnd.Tests.Harness;
using LogPipeline.Testing.Kafka;

namespace LogPipeline.EndToEnd.Tests.Hostile;

/// <summary>
/// The hostile corpus (and a 5 MB line) through the whole pipeline. Lines are tracked by their byte offset,
/// which the shipper sends as <c>lp.offset</c> and the worker writes as <c>log.offset</c> or copies to the DLQ:
/// every line must be indexed (flagged where it should be) or dead-lettered with a reason; nothing lost, nothing crashes.
/// </summary>
public sealed class HostileCorpusTests
{
    /// <summary>Lines cut inside their closing user agent: recovered (indexed, tagged partial_line), not dead-lettered.</summary>
    private static readonly HashSet<string> Recovered = new(StringComparer.Ordinal) { "synthetic-hostile.log:6", "synthetic-hostile.log:18" };

    [Fact]
    public async Task Every_hostile_line_is_indexed_or_dead_lettered_with_a_reason()
    {
        await using var pipeline = Pipeline.Start();
        var (shipper, ingest) = await Scenario.StartWorkersAsync(pipeline);

        var lines = HostileCorpus.Lines().Select(l => (Name: $"{l.File}:{l.Index + 1}", l.Line)).ToList();
        lines.Add(("huge 5 MB line", HostileCorpus.HugeLine(990_001)));
        lines.Add(("clean line after the huge one", Encoding.UTF8.GetBytes(AccessLogGenerator.Line(990_002))));
        var byOffset = new Dictionary<long, (string Name, byte[] Line)>();
        await using (var file = new FileStream(pipeline.LogPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
        {
            foreach (var line in lines)
            {
                byOffset[file.Position] = line;
                await file.WriteAsync(line.Line, Scenario.Token);
                await file.WriteAsync("\n"u8.ToArray(), Scenario.Token);
            }
        }

        // Condition-based wait: documents + dead letters reach the number of lines (or the deadline).
        var deadline = DateTime.UtcNow + Scenario.DeliveryTimeout;
        double deadLettered = 0;
        while (DateTime.UtcNow < deadline)
        {
            deadLettered = (await MetricsSnapshot.ScrapeAsync(ingest.MetricsUrl)).Sum("logpipeline_ingest_dead_lettered_total");
            if (pipeline.Documents().Count + deadLettered >= lines.Count || ingest.HasExited || shipper.HasExited)
            {
                break;
            }

            await Task.Delay(250, Scenario.Token);
        }

        Assert.False(shipper.HasExited, "the shipper crashed\n" + shipper.Tail());
        Assert.False(ingest.HasExited, "the ingest worker crashed\n" + ingest.Tail());

        var documents = pipeline.Documents().Values.ToList();
        var indexed = documents
            .Select(d => (Offset: d["log"]?["offset"]?.GetValue<long>() ?? d["log.offset"]?.GetValue<long>(), Document: d))
            .Where(x => x.Offset is not null)
            .ToDictionary(x => x.Offset!.Value, x => x.Document);
        var dead = TopicReader.ReadAll(pipeline.Kafka.BootstrapServers, Pipeline.DeadLetterTopic, (int)deadLettered, TimeSpan.FromSeconds(30))
            .Where(r => long.TryParse(r.Header("lp.offset"), out _))
            .GroupBy(r => long.Parse(r.Header("lp.offset")!))
            .ToDictionary(g => g.Key, g => g.First());

        var lost = new List<string>();
        var summary = new StringBuilder();
        foreach (var (offset, (name, line)) in byOffset.OrderBy(kv => kv.Key))
        {
            if (indexed.TryGetValue(offset, out var document))
            {
                var tags = Tags(document);
                summary.Append($"{name}: indexed [{string.Join(",", tags)}]\n");
                if (line.Length > 64 * 1024)
                {
                    Assert.Contains("truncated", tags);
                }

                if (line.AsSpan().IndexOf("\"\\x16\\x03"u8) >= 0)
                {
                    Assert.Contains("invalid_request", tags);
                }

                Assert.True(Recovered.Contains(name) == tags.Contains("partial_line"), $"{name}: tags [{string.Join(",", tags)}]");
            }
            else if (dead.TryGetValue(offset, out var record))
            {
                Assert.False(Recovered.Contains(name), $"{name} should have been recovered, was dead-lettered: {record.Header("lp.error")}");
                var reason = record.Header("lp.error");
                summary.Append($"{name}: DLQ ({record.Header("lp.stage")}: {reason})\n");
                Assert.False(string.IsNullOrWhiteSpace(reason), $"{name} dead-lettered without a reason");
                Assert.NotNull(record.Header("lp.stage"));
                if (line.Length <= 64 * 1024)
                {
                    Assert.Equal(line, record.Message.Value); // the original bytes, untouched
                }
            }
            else
            {
                lost.Add(name);
            }
        }

        Measurements.Record("hostile corpus", $"{lines.Count} lines: {indexed.Count} indexed, {dead.Count} dead-lettered, {lost.Count} lost\n{summary}");
        Assert.True(lost.Count == 0, $"lost: {string.Join(", ", lost)}\n{summary}\n{pipeline.Diagnostics()}");
        Assert.Equal(1, (await MetricsSnapshot.ScrapeAsync(shipper.MetricsUrl)).Sum("shipper_lines_truncated_total"));
    }

    private static List<string> Tags(JsonObject document) =>
        document["tags"] is JsonArray array ? [.. array.Select(t => t?.GetValue<string>() ?? string.Empty)] : [];
}
