using System.Text.Json.Nodes;
using LogPipeline.Ingest.Reporting;

namespace LogPipeline.Ingest.Setup.Dashboards;

/// <summary>Turns a <see cref="PanelSpec"/> into a Kibana Lens saved object (form-based datasource, one layer).</summary>
public static class LensPanel
{
    public const string SplitColumn = "split";
    public const string BreakdownColumn = "breakdown";
    public const string MetricColumn = "metric";

    public static string ObjectId(PanelSpec panel) => "logpipeline-nginx-" + panel.Id;

    public static string LayerId(PanelSpec panel) => panel.Id + "-layer";

    public static JsonObject Build(PanelSpec panel, string dataViewId)
    {
        var layerId = LayerId(panel);
        var columns = new JsonObject();
        var order = new JsonArray();
        if (panel.Split is { } split)
        {
            columns[SplitColumn] = BucketColumn(split);
            order.Add(SplitColumn);
        }

        if (panel.Breakdown is { } breakdown)
        {
            columns[BreakdownColumn] = BucketColumn(breakdown);
            order.Add(BreakdownColumn);
        }

        columns[MetricColumn] = MetricColumnFor(panel.Metric);
        order.Add(MetricColumn);

        return new JsonObject
        {
            ["type"] = "lens",
            ["id"] = ObjectId(panel),
            ["attributes"] = new JsonObject
            {
                ["title"] = panel.Title,
                ["description"] = panel.Description,
                ["visualizationType"] = VisualizationType(panel.Chart),
                ["state"] = new JsonObject
                {
                    ["visualization"] = Visualization(panel, layerId),
                    ["query"] = new JsonObject { ["query"] = panel.Filter?.Kql ?? string.Empty, ["language"] = "kuery" },
                    ["filters"] = new JsonArray(),
                    ["datasourceStates"] = new JsonObject
                    {
                        ["formBased"] = new JsonObject
                        {
                            ["layers"] = new JsonObject
                            {
                                [layerId] = new JsonObject
                                {
                                    ["columns"] = columns,
                                    ["columnOrder"] = order,
                                    ["sampling"] = 1,
                                    ["ignoreGlobalFilters"] = false,
                                    ["incompleteColumns"] = new JsonObject(),
                                },
                            },
                        },
                    },
                    ["internalReferences"] = new JsonArray(),
                    ["adHocDataViews"] = new JsonObject(),
                },
            },
            ["references"] = new JsonArray
            {
                new JsonObject { ["type"] = "index-pattern", ["id"] = dataViewId, ["name"] = "indexpattern-datasource-layer-" + layerId },
            },
            ["coreMigrationVersion"] = DashboardGenerator.CoreMigrationVersion,
            ["typeMigrationVersion"] = "8.9.0",
        };
    }

    public static string VisualizationType(ChartKind chart) => chart switch
    {
        ChartKind.Table => "lnsDatatable",
        ChartKind.Donut => "lnsPie",
        ChartKind.Bars or ChartKind.HorizontalBars or ChartKind.StackedBars or ChartKind.Line => "lnsXY",
        ChartKind.Metric => "lnsMetric",
        ChartKind.RegionMap => "lnsChoropleth",
        _ => throw new ArgumentOutOfRangeException(nameof(chart), chart, null),
    };

    private static JsonObject Visualization(PanelSpec panel, string layerId)
    {
        switch (panel.Chart)
        {
            case ChartKind.Table:
                return new JsonObject
                {
                    ["layerId"] = layerId,
                    ["layerType"] = "data",
                    ["columns"] = new JsonArray(new JsonObject { ["columnId"] = SplitColumn }, new JsonObject { ["columnId"] = MetricColumn }),
                };
            case ChartKind.Donut:
                return new JsonObject
                {
                    ["shape"] = "donut",
                    ["layers"] = new JsonArray(new JsonObject
                    {
                        ["layerId"] = layerId,
                        ["layerType"] = "data",
                        ["primaryGroups"] = new JsonArray(SplitColumn),
                        ["metrics"] = new JsonArray(MetricColumn),
                        ["numberDisplay"] = "percent",
                        ["categoryDisplay"] = "default",
                        ["legendDisplay"] = "default",
                        ["nestedLegend"] = false,
                    }),
                };
            case ChartKind.Metric:
                return new JsonObject { ["layerId"] = layerId, ["layerType"] = "data", ["metricAccessor"] = MetricColumn };
            case ChartKind.RegionMap:
                return new JsonObject
                {
                    ["layerId"] = layerId,
                    ["layerType"] = "data",
                    ["regionAccessor"] = SplitColumn,
                    ["valueAccessor"] = MetricColumn,
                    ["emsLayerId"] = "world_countries",
                    ["emsField"] = "iso2",
                };
            default:
                var seriesType = panel.Chart switch
                {
                    ChartKind.HorizontalBars => "bar_horizontal",
                    ChartKind.StackedBars => "bar_stacked",
                    ChartKind.Line => "line",
                    _ => "bar",
                };
                var layer = new JsonObject
                {
                    ["layerId"] = layerId,
                    ["layerType"] = "data",
                    ["seriesType"] = seriesType,
                    ["xAccessor"] = SplitColumn,
                    ["accessors"] = new JsonArray(MetricColumn),
                    ["position"] = "top",
                    ["showGridlines"] = false,
                };
                if (panel.Breakdown is not null)
                {
                    layer["splitAccessor"] = BreakdownColumn;
                }

                return new JsonObject
                {
                    ["legend"] = new JsonObject { ["isVisible"] = panel.Breakdown is not null, ["position"] = "right" },
                    ["valueLabels"] = "hide",
                    ["preferredSeriesType"] = seriesType,
                    ["fittingFunction"] = "None",
                    ["layers"] = new JsonArray(layer),
                };
        }
    }

