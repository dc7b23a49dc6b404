namespace LogPipeline.Ingest.Indexing;

/// <summary>
/// The ECS field names the worker writes, the index template maps and the dashboards query.
/// One list so the three cannot drift apart; names follow Elastic's own nginx integration.
/// </summary>
public static class EcsFields
{
    public const string Timestamp = "@timestamp";
    public const string Message = "message";

    public const string SourceIp = "source.ip";
    public const string SourceAddress = "source.address";
    public const string SourceGeoCountryIsoCode = "source.geo.country_iso_code";
    public const string SourceGeoCountryName = "source.geo.country_name";
    public const string NetworkForwardedIp = "network.forwarded_ip";

    public const string UserName = "user.name";

    public const string UrlOriginal = "url.original";
    public const string UrlPath = "url.path";
    public const string UrlQuery = "url.query";
    public const string UrlDomain = "url.domain";

    public const string HttpRequestMethod = "http.request.method";
    public const string HttpRequestReferrer = "http.request.referrer";
    public const string HttpVersion = "http.version";
    public const string HttpResponseStatusCode = "http.response.status_code";
    public const string HttpResponseBodyBytes = "http.response.body.bytes";

    public const string UserAgentOriginal = "user_agent.original";
    public const string UserAgentName = "user_agent.name";
    public const string UserAgentVersion = "user_agent.version";
    public const string UserAgentOsName = "user_agent.os.name";
    public const string UserAgentOsVersion = "user_agent.os.version";
    public const string UserAgentOsFull = "user_agent.os.full";
    public const string UserAgentDeviceName = "user_agent.device.name";

    public const string EventKind = "event.kind";
    public const string EventCategory = "event.category";
    public const string EventType = "event.type";
    public const string EventOutcome = "event.outcome";
    public const string EventDataset = "event.dataset";
    public const string EventModule = "event.module";
    public const string EventCreated = "event.created";
    public const string EventIngested = "event.ingested";
    public const string EventDuration = "event.duration";
    public const string EventOriginal = "event.original";

    public const string NginxRequestTime = "nginx.access.request_time";
    public const string NginxUpstreamResponseTime = "nginx.access.upstream_response_time";
    /// <summary>Hour of day (0–23) in the log's own offset, for the hour-of-day panel.</summary>
    public const string NginxHourOfDay = "nginx.access.hour_of_day";
    /// <summary>ISO day of week (1 = Monday … 7 = Sunday) in the log's own offset.</summary>
    public const string NginxDayOfWeek = "nginx.access.day_of_week";
    public const string NginxTruncated = "nginx.access.truncated";

    public const string LogFilePath = "log.file.path";
    public const string LogOffset = "log.offset";
    public const string HostName = "host.name";
    public const string DataStreamType = "data_stream.type";
    public const string DataStreamDataset = "data_stream.dataset";
    public const string DataStreamNamespace = "data_stream.namespace";
    public const string EcsVersion = "ecs.version";
    public const string Tags = "tags";

    // Not ECS (user_agent.device has only name): uap-core's device brand and model, under our own prefix.
    public const string LogPipelineUserAgentDeviceBrand = "logpipeline.user_agent.device.brand";
    public const string LogPipelineUserAgentDeviceModel = "logpipeline.user_agent.device.model";

    // Visitors (issue #15): the unique-visitor key, human/bot classification, device type, lenient-parse reason.
    // Rules in docs/ingest.md ("Visitor fields") and docs/decisions/0012-visitor-key-and-bot-rule.md.
    public const string LogPipelineVisitorId = "logpipeline.visitor.id";
    public const string LogPipelineVisitorType = "logpipeline.visitor.type";
    public const string LogPipelineVisitorBotReason = "logpipeline.visitor.bot_reason";
    public const string LogPipelineUserAgentDeviceType = "logpipeline.user_agent.device.type";
    public const string LogPipelineParseRecovered = "logpipeline.parse.recovered";

    // Issue #16 (k8s): where the line was written, from the shipper's lp.meta header (ECS kubernetes.* / orchestrator.*
    // as Filebeat's add_kubernetes_metadata writes them), and the richer log format's request fields.
    public const string KubernetesNamespace = "kubernetes.namespace";
    public const string KubernetesPodName = "kubernetes.pod.name";
    public const string KubernetesPodUid = "kubernetes.pod.uid";
    public const string KubernetesNodeName = "kubernetes.node.name";
    public const string KubernetesContainerName = "kubernetes.container.name";

    /// <summary>The object of pod labels; keys dedotted ('.' → '_'), any further label is mapped keyword by a dynamic template.</summary>
    public const string KubernetesLabels = "kubernetes.labels";
    public const string KubernetesLabelsAppKubernetesIoName = "kubernetes.labels.app_kubernetes_io/name";
    public const string KubernetesLabelsAppKubernetesIoInstance = "kubernetes.labels.app_kubernetes_io/instance";
    public const string KubernetesLabelsApp = "kubernetes.labels.app";
    public const string OrchestratorType = "orchestrator.type";
    public const string OrchestratorNamespace = "orchestrator.namespace";

    /// <summary>The app: label <c>app.kubernetes.io/name</c>, else <c>app</c>.</summary>
    public const string ServiceName = "service.name";
    public const string NginxUpstreamAddr = "nginx.access.upstream_addr";
    public const string HttpRequestBytes = "http.request.bytes";
    public const string TlsVersionProtocol = "tls.version_protocol";
    public const string TlsVersion = "tls.version";
}
