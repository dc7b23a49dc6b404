using System.Globalization;
using System.Text.Json.Nodes;

namespace LogPipeline.Ingest.Reporting;

/// <summary>One bucket as the report shows it: the panel's metric and, in <see cref="Also"/>, its further metrics.</summary>
public sealed record ResultBucket(string Key, double Value)
{
    public IReadOnlyList<double> Also { get; init; } = [];

    public bool Equals(ResultBucket? other) =>
        other is not null && Key == other.Key && Value.Equals(other.Value) && Also.SequenceEqual(other.Also);

    public override int GetHashCode() => HashCode.Combine(Key, Value, Also.Count);
}

/// <summary>What a panel's query returned: one number (no split) or its buckets, plus the matched document count.</summary>
public sealed record PanelResult(PanelSpec Panel, long Total, double? Value, IReadOnlyList<ResultBucket> Buckets)
{
    /// <summary>Reads the <c>_search</c> answer to <see cref="PanelQuery.Build(PanelSpec, DateTimeOffset, DateTimeOffset)"/> (date keys in UTC).</summary>
    public static PanelResult Parse(PanelSpec panel, JsonObject response) => Parse(panel, response, TimeZoneInfo.Utc);

    /// <summary>Reads the answer; date-histogram keys are printed in <paramref name="zone"/> (the query's time_zone).</summary>
    public static PanelResult Parse(PanelSpec panel, JsonObject response, TimeZoneInfo zone)
    {
        var total = response["hits"]?["total"]?["value"]?.GetValue<long>() ?? 0;
        var aggregations = response["aggregations"] as JsonObject;
        var metrics = panel.Metrics.ToList();
        if (panel.Split is null)
        {
            return new PanelResult(panel, total, MetricValue(metrics[0], 0, aggregations, total), []);
        }

        var buckets = new List<ResultBucket>();
        foreach (var bucket in (aggregations?[PanelQuery.SplitAgg]?["buckets"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var count = (long)Number(bucket["doc_count"]);
            buckets.Add(new ResultBucket(Key(panel.Split, bucket["key"], zone), MetricValue(metrics[0], 0, bucket, count))
            {
                Also = [.. metrics.Skip(1).Select((m, i) => MetricValue(m, i + 1, bucket, count))],
            });
        }

        if (panel.Split is TermsBucket { DenseRange: { } range })
        {
            // Every hour (or weekday) gets a line, zero when nothing happened then.
            var byKey = buckets.ToDictionary(b => b.Key, StringComparer.Ordinal);
            buckets = [.. Enumerable.Range(range.Min, range.Max - range.Min + 1)
                .Select(k => k.ToString(CultureInfo.InvariantCulture))
                .Select(k => byKey.TryGetValue(k, out var b) ? b : new ResultBucket(k, 0) { Also = [.. metrics.Skip(1).Select(_ => 0.0)] })];
        }

        return new PanelResult(panel, total, null, buckets);
    }

    /// <summary>The metric's value in a bucket (or the top level) holding <paramref name="count"/> documents; 0 when empty, as the dashboard shows it.</summary>
    private static double MetricValue(PanelMetric metric, int index, JsonObject? holder, long count)
    {
        var agg = holder?[PanelQuery.MetricName(index)];
        return metric.Kind switch
        {
            MetricKind.Count => count,
            MetricKind.Share => count == 0 ? 0 : Number(agg?["doc_count"]) / count,
            MetricKind.Percentile => Number(agg?["values"]?[PanelQuery.PercentileKey(metric.Percentile)]),
            _ => Number(agg?["value"]),
        };
    }

    private static double Number(JsonNode? node) => node is JsonValue v && v.TryGetValue<double>(out var d) ? d : 0;

    private static string Key(PanelBucket split, JsonNode? key, TimeZoneInfo zone)
    {
        if (key is null)
        {
            return string.Empty;
        }

        if (split is DateHistogramBucket d && key is JsonValue v && v.TryGetValue<long>(out var millis))
        {
            var time = TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds(millis), zone);
            return time.ToString(d.Interval == "1d" ? "yyyy-MM-dd" : "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        }

        if (key is JsonValue n && n.TryGetValue<double>(out var number))
        {
            return number.ToString(CultureInfo.InvariantCulture);
        }

        return key is JsonValue s && s.TryGetValue<string>(out var text) ? text : key.ToJsonString();
    }
}
