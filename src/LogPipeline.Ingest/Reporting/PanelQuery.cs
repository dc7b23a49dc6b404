using System.Globalization;
using System.Text.Json.Nodes;
using LogPipeline.Ingest.Indexing;

namespace LogPipeline.Ingest.Reporting;

/// <summary>
/// The Elasticsearch <c>_search</c> body behind a panel: the same buckets, order, sizes and metric that the
/// Lens panel asks Kibana for, restricted to a time range.
/// </summary>
public static class PanelQuery
{
    public const string SplitAgg = "split";
    public const string BreakdownAgg = "breakdown";
    public const string MetricAgg = "metric";

    public static JsonObject Build(PanelSpec panel, DateTimeOffset from, DateTimeOffset to)
    {
        var filters = new JsonArray
        {
            new JsonObject
            {
                ["range"] = new JsonObject
                {
                    [EcsFields.Timestamp] = new JsonObject
                    {
                        ["gte"] = from.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                        ["lt"] = to.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                        ["format"] = "strict_date_optional_time",
                    },
                },
            },
        };
        if (panel.Filter is { } filter)
        {
            filters.Add(new JsonObject { ["term"] = new JsonObject { [filter.Field] = filter.Value } });
        }

        var body = new JsonObject
        {
            ["size"] = 0,
            ["track_total_hits"] = true,
            ["query"] = new JsonObject { ["bool"] = new JsonObject { ["filter"] = filters } },
        };

        var aggs = Aggregations(panel.Metric, panel.Split, panel.Breakdown, SplitAgg);
        if (aggs is not null)
        {
            body["aggs"] = aggs;
        }

        return body;
    }

    private static JsonObject? Aggregations(PanelMetric metric, PanelBucket? split, PanelBucket? breakdown, string name)
    {
        if (split is null)
        {
            return MetricAggregation(metric);
        }

        var bucket = BucketAggregation(split, metric);
        var children = Aggregations(metric, breakdown, null, BreakdownAgg);
        if (children is not null)
        {
            bucket["aggs"] = children;
        }

        return new JsonObject { [name] = bucket };
    }

    private static JsonObject? MetricAggregation(PanelMetric metric) => metric.Kind switch
    {
        MetricKind.Count => null, // doc_count of each bucket, or hits.total for the whole range
        MetricKind.UniqueCount => new JsonObject { [MetricAgg] = new JsonObject { ["cardinality"] = new JsonObject { ["field"] = metric.Field } } },
        MetricKind.Sum => new JsonObject { [MetricAgg] = new JsonObject { ["sum"] = new JsonObject { ["field"] = metric.Field } } },
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric.Kind, null),
    };

    private static JsonObject BucketAggregation(PanelBucket bucket, PanelMetric metric) => bucket switch
    {
        TermsBucket t => new JsonObject
        {
            ["terms"] = new JsonObject
            {
                ["field"] = t.Field,
                ["size"] = t.Size,
                ["order"] = t.OrderByKey
                    ? new JsonObject { ["_key"] = "asc" }
                    : metric.Kind == MetricKind.Count
                        ? new JsonObject { ["_count"] = "desc" }
                        : new JsonObject { [MetricAgg] = "desc" },
            },
        },
        DateHistogramBucket d => new JsonObject
        {
            ["date_histogram"] = new JsonObject
            {
                ["field"] = d.Field,
                ["calendar_interval"] = d.Interval,
                ["time_zone"] = "UTC",
                ["min_doc_count"] = 1,
            },
        },
        RangeBucket r => new JsonObject
        {
            ["range"] = new JsonObject
            {
                ["field"] = r.Field,
                ["ranges"] = new JsonArray([.. r.Ranges.Select(x => (JsonNode)new JsonObject { ["key"] = x.Key, ["from"] = x.From, ["to"] = x.To })]),
            },
        },
        _ => throw new ArgumentOutOfRangeException(nameof(bucket), bucket, null),
    };
}
