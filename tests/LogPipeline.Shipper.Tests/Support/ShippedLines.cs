using Confluent.Kafka;
using LogPipeline.Testing.Kafka;

namespace LogPipeline.Shipper.Tests.Support;

/// <summary>What arrived in Kafka, counted the way the loss/duplicate claims are stated.</summary>
internal sealed class ShippedLines
{
    private ShippedLines(List<ConsumeResult<byte[], byte[]>> records)
    {
        Records = records;
        var bySeq = records.GroupBy(r => GeneratedLog.Seq(r.Message.Value)).ToList();
        Unparsed = bySeq.Where(g => g.Key is null).Sum(g => g.Count());
        Distinct = bySeq.Where(g => g.Key is not null).Select(g => g.Key!.Value).ToHashSet();
        Duplicates = records.Count - Unparsed - Distinct.Count;
        // A duplicate is tolerable only as a re-send of the same position (same ingest _id).
        DuplicatesWithOtherPosition = bySeq.Where(g => g.Key is not null && g.Count() > 1)
            .Count(g => g.Select(Position).Distinct().Count() > 1);
    }

    public List<ConsumeResult<byte[], byte[]>> Records { get; }

    public HashSet<long> Distinct { get; }

    public int Duplicates { get; }

    public int DuplicatesWithOtherPosition { get; }

    public int Unparsed { get; }

    public static ShippedLines Read(KafkaMockCluster cluster, string topic, long expected, TimeSpan? timeout = null) =>
        new(TopicReader.ReadAll(cluster.BootstrapServers, topic, (int)expected, timeout ?? TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(1)));

    public static string Position(ConsumeResult<byte[], byte[]> r) =>
        $"{r.Header("lp.source")}|{r.Header("lp.file")}|{r.Header("lp.offset")}";

    /// <summary>Missing sequence numbers as ranges ("a-b"), for the test output.</summary>
    public string MissingRanges(long first, long count, int max = 10)
    {
        var ranges = new List<string>();
        long? start = null;
        for (var s = first; s <= first + count && ranges.Count < max; s++)
        {
            var missing = s < first + count && !Distinct.Contains(s);
            if (missing && start is null)
            {
                start = s;
            }
            else if (!missing && start is { } a)
            {
                ranges.Add($"{a}-{s - 1}");
                start = null;
            }
        }

        return string.Join(", ", ranges);
    }

    /// <summary>Duplicated sequence numbers as ranges, with the files they came from, for the test output.</summary>
    public string DuplicateRanges(int max = 10)
    {
        var dups = Records.GroupBy(r => GeneratedLog.Seq(r.Message.Value)).Where(g => g.Key is not null && g.Count() > 1)
            .OrderBy(g => g.Key).ToList();
        var ranges = new List<string>();
        for (var i = 0; i < dups.Count && ranges.Count < max;)
        {
            var j = i;
            while (j + 1 < dups.Count && dups[j + 1].Key == dups[j].Key + 1)
            {
                j++;
            }

            var files = string.Join("|", dups[i].Select(r => $"{r.Header("lp.file")}@{r.Header("lp.offset")}"));
            ranges.Add($"{dups[i].Key}-{dups[j].Key} ({files})");
            i = j + 1;
        }

        return string.Join(", ", ranges);
    }

    public long Missing(long first, long count)
    {
        long missing = 0;
        for (var s = first; s < first + count; s++)
        {
            if (!Distinct.Contains(s))
            {
                missing++;
            }
        }

        return missing;
    }
}
