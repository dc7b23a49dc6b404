using System.Globalization;
using System.Text.Json.Nodes;

namespace LogPipeline.Ingest.Reporting;

/// <summary>One bucket as the report shows it.</summary>
public sealed record ResultBucket(string Key, double Value);

/// <summary>What a panel's query returned: one number (no split) or its buckets, plus the matched document count.</summary>
public sealed record PanelResult(PanelSpec Panel, long Total, double? Value, IReadOnlyList<ResultBucket> Buckets)
{
    /// <summary>Reads the <c>_search</c> answer to <see cref="PanelQuery.Build"/>.</summary>
    public static PanelResult Parse(PanelSpec panel, JsonObject response)
    {
        var total = response["hits"]?["total"]?["value"]?.GetValue<long>() ?? 0;
        var aggregations = response["aggregations"] as JsonObject;
        if (panel.Split is null)
        {
            var value = panel.Metric.Kind == MetricKind.Count ? total : Number(aggregations?[PanelQuery.MetricAgg]?["value"]);
            return new PanelResult(panel, total, value, []);
        }

        var buckets = new List<ResultBucket>();
        foreach (var bucket in (aggregations?[PanelQuery.SplitAgg]?["buckets"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var value = panel.Metric.Kind == MetricKind.Count ? Number(bucket["doc_count"]) : Number(bucket[PanelQuery.MetricAgg]?["value"]);
            buckets.Add(new ResultBucket(Key(panel.Split, bucket["key"]), value));
        }

        if (panel.Split is TermsBucket { DenseRange: { } range })
        {
            // Every hour (or weekday) gets a line, zero when nothing happened then.
            var byKey = buckets.ToDictionary(b => b.Key, StringComparer.Ordinal);
            buckets = [.. Enumerable.Range(range.Min, range.Max - range.Min + 1)
                .Select(k => k.ToString(CultureInfo.InvariantCulture))
                .Select(k => byKey.TryGetValue(k, out var b) ? b : new ResultBucket(k, 0))];
        }

        return new PanelResult(panel, total, null, buckets);
    }

    private static double Number(JsonNode? node) => node is JsonValue v && v.TryGetValue<double>(out var d) ? d : 0;

    private static string Key(PanelBucket split, JsonNode? key)
    {
        if (key is null)
        {
            return string.Empty;
        }

        if (split is DateHistogramBucket d && key is JsonValue v && v.TryGetValue<long>(out var millis))
        {
            var time = DateTimeOffset.FromUnixTimeMilliseconds(millis).UtcDateTime;
            return time.ToString(d.Interval == "1d" ? "yyyy-MM-dd" : "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        }

        if (key is JsonValue n && n.TryGetValue<double>(out var number))
        {
            return number.ToString(CultureInfo.InvariantCulture);
        }

        return key is JsonValue s && s.TryGetValue<string>(out var text) ? text : key.ToJsonString();
    }
}