    private static JsonObject BucketColumn(PanelBucket bucket) => bucket switch
    {
        TermsBucket t => new JsonObject
        {
            ["label"] = t.Label,
            ["customLabel"] = true,
            ["dataType"] = DataType(t.Field),
            ["operationType"] = "terms",
            ["scale"] = "ordinal",
            ["sourceField"] = t.Field,
            ["isBucketed"] = true,
            ["params"] = new JsonObject
            {
                ["size"] = t.Size,
                ["orderBy"] = t.OrderByKey
                    ? new JsonObject { ["type"] = "alphabetical", ["fallback"] = false }
                    : new JsonObject { ["type"] = "column", ["columnId"] = MetricColumn },
                ["orderDirection"] = t.OrderByKey ? "asc" : "desc",
                ["otherBucket"] = false,
                ["missingBucket"] = false,
                ["parentFormat"] = new JsonObject { ["id"] = "terms" },
                ["include"] = new JsonArray(),
                ["exclude"] = new JsonArray(),
                ["includeIsRegex"] = false,
                ["excludeIsRegex"] = false,
            },
        },
        DateHistogramBucket d => new JsonObject
        {
            ["label"] = d.Label,
            ["customLabel"] = true,
            ["dataType"] = "date",
            ["operationType"] = "date_histogram",
            ["scale"] = "interval",
            ["sourceField"] = d.Field,
            ["isBucketed"] = true,
            ["params"] = new JsonObject { ["interval"] = d.Interval, ["includeEmptyRows"] = true, ["dropPartials"] = false },
        },
        RangeBucket r => new JsonObject
        {
            ["label"] = r.Label,
            ["customLabel"] = true,
            ["dataType"] = "number",
            ["operationType"] = "range",
            ["scale"] = "ordinal",
            ["sourceField"] = r.Field,
            ["isBucketed"] = true,
            ["params"] = new JsonObject
            {
                ["type"] = "range",
                ["ranges"] = new JsonArray([.. r.Ranges.Select(x => (JsonNode)new JsonObject { ["from"] = x.From, ["to"] = x.To, ["label"] = x.Key })]),
                ["maxBars"] = "auto",
                ["includeEmptyRows"] = false,
                ["parentFormat"] = new JsonObject { ["id"] = "range", ["params"] = new JsonObject { ["template"] = "arrow_right", ["replaceInfinity"] = true } },
            },
        },
        _ => throw new ArgumentOutOfRangeException(nameof(bucket), bucket, null),
    };

    private static JsonObject MetricColumnFor(PanelMetric metric) => new()
    {
        ["label"] = metric.Label,
        ["customLabel"] = true,
        ["dataType"] = "number",
        ["operationType"] = metric.Kind switch
        {
            MetricKind.Count => "count",
            MetricKind.UniqueCount => "unique_count",
            MetricKind.Sum => "sum",
            _ => throw new ArgumentOutOfRangeException(nameof(metric), metric.Kind, null),
        },
        ["scale"] = "ratio",
        ["sourceField"] = metric.Field ?? "___records___",
        ["isBucketed"] = false,
        ["params"] = new JsonObject { ["emptyAsNull"] = true },
    };

    private static string DataType(string field) =>
        IndexTemplates.FieldTypes.TryGetValue(field, out var type)
            ? type switch
            {
                "long" or "integer" or "short" or "byte" or "double" or "scaled_float" => "number",
                "ip" => "ip",
                "date" => "date",
                "boolean" => "boolean",
                _ => "string",
            }
            : throw new InvalidOperationException($"Field '{field}' is not in the index template; add it to EcsFields and IndexTemplates.FieldTypes.");
}
