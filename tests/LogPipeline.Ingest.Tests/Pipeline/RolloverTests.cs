using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LogPipeline.Testing;

namespace LogPipeline.Ingest.Tests.Pipeline;

/// <summary>
/// The known limit of "exactly once as documents": Elasticsearch checks <c>_id</c> uniqueness on <c>create</c> only in
/// the data stream's write index (elastic/elasticsearch#44794; the stand-in models that), so lines re-sent after a
/// rollover land twice. This measures the window instead of hiding it.
/// </summary>
[Trait(TestTier.Name, TestTier.Process)]
public sealed class RolloverTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Lines_re_sent_after_a_rollover_are_indexed_a_second_time_one_duplicate_per_line()
    {
        const int count = 1000;
        const int resent = 400;
        await using var h = PipelineHarness.Start();
        await h.ProduceAsync(0, count);
        await using (var first = h.NewWorker().Start())
        {
            await PipelineHarness.WaitUntilAsync(() => h.Documents.Count >= count && first.Metrics.InFlight == 0, Patience, $"{count} documents");
            await first.StopAsync();
        }

        using var http = new HttpClient { BaseAddress = h.Es.Url };
        var rollover = await http.PostAsync($"{PipelineHarness.DataStream}/_rollover", null, TestContext.Current.CancellationToken);
        rollover.EnsureSuccessStatusCode();

        // The shipper re-sends the last 400 lines (a restart from an older checkpoint), after the rollover.
        await h.ProduceAsync(count - resent, resent);
        // ...and one line re-sent twice after the rollover: the second copy meets the first in the write index.
        await h.ProduceAsync(count - 1, 1);
        await using var second = h.NewWorker().Start();
        await PipelineHarness.WaitUntilAsync(
            () => second.Metrics.Indexed.Value + second.Metrics.Duplicates.Value >= resent + 1 && second.Metrics.InFlight == 0, Patience, "the re-sent lines");
        await second.StopAsync();

        // Every re-sent line whose first copy is in the rolled-over index is created again (201, not 409)...
        Assert.Equal(resent, second.Metrics.Indexed.Value);
        Assert.Equal(1, second.Metrics.Duplicates.Value);
        Assert.Equal(count, h.Documents.Count);
        Assert.Equal(count + resent, h.Es.DocumentCount(PipelineHarness.DataStream));
        // ...and a search over the data stream sees each of them twice.
        var counted = await http.GetFromJsonAsync<JsonObject>($"{PipelineHarness.DataStream}/_count", TestContext.Current.CancellationToken);
        Assert.Equal(count + resent, counted!["count"]!.GetValue<int>());
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{count} lines indexed, rollover, {resent} re-sent: {h.Es.DocumentCount(PipelineHarness.DataStream) - count} duplicate documents (one per re-sent line)");
    }
}
