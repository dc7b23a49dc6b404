using System.Text.Json.Nodes;
using LogPipeline.Ingest.Reporting;

namespace LogPipeline.Ingest.Setup.Dashboards;

/// <summary>Turns a <see cref="PanelSpec"/> into a Kibana Lens saved object (form-based datasource, one layer).</summary>
public static class LensPanel
{
    public const string SplitColumn = "split";
    public const string BreakdownColumn = "breakdown";
    public const string MetricColumn = PanelQuery.MetricAgg;

    public static string ObjectId(PanelSpec panel) => "logpipeline-nginx-" + panel.Id;

    public static string LayerId(PanelSpec panel) => panel.Id + "-layer";

    /// <summary>Column of the panel's <paramref name="index"/>-th metric; the same numbering as <see cref="PanelQuery.MetricName"/>.</summary>
    public static string MetricColumnId(int index) => PanelQuery.MetricName(index);

    private static IEnumerable<string> MetricColumnIds(PanelSpec panel) => panel.Metrics.Select((_, i) => MetricColumnId(i));

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

        var index = 0;
        foreach (var metric in panel.Metrics)
        {
            var id = MetricColumnId(index++);
            foreach (var (columnId, column) in MetricColumns(id, metric))
            {
                columns[columnId] = column;
                order.Add(columnId);
            }
        }

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
                                    ["ignoreGlobalFilters"] = panel.IgnoreDashboardFilters,
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
                    ["columns"] = new JsonArray([new JsonObject { ["columnId"] = SplitColumn }, .. MetricColumnIds(panel).Select(id => (JsonNode)new JsonObject { ["columnId"] = id })]),
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
                    ["accessors"] = new JsonArray([.. MetricColumnIds(panel).Select(id => (JsonNode)JsonValue.Create(id))]),
                    ["position"] = "top",
                    ["showGridlines"] = false,
                };
                if (panel.Breakdown is not null)
                {
                    layer["splitAccessor"] = BreakdownColumn;
                }

                return new JsonObject
                {
                    ["legend"] = new JsonObject { ["isVisible"] = panel.Breakdown is not null || panel.Also.Count > 0, ["position"] = "right" },
                    ["valueLabels"] = "hide",
                    ["preferredSeriesType"] = seriesType,
                    // Empty buckets are drawn as 0 (a quiet minute is a dip, not a gap).
                    ["fittingFunction"] = "Zero",
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

    private static IEnumerable<(string Id, JsonObject Column)> MetricColumns(string id, PanelMetric metric)
    {
        if (metric.Kind != MetricKind.Share)
        {
            yield return (id, FieldMetricColumn(metric, metric.Label, metric.Kind, metric.Field, filter: null));
            yield break;
        }

        // A Lens formula as Kibana persists it: the formula column, its hidden parts X0/X1 and the math column X2
        // that divides them (x-pack/plugins/lens/.../operations/definitions/formula).
        var kql = metric.Where!.Kql;
        var formula = $"count(kql='{kql.Replace("'", "\\'", StringComparison.Ordinal)}') / count()";
        var part = "Part of " + metric.Label;
        var numerator = id + "X0";
        var denominator = id + "X1";
        var math = id + "X2";
        var column = Base(metric.Label, "formula", null);
        column["params"] = new JsonObject { ["formula"] = formula, ["isFormulaBroken"] = false, ["format"] = Format(metric.Format) };
        column["references"] = new JsonArray(math);
        yield return (id, column);
        yield return (numerator, FieldMetricColumn(metric with { Format = ValueFormat.Number }, part, MetricKind.Count, null, kql));
        yield return (denominator, FieldMetricColumn(metric with { Format = ValueFormat.Number }, part, MetricKind.Count, null, filter: null));
        var divide = Base(part, "math", null);
        divide["params"] = new JsonObject
        {
            ["tinymathAst"] = new JsonObject
            {
                ["type"] = "function",
                ["name"] = "divide",
                ["args"] = new JsonArray(numerator, denominator),
                ["location"] = new JsonObject { ["min"] = 0, ["max"] = formula.Length },
                ["text"] = formula,
            },
        };
        divide["references"] = new JsonArray(numerator, denominator);
        yield return (math, divide);
    }

    private static JsonObject Base(string label, string operation, string? sourceField)
    {
        var column = new JsonObject
        {
            ["label"] = label,
            ["customLabel"] = true,
            ["dataType"] = "number",
            ["operationType"] = operation,
            ["scale"] = "ratio",
            ["isBucketed"] = false,
        };
        if (sourceField is not null)
        {
            column["sourceField"] = sourceField;
        }

        return column;
    }

    private static JsonObject FieldMetricColumn(PanelMetric metric, string label, MetricKind kind, string? field, string? filter)
    {
        var column = Base(label, kind switch
        {
            MetricKind.Count => "count",
            MetricKind.UniqueCount => "unique_count",
            MetricKind.Sum => "sum",
            MetricKind.Percentile => "percentile",
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        }, field ?? "___records___");
        var parameters = new JsonObject();
        if (kind == MetricKind.Percentile)
        {
            parameters["percentile"] = metric.Percentile;
        }
        else
        {
            // Show 0, not an empty cell, when nothing matched (count/unique_count/sum's emptyAsNull).
            parameters["emptyAsNull"] = false;
        }

        if (metric.Format != ValueFormat.Number)
        {
            parameters["format"] = Format(metric.Format);
        }

        column["params"] = parameters;
        if (filter is not null)
        {
            column["filter"] = new JsonObject { ["query"] = filter, ["language"] = "kuery" };
        }

        if (metric.PerMinute)
        {
            column["timeScale"] = "m";
        }

        return column;
    }

    /// <summary>Lens <c>ValueFormatConfig</c> (column_types.ts): the field-format id and its parameters.</summary>
    private static JsonObject Format(ValueFormat format) => format switch
    {
        ValueFormat.Bytes => new JsonObject { ["id"] = "bytes", ["params"] = new JsonObject { ["decimals"] = 1 } },
        ValueFormat.Percent => new JsonObject { ["id"] = "percent", ["params"] = new JsonObject { ["decimals"] = 1 } },
        ValueFormat.Nanoseconds => new JsonObject
        {
            ["id"] = "duration",
            ["params"] = new JsonObject { ["decimals"] = 1, ["fromUnit"] = "nanoseconds", ["toUnit"] = "asMilliseconds" },
        },
        _ => new JsonObject { ["id"] = "number", ["params"] = new JsonObject { ["decimals"] = 0 } },
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
