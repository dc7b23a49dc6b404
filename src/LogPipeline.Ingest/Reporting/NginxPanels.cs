using LogPipeline.Ingest.Indexing;

namespace LogPipeline.Ingest.Reporting;

/// <summary>
/// The panels of the "nginx access" dashboard, in dashboard order. The NDJSON in <c>dashboards/</c> is generated
/// from this list and the <c>report</c> command queries it, so a change here changes both.
/// </summary>
public static class NginxPanels
{
    public const string DataViewPattern = "logs-logpipeline.nginx-*";

    public static IReadOnlyList<NamedRange> StatusClasses { get; } =
    [
        new("2xx", 200, 300),
        new("3xx", 300, 400),
        new("4xx", 400, 500),
        new("5xx", 500, 600),
    ];

    private static readonly PanelMetric UniqueVisitors = new(MetricKind.UniqueCount, EcsFields.SourceIp, "Unique visitors");

    public static IReadOnlyList<PanelSpec> All { get; } =
    [
        new("requests", "Requests", ChartKind.Metric, PanelMetric.Requests, null, null, null, new(0, 0, 12, 8), InReport: true),
        new("unique-visitors", "Unique visitors", ChartKind.Metric, UniqueVisitors, null, null, null, new(12, 0, 12, 8), InReport: true,
            Description: "Distinct client addresses (source.ip); approximate above a few thousand, like Elasticsearch's cardinality."),
        new("bytes-served", "Bytes served", ChartKind.Metric, new(MetricKind.Sum, EcsFields.HttpResponseBodyBytes, "Bytes served"), null, null, null, new(24, 0, 12, 8), InReport: true),
        new("not-found", "404 responses", ChartKind.Metric, PanelMetric.Requests, null, null, new(EcsFields.HttpResponseStatusCode, 404), new(36, 0, 12, 8), InReport: true),

        new("requests-over-time", "Requests over time", ChartKind.Line, PanelMetric.Requests,
            new DateHistogramBucket(EcsFields.Timestamp, "Hour", "1h"), null, null, new(0, 8, 24, 15), InReport: false),
        new("status-over-time", "Status codes over time", ChartKind.StackedBars, PanelMetric.Requests,
            new DateHistogramBucket(EcsFields.Timestamp, "Hour", "1h"), new RangeBucket(EcsFields.HttpResponseStatusCode, "Status class", StatusClasses), null,
            new(24, 8, 24, 15), InReport: false),

        new("countries", "Visitors by country", ChartKind.Table, PanelMetric.Requests,
            new TermsBucket(EcsFields.SourceGeoCountryName, "Country", 20), null, null, new(0, 23, 16, 18), InReport: true,
            Description: "Works offline (no map service needed)."),
        new("countries-map", "Visitors by country (map)", ChartKind.RegionMap, PanelMetric.Requests,
            new TermsBucket(EcsFields.SourceGeoCountryIsoCode, "Country code", 250), null, null, new(16, 23, 32, 18), InReport: false,
            Description: "Needs Elastic Maps Service (internet access from the browser); use the country table when offline."),

        new("browsers", "Browser share", ChartKind.Donut, PanelMetric.Requests,
            new TermsBucket(EcsFields.UserAgentName, "Browser", 10), null, null, new(0, 41, 16, 15), InReport: true),
        new("operating-systems", "Operating systems", ChartKind.Donut, PanelMetric.Requests,
            new TermsBucket(EcsFields.UserAgentOsName, "Operating system", 10), null, null, new(16, 41, 16, 15), InReport: true),
        new("devices", "Device types", ChartKind.Donut, PanelMetric.Requests,
            new TermsBucket(EcsFields.UserAgentDeviceName, "Device", 10), null, null, new(32, 41, 16, 15), InReport: true),

        new("hour-of-day", "Requests by hour of day", ChartKind.Bars, PanelMetric.Requests,
            new TermsBucket(EcsFields.NginxHourOfDay, "Hour of day", 24, OrderByKey: true, DenseRange: (0, 23)), null, null, new(0, 56, 24, 15), InReport: true,
            Description: "Hour in the server's own UTC offset as written in the log line."),
        new("day-of-week", "Requests by day of week", ChartKind.Bars, PanelMetric.Requests,
            new TermsBucket(EcsFields.NginxDayOfWeek, "Day of week (1 = Monday)", 7, OrderByKey: true, DenseRange: (1, 7)), null, null, new(24, 56, 24, 15), InReport: true),

        new("top-pages", "Top pages", ChartKind.Table, PanelMetric.Requests,
            new TermsBucket(EcsFields.UrlPath, "Page", 20), null, null, new(0, 71, 16, 18), InReport: true),
        new("not-found-pages", "404 pages", ChartKind.Table, PanelMetric.Requests,
            new TermsBucket(EcsFields.UrlPath, "Page", 20), null, new(EcsFields.HttpResponseStatusCode, 404), new(16, 71, 16, 18), InReport: true),
        new("referrers", "Top referrers", ChartKind.Table, PanelMetric.Requests,
            new TermsBucket(EcsFields.HttpRequestReferrer, "Referrer", 20), null, null, new(32, 71, 16, 18), InReport: true),

        new("status-classes", "Status classes", ChartKind.Donut, PanelMetric.Requests,
            new RangeBucket(EcsFields.HttpResponseStatusCode, "Status class", StatusClasses), null, null, new(0, 89, 16, 15), InReport: true),
        new("unique-visitors-per-day", "Unique visitors per day", ChartKind.Bars, UniqueVisitors,
            new DateHistogramBucket(EcsFields.Timestamp, "Day", "1d"), null, null, new(16, 89, 32, 15), InReport: true),
    ];
}
