using System.Security.Cryptography;
using System.Text;
using LogPipeline.Ingest.Consuming;
using LogPipeline.Ingest.Indexing;

namespace LogPipeline.Ingest.Tests.Consuming;

public sealed class OffsetTrackerTests
{
    [Fact]
    public void Commit_point_moves_only_over_contiguous_completed_offsets()
    {
        var tracker = new OffsetTracker();
        foreach (var offset in new long[] { 10, 11, 12, 15, 16 })
        {
            tracker.Add(offset);
        }

        tracker.Complete(11);
        tracker.Complete(15);
        Assert.False(tracker.TryAdvance(out _));
        Assert.Equal(-1, tracker.Committable);

        tracker.Complete(10);
        Assert.True(tracker.TryAdvance(out var next));
        Assert.Equal(12, next);

        tracker.Complete(12);
        Assert.True(tracker.TryAdvance(out next));
        Assert.Equal(16, next); // 15 was already done; the gap 13-14 is not in the partition
        Assert.Equal(1, tracker.Pending);
    }

    [Fact]
    public void Random_completion_order_over_many_offsets_ends_at_the_last_plus_one()
    {
        var tracker = new OffsetTracker();
        var offsets = Enumerable.Range(0, 5000).Select(i => (long)(i * 2)).ToArray();
        foreach (var o in offsets)
        {
            tracker.Add(o);
        }

        var lastCommit = -1L;
        foreach (var o in offsets.OrderBy(_ => Random.Shared.Next()))
        {
            tracker.Complete(o);
            if (tracker.TryAdvance(out var next))
            {
                Assert.True(next > lastCommit);
                lastCommit = next;
            }
        }

        Assert.Equal(offsets[^1] + 1, lastCommit);
        Assert.Equal(0, tracker.Pending);
    }
}

public sealed class BulkResponseParserTests
{
    [Fact]
    public void Errors_false_skips_the_items_but_counts_them()
    {
        var items = new List<BulkItemStatus>();
        Assert.True(BulkResponseParser.TryParse("""{"errors":false,"took":3,"items":[{"create":{"status":201}},{"create":{"status":201,"_shards":{"total":1}}}]}"""u8, items, out var all, out var count));
        Assert.True(all);
        Assert.Equal(2, count);
        Assert.Empty(items);
    }

    [Fact]
    public void An_answer_without_items_is_not_a_success()
    {
        // errors:false alone proves nothing about the documents (a proxy, a filtered or truncated answer).
        Assert.False(BulkResponseParser.TryParse("""{"errors":false,"took":1}"""u8, [], out _, out _));
        Assert.False(BulkResponseParser.TryParse("""{}"""u8, [], out _, out _));
    }

    [Fact]
    public void Each_item_status_and_error_is_read_in_order()
    {
        var json = """
            {"took":1,"errors":true,"items":[
              {"create":{"_index":"x","_id":"a","status":201,"result":"created","_shards":{"total":1}}},
              {"create":{"_id":"b","status":409,"error":{"type":"version_conflict_engine_exception","reason":"exists","caused_by":{"type":"x"}}}},
              {"create":{"_id":"c","status":400,"error":{"type":"mapper_parsing_exception","reason":"bad field"}}},
              {"create":{"_id":"d","status":429,"error":{"type":"es_rejected_execution_exception","reason":"busy"}}}]}
            """u8;
        var items = new List<BulkItemStatus>();
        Assert.True(BulkResponseParser.TryParse(json, items, out var all, out var count));
        Assert.False(all);
        Assert.Equal(4, count);
        Assert.Equal([201, 409, 400, 429], items.Select(i => i.Status));
        Assert.Equal("400 mapper_parsing_exception: bad field", items[2].Describe());
    }

    [Fact]
    public void Garbage_is_not_readable()
    {
        Assert.False(BulkResponseParser.TryParse("<html>502</html>"u8, [], out _, out _));
        Assert.False(BulkResponseParser.TryParse("""{"errors":true}"""u8, [], out _, out _));
    }
}
