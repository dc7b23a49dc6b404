using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace LogPipeline.EndToEnd.Tests.Harness;

/// <summary>
/// What reached the index, per sequence id: which expected ids are missing, which are there more than once
/// (two documents with different <c>_id</c>s for one line — a real duplicate, not a Kafka re-send), and
/// which documents carry an id nobody wrote.
/// </summary>
internal sealed partial class DeliveryReport
{
    private DeliveryReport(IReadOnlyCollection<int> expected, Dictionary<int, int> perSeq, int documents, int withoutSeq)
    {
        Expected = expected.Count;
        PerSeq = perSeq;
        Documents = documents;
        WithoutSeq = withoutSeq;
        var expectedSet = expected as IReadOnlySet<int> ?? expected.ToHashSet();
        Missing = [.. expected.Where(s => !perSeq.ContainsKey(s)).Order()];
        Duplicated = [.. perSeq.Where(kv => kv.Value > 1).Select(kv => kv.Key).Order()];
        Unexpected = [.. perSeq.Keys.Where(s => !expectedSet.Contains(s)).Order()];
    }

    public int Expected { get; }

    public int Documents { get; }

    public int WithoutSeq { get; }

    public IReadOnlyDictionary<int, int> PerSeq { get; }

    public IReadOnlyList<int> Missing { get; }

    public IReadOnlyList<int> Duplicated { get; }

    public IReadOnlyList<int> Unexpected { get; }

    public int Distinct => PerSeq.Count;

    public bool ExactlyOnce => Missing.Count == 0 && Duplicated.Count == 0 && Unexpected.Count == 0;

    public static DeliveryReport FromDocuments(IReadOnlyCollection<int> expected, IReadOnlyDictionary<string, JsonObject> documents)
    {
        var perSeq = new Dictionary<int, int>();
        var withoutSeq = 0;
        foreach (var document in documents.Values)
        {
            if (TryExtractSeq(document, out var seq))
            {
                perSeq[seq] = perSeq.GetValueOrDefault(seq) + 1;
            }
            else
            {
                withoutSeq++;
            }
        }

        return new DeliveryReport(expected, perSeq, documents.Count, withoutSeq);
    }

    /// <summary>The sequence id of a document: from url.query / url.original (nested or dotted), else anywhere in it.</summary>
    public static bool TryExtractSeq(JsonObject document, out int seq)
    {
        foreach (var candidate in new[]
                 {
                     document["url"]?["query"], document["url"]?["original"], document["url.query"], document["url.original"],
                 })
        {
            if (candidate is JsonValue value && value.TryGetValue<string>(out var text) && TryExtractSeq(text, out seq))
            {
                return true;
            }
        }

        return TryExtractSeq(document.ToJsonString(), out seq);
    }

    public static bool TryExtractSeq(byte[] raw, out int seq) => TryExtractSeq(Encoding.UTF8.GetString(raw), out seq);

    public static bool TryExtractSeq(string text, out int seq)
    {
        var match = SeqPattern().Match(text);
        seq = match.Success ? int.Parse(match.Groups[1].ValueSpan) : -1;
        return match.Success;
    }

    /// <summary>A one-paragraph summary for assertion messages and the reliability table.</summary>
    public override string ToString() =>
        $"expected {Expected}, documents {Documents}, distinct {Distinct}, missing {Missing.Count}{Sample(Missing)}, " +
        $"duplicated {Duplicated.Count}{Sample(Duplicated)}, unexpected {Unexpected.Count}, without seq {WithoutSeq}";

    private static string Sample(IReadOnlyList<int> ids) =>
        ids.Count == 0 ? string.Empty : " [" + string.Join(",", ids.Take(12)) + (ids.Count > 12 ? ",…" : string.Empty) + "]";

    [GeneratedRegex(@"[?&]seq=(\d{1,9})(?!\d)")]
    private static partial Regex SeqPattern();
}
