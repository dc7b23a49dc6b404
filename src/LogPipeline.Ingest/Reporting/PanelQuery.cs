using System.Globalization;
using System.Text.Json.Nodes;
using LogPipeline.Ingest.Indexing;

namespace LogPipeline.Ingest.Reporting;

/// <summary>
/// The Elasticsearch <c>_search</c> body behind a panel: the same buckets, order, sizes and metrics that the
/// Lens panel asks Kibana for, restricted to a time range and to what the dashboard's controls select
/// (<see cref="ReportScope"/>).
/// </summary>
public static class PanelQuery
{
    public const string SplitAgg = "split";
    public const string BreakdownAgg = "breakdown";
    public const string MetricAgg = "metric";

    /// <summary>Name of the aggregation of the panel's <paramref name="index"/>-th metric (0 = <see cref="PanelSpec.Metric"/>).</summary>
    public static string MetricName(int index) => index == 0 ? MetricAgg : MetricAgg + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>The percentile's key in an Elasticsearch <c>percentiles</c> answer (<c>values</c> keyed "95.0").</summary>
    public static string PercentileKey(int percentile) => percentile.ToString("0.0", CultureInfo.InvariantCulture);

    public static JsonObject Build(PanelSpec panel, DateTimeOffset from, DateTimeOffset to) => Build(panel, from, to, ReportScope.Everything);

    public static JsonObject Build(PanelSpec panel, DateTimeOffset from, DateTimeOffset to, ReportScope scope)
    {
        if (panel.RecentWindow is { } window && to - window > from)
        {
            from = to - window;
        }

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
            filters.Add(filter.Query());
        }

        if (!panel.IgnoreDashboardFilters)
        {
            foreach (var selection in scope.Filters)
            {
                filters.Add(selection.Query());
            }
        }

        var body = new JsonObject
        {
            ["size"] = 0,
            ["track_total_hits"] = true,
            ["query"] = new JsonObject { ["bool"] = new JsonObject { ["filter"] = filters } },
        };

        var aggs = panel.Split is null ? MetricAggregations(panel) : Buckets(panel, panel.Split, panel.Breakdown, SplitAgg, scope);
        if (aggs is not null)
        {
            body["aggs"] = aggs;
        }

        return body;
    }

    private static JsonObject? Buckets(PanelSpec panel, PanelBucket split, PanelBucket? breakdown, string name, ReportScope scope)
    {
        var bucket = BucketAggregation(split, panel.Metric, scope);
        var children = breakdown is null ? MetricAggregations(panel) : Buckets(panel, breakdown, null, BreakdownAgg, scope);
        if (children is not null)
        {
            bucket["aggs"] = children;
        }

        return new JsonObject { [name] = bucket };
    }

    private static JsonObject? MetricAggregations(PanelSpec panel)
    {
        var aggs = new JsonObject();
        var i = 0;
        foreach (var metric in panel.Metrics)
        {
            if (MetricAggregation(metric) is { } agg)
            {
                aggs[MetricName(i)] = agg;
            }

            i++;
        }

        return aggs.Count == 0 ? null : aggs;
    }

    private static JsonObject? MetricAggregation(PanelMetric metric) => metric.Kind switch
    {
        MetricKind.Count => null, // doc_count of each bucket, or hits.total for the whole range
        MetricKind.UniqueCount => new JsonObject { ["cardinality"] = new JsonObject { ["field"] = metric.Field } },
        MetricKind.Sum => new JsonObject { ["sum"] = new JsonObject { ["field"] = metric.Field } },
        MetricKind.Percentile => new JsonObject { ["percentiles"] = new JsonObject { ["field"] = metric.Field, ["percents"] = new JsonArray(metric.Percentile) } },
        MetricKind.Share => new JsonObject { ["filter"] = metric.Where!.Query() },
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric.Kind, null),
    };

    private static JsonObject OrderBy(PanelMetric metric) => metric.Kind switch
    {
        MetricKind.Count => new JsonObject { ["_count"] = "desc" },
        MetricKind.Percentile => new JsonObject { [MetricAgg + "." + metric.Percentile.ToString(CultureInfo.InvariantCulture)] = "desc" },
        MetricKind.Share => throw new InvalidOperationException($"A share ({metric.Label}) cannot order terms buckets."),
        _ => new JsonObject { [MetricAgg] = "desc" },
    };

    private static JsonObject BucketAggregation(PanelBucket bucket, PanelMetric metric, ReportScope scope) => bucket switch
    {
        TermsBucket t => new JsonObject
        {
            ["terms"] = new JsonObject
            {
                ["field"] = t.Field,
                ["size"] = t.Size,
                ["order"] = t.OrderByKey ? new JsonObject { ["_key"] = "asc" } : OrderBy(metric),
            },
        },
        DateHistogramBucket d => new JsonObject
        {
            ["date_histogram"] = new JsonObject
            {
                ["field"] = d.Field,
                ["calendar_interval"] = d.Interval == DateHistogramBucket.Auto
                    ? throw new InvalidOperationException($"Panel bucket '{d.Label}' uses Kibana's auto interval; it is not in the report.")
                    : d.Interval,
                ["time_zone"] = scope.TimeZone,
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

/// <summary>
/// What the report covers besides the time range: the time zone of its calendar buckets (an IANA name, Elasticsearch
/// <c>date_histogram.time_zone</c>) and the selections of the dashboard's controls it mirrors.
/// </summary>
/// <param name="TimeZone">IANA zone id or <c>UTC</c>.</param>
/// <param name="Filters">Applied to every panel except those with <see cref="PanelSpec.IgnoreDashboardFilters"/>.</param>
public sealed record ReportScope(string TimeZone, IReadOnlyList<PanelFilter> Filters)
{
    public static ReportScope Everything { get; } = new("UTC", []);
}
