using LogPipeline.Ingest.Indexing;

namespace LogPipeline.Ingest.Reporting;

/// <summary>
/// The panels and controls of the "nginx access" dashboard, in dashboard order. The NDJSON in <c>dashboards/</c>
/// is generated from these lists and the <c>report</c> command queries them, so a change here changes both.
/// </summary>
public static class NginxPanels
{
    public const string DataViewPattern = "logs-logpipeline.nginx-*";

    /// <summary>The value of <see cref="EcsFields.LogPipelineVisitorType"/> the visitor-type control selects by default.</summary>
    public const string Human = "human";

    public const string Bot = "bot";

    public static IReadOnlyList<NamedRange> StatusClasses { get; } =
    [
        new("2xx", 200, 300),
        new("3xx", 300, 400),
        new("4xx", 400, 500),
        new("5xx", 500, 600),
    ];

    /// <summary>Options-list controls above the panels, in order; their selections filter every panel except the bot section.</summary>
    public static IReadOnlyList<DashboardControl> Controls { get; } =
    [
        new("visitor-type", EcsFields.LogPipelineVisitorType, "Visitor type", [Human]),
        new("namespace", EcsFields.KubernetesNamespace, "Namespace", []),
        new("app", EcsFields.ServiceName, "App", []),
        new("pod", EcsFields.KubernetesPodName, "Pod", []),
        new("node", EcsFields.KubernetesNodeName, "Node", []),
        new("site", EcsFields.UrlDomain, "Site", []),
    ];

    public static PanelMetric Visitors { get; } = new(MetricKind.UniqueCount, EcsFields.LogPipelineVisitorId, "Visitors");

    private static readonly PanelFilter BotsOnly = new KeywordFilter(EcsFields.LogPipelineVisitorType, Bot);
    private static readonly TimeSpan RightNow = TimeSpan.FromMinutes(5);

    private static PanelMetric Duration(int percentile) =>
        new(MetricKind.Percentile, EcsFields.EventDuration, $"p{percentile}") { Percentile = percentile, Format = ValueFormat.Nanoseconds };

