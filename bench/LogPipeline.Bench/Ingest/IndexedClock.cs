using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using LogPipeline.Bench.Workloads;

namespace LogPipeline.Bench.Ingest;

/// <summary>
/// Remembers when each sequence number was first indexed by the Elasticsearch stand-in or the bulk sink. Written
/// from their request threads, read by the run loop through Interlocked.
/// </summary>
public sealed class IndexedClock
{
    private readonly long[] _indexedTicks;
    private readonly Stopwatch _clock;
    private long _count;

    public IndexedClock(int capacity, Stopwatch clock)
    {
        _indexedTicks = new long[capacity];
        _clock = clock;
    }

    public long Count => Interlocked.Read(ref _count);

    public long IndexedTicks(long seq) => Interlocked.Read(ref _indexedTicks[seq]);

    public void OnStored(string index, JsonObject document) => OnSeq(SeqOf(document));

    /// <summary>Records the first arrival of <paramref name="seq"/>; unknown (-1) or out-of-range numbers are ignored.</summary>
    public void OnSeq(long seq)
    {
        if (seq < 0 || seq >= _indexedTicks.Length)
        {
            return;
        }

        if (Interlocked.CompareExchange(ref _indexedTicks[seq], Math.Max(1, _clock.Elapsed.Ticks), 0) == 0)
        {
            Interlocked.Increment(ref _count);
        }
    }

    private static long SeqOf(JsonObject document)
    {
        var query = (document["url"] as JsonObject)?["query"] ?? document["url.query"]
            ?? (document["url"] as JsonObject)?["original"] ?? document["url.original"];
        var text = query?.GetValueKind() == System.Text.Json.JsonValueKind.String ? query.GetValue<string>() : document.ToJsonString();
        return LineGenerator.ParseSeq(Encoding.UTF8.GetBytes(text));
    }
}