    public static IReadOnlyList<PanelSpec> All { get; } =
    [
        // Right now: the last 5 minutes (a time range of the panel's own) and the per-minute rate.
        new("visitors-now", "Visitors, last 5 minutes", ChartKind.Metric, Visitors, null, null, null, new(0, 0, 12, 7), InReport: true,
            Description: "Unique visitors (IP + day + user agent) in the last 5 minutes; this panel keeps its own time range.")
        { RecentWindow = RightNow },
        new("requests-now", "Requests, last 5 minutes", ChartKind.Metric, PanelMetric.Requests, null, null, null, new(12, 0, 12, 7), InReport: true)
        { RecentWindow = RightNow },
        new("requests-over-time", "Requests per minute", ChartKind.Line, PanelMetric.Requests with { Label = "Requests per minute", PerMinute = true },
            new DateHistogramBucket(EcsFields.Timestamp, "Time", DateHistogramBucket.Auto), null, null, new(24, 0, 24, 14), InReport: false,
            Description: "Requests per minute; Kibana picks the bucket size from the time range, empty buckets are drawn as 0."),

        // Headline numbers for the dashboard's range.
        new("unique-visitors", "Visitors", ChartKind.Metric, Visitors, null, null, null, new(0, 7, 6, 7), InReport: true,
            Description: "Unique visitors: distinct logpipeline.visitor.id (IP + calendar day + user agent, like GoAccess); approximate above a few thousand, like Elasticsearch's cardinality."),
        new("requests", "Requests", ChartKind.Metric, PanelMetric.Requests, null, null, null, new(6, 7, 6, 7), InReport: true),
        new("bytes-served", "Bytes served", ChartKind.Metric, new(MetricKind.Sum, EcsFields.HttpResponseBodyBytes, "Bytes served") { Format = ValueFormat.Bytes },
            null, null, null, new(12, 7, 6, 7), InReport: true),
        new("error-rate", "Error rate", ChartKind.Metric,
            new(MetricKind.Share, null, "Error rate") { Where = new AtLeastFilter(EcsFields.HttpResponseStatusCode, 500), Format = ValueFormat.Percent },
            null, null, null, new(18, 7, 6, 7), InReport: true,
            Description: "Share of requests answered with a 5xx status."),

        new("not-found", "404 responses", ChartKind.Metric, PanelMetric.Requests, null, null, new TermFilter(EcsFields.HttpResponseStatusCode, 404), new(0, 14, 12, 7), InReport: true),
        new("status-over-time", "Status codes over time", ChartKind.StackedBars, PanelMetric.Requests,
            new DateHistogramBucket(EcsFields.Timestamp, "Time", DateHistogramBucket.Auto), new RangeBucket(EcsFields.HttpResponseStatusCode, "Status class", StatusClasses), null,
            new(12, 14, 36, 14), InReport: false),

        new("countries", "Visitors by country", ChartKind.Table, Visitors,
            new TermsBucket(EcsFields.SourceGeoCountryName, "Country", 20), null, null, new(0, 28, 16, 18), InReport: true,
            Description: "Works offline (no map service needed).")
        { Also = [PanelMetric.Requests] },
        new("countries-map", "Visitors by country (map)", ChartKind.RegionMap, Visitors,
            new TermsBucket(EcsFields.SourceGeoCountryIsoCode, "Country code", 250), null, null, new(16, 28, 32, 18), InReport: false,
            Description: "Needs Elastic Maps Service (internet access from the browser); use the country table when offline."),

        new("browsers", "Browsers", ChartKind.HorizontalBars, Visitors,
            new TermsBucket(EcsFields.UserAgentName, "Browser", 10), null, null, new(0, 46, 16, 15), InReport: true)
        { Also = [PanelMetric.Requests] },
        new("operating-systems", "Operating systems", ChartKind.HorizontalBars, Visitors,
            new TermsBucket(EcsFields.UserAgentOsName, "Operating system", 10), null, null, new(16, 46, 16, 15), InReport: true)
        { Also = [PanelMetric.Requests] },
        new("devices", "Device types", ChartKind.HorizontalBars, Visitors,
            new TermsBucket(EcsFields.LogPipelineUserAgentDeviceType, "Device type", 5), null, null, new(32, 46, 16, 15), InReport: true,
            Description: "desktop, mobile, tablet, bot or other, derived from uap-core (rule in docs/ingest.md).")
        { Also = [PanelMetric.Requests] },

        new("hour-of-day", "Requests by hour of day", ChartKind.Bars, PanelMetric.Requests,
            new TermsBucket(EcsFields.NginxHourOfDay, "Hour of day", 24, OrderByKey: true, DenseRange: (0, 23)), null, null, new(0, 61, 24, 15), InReport: true,
            Description: "Hour in the server's own UTC offset as written in the log line."),
        new("day-of-week", "Requests by day of week", ChartKind.Bars, PanelMetric.Requests,
            new TermsBucket(EcsFields.NginxDayOfWeek, "Day of week (1 = Monday)", 7, OrderByKey: true, DenseRange: (1, 7)), null, null, new(24, 61, 24, 15), InReport: true),

        new("top-pages", "Top pages", ChartKind.Table, PanelMetric.Requests,
            new TermsBucket(EcsFields.UrlPath, "Page", 20), null, null, new(0, 76, 16, 18), InReport: true)
        { Also = [Visitors] },
        new("not-found-pages", "404 pages", ChartKind.Table, PanelMetric.Requests,
            new TermsBucket(EcsFields.UrlPath, "Page", 20), null, new TermFilter(EcsFields.HttpResponseStatusCode, 404), new(16, 76, 16, 18), InReport: true),
        new("referrers", "Top referrers", ChartKind.Table, PanelMetric.Requests,
            new TermsBucket(EcsFields.HttpRequestReferrer, "Referrer", 20), null, null, new(32, 76, 16, 18), InReport: true),

        new("status-classes", "Status classes", ChartKind.Donut, PanelMetric.Requests,
            new RangeBucket(EcsFields.HttpResponseStatusCode, "Status class", StatusClasses), null, null, new(0, 94, 16, 15), InReport: true),
        new("unique-visitors-per-day", "Visitors per day", ChartKind.Bars, Visitors,
            new DateHistogramBucket(EcsFields.Timestamp, "Day", "1d"), null, null, new(16, 94, 32, 15), InReport: true,
            Description: "Calendar days in Kibana's time zone (Advanced Settings dateFormat:tz, default the browser's)."),

        // Sites and response time (Kubernetes-aware documents, issue #16).
        new("sites", "Sites", ChartKind.Table, PanelMetric.Requests,
            new TermsBucket(EcsFields.UrlDomain, "Site", 20), null, null, new(0, 109, 16, 15), InReport: true,
            Description: "Requests and visitors per virtual host (nginx $host).")
        { Also = [Visitors] },
        new("response-time", "Response time", ChartKind.Line, Duration(50),
            new DateHistogramBucket(EcsFields.Timestamp, "Time", DateHistogramBucket.Auto), null, null, new(16, 109, 32, 15), InReport: false,
            Description: "p50, p95 and p99 of event.duration ($request_time).")
        { Also = [Duration(95), Duration(99)] },
        new("slowest-pages", "Slowest pages", ChartKind.Table, Duration(95),
            new TermsBucket(EcsFields.UrlPath, "Page", 10), null, null, new(0, 124, 24, 15), InReport: true,
            Description: "Pages with the highest 95th-percentile response time.")
        { Also = [PanelMetric.Requests] },

        // Bots: these panels ignore the dashboard's controls (the default "human" selection would empty them).
        new("bot-share", "Bot share", ChartKind.Metric,
            new(MetricKind.Share, null, "Bot share") { Where = BotsOnly, Format = ValueFormat.Percent },
            null, null, null, new(24, 124, 8, 15), InReport: true,
            Description: "Share of all requests made by bots; ignores the dashboard's controls.")
        { IgnoreDashboardFilters = true },
        new("bot-reasons", "Why bots are bots", ChartKind.Donut, PanelMetric.Requests,
            new TermsBucket(EcsFields.LogPipelineVisitorBotReason, "Reason", 10), null, BotsOnly, new(32, 124, 16, 15), InReport: true,
            Description: "The rule that classified the request as a bot (docs/ingest.md); ignores the dashboard's controls.")
        { IgnoreDashboardFilters = true },
        new("top-bots", "Top bots", ChartKind.Table, PanelMetric.Requests,
            new TermsBucket(EcsFields.UserAgentName, "Bot", 20), null, BotsOnly, new(0, 139, 24, 18), InReport: true,
            Description: "Ignores the dashboard's controls.")
        { IgnoreDashboardFilters = true, Also = [Visitors] },
        new("bot-pages", "Pages bots hit", ChartKind.Table, PanelMetric.Requests,
            new TermsBucket(EcsFields.UrlPath, "Page", 20), null, BotsOnly, new(24, 139, 24, 18), InReport: true,
            Description: "Ignores the dashboard's controls.")
        { IgnoreDashboardFilters = true },
    ];
}

/// <summary>An options-list control on the dashboard; <paramref name="Selected"/> is its default selection.</summary>
public sealed record DashboardControl(string Id, string Field, string Title, IReadOnlyList<string> Selected);
