using System.Text.Json.Nodes;
using LogPipeline.Ingest.Indexing;

namespace LogPipeline.Ingest.Setup;

/// <summary>
/// The component and index templates for the data stream's <c>&lt;type&gt;-&lt;dataset&gt;-*</c> (names in
/// <see cref="TemplateNames"/>): the ECS mapping of every field the worker writes (<see cref="EcsFields"/>), index
/// settings, and the data stream lifecycle (retention).
/// </summary>
public static class IndexTemplates
{
    /// <summary>
    /// Above the built-in <c>logs-*-*</c> template (priority 100), so ours wins for our data stream. Fleet's
    /// integrations use 200 as well, which is why our dataset (<c>logpipeline.nginx</c>) is our own: two
    /// templates of one priority must not have overlapping patterns.
    /// </summary>
    public const int Priority = 200;

    /// <summary>Field → Elasticsearch mapping type. Every <see cref="EcsFields"/> constant has an entry (a test checks).</summary>
    public static IReadOnlyDictionary<string, string> FieldTypes { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [EcsFields.Timestamp] = "date",
        [EcsFields.Message] = "match_only_text",
        [EcsFields.SourceIp] = "ip",
        [EcsFields.SourceAddress] = "keyword",
        [EcsFields.SourceGeoCountryIsoCode] = "keyword",
        [EcsFields.SourceGeoCountryName] = "keyword",
        [EcsFields.NetworkForwardedIp] = "ip",
        [EcsFields.UserName] = "keyword",
        [EcsFields.UrlOriginal] = "keyword",
        [EcsFields.UrlPath] = "keyword",
        [EcsFields.UrlQuery] = "keyword",
        [EcsFields.UrlDomain] = "keyword",
        [EcsFields.HttpRequestMethod] = "keyword",
        [EcsFields.HttpRequestReferrer] = "keyword",
        [EcsFields.HttpVersion] = "keyword",
        [EcsFields.HttpResponseStatusCode] = "long",
        [EcsFields.HttpResponseBodyBytes] = "long",
        [EcsFields.UserAgentOriginal] = "keyword",
        [EcsFields.UserAgentName] = "keyword",
        [EcsFields.UserAgentVersion] = "keyword",
        [EcsFields.UserAgentOsName] = "keyword",
        [EcsFields.UserAgentOsVersion] = "keyword",
        [EcsFields.UserAgentOsFull] = "keyword",
        [EcsFields.UserAgentDeviceName] = "keyword",
        [EcsFields.EventKind] = "keyword",
        [EcsFields.EventCategory] = "keyword",
        [EcsFields.EventType] = "keyword",
        [EcsFields.EventOutcome] = "keyword",
        [EcsFields.EventDataset] = "keyword",
        [EcsFields.EventModule] = "keyword",
        [EcsFields.EventCreated] = "date",
        [EcsFields.EventIngested] = "date",
        [EcsFields.EventDuration] = "long",
        [EcsFields.EventOriginal] = "keyword",
        [EcsFields.NginxRequestTime] = "double",
        [EcsFields.NginxUpstreamResponseTime] = "double",
        [EcsFields.NginxHourOfDay] = "short",
        [EcsFields.NginxDayOfWeek] = "short",
        [EcsFields.NginxTruncated] = "boolean",
        [EcsFields.LogFilePath] = "keyword",
        [EcsFields.LogOffset] = "long",
        [EcsFields.HostName] = "keyword",
        [EcsFields.DataStreamType] = "constant_keyword",
        [EcsFields.DataStreamDataset] = "constant_keyword",
        [EcsFields.DataStreamNamespace] = "constant_keyword",
        [EcsFields.EcsVersion] = "keyword",
        [EcsFields.Tags] = "keyword",
        [EcsFields.LogPipelineUserAgentDeviceBrand] = "keyword",
        [EcsFields.LogPipelineUserAgentDeviceModel] = "keyword",

        // Visitors (issue #15).
        [EcsFields.LogPipelineVisitorId] = "keyword",
        [EcsFields.LogPipelineVisitorType] = "keyword",
        [EcsFields.LogPipelineVisitorBotReason] = "keyword",
        [EcsFields.LogPipelineUserAgentDeviceType] = "keyword",
        [EcsFields.LogPipelineParseRecovered] = "keyword",
        // Issue #16 (k8s): source metadata and the richer log format.
        [EcsFields.KubernetesNamespace] = "keyword",
        [EcsFields.KubernetesPodName] = "keyword",
        [EcsFields.KubernetesPodUid] = "keyword",
        [EcsFields.KubernetesNodeName] = "keyword",
        [EcsFields.KubernetesContainerName] = "keyword",
        [EcsFields.KubernetesLabels] = "object",
        [EcsFields.KubernetesLabelsAppKubernetesIoName] = "keyword",
        [EcsFields.KubernetesLabelsAppKubernetesIoInstance] = "keyword",
        [EcsFields.KubernetesLabelsApp] = "keyword",
        [EcsFields.OrchestratorType] = "keyword",
        [EcsFields.OrchestratorNamespace] = "keyword",
        [EcsFields.ServiceName] = "keyword",
        [EcsFields.NginxUpstreamAddr] = "keyword",
        [EcsFields.HttpRequestBytes] = "long",
        [EcsFields.TlsVersionProtocol] = "keyword",
        [EcsFields.TlsVersion] = "keyword",
    };

    /// <summary>Types Elasticsearch can aggregate on (doc values) — what a dashboard panel may use.</summary>
    public static bool IsAggregatable(string field) =>
        FieldTypes.TryGetValue(field, out var type)
        && type is "keyword" or "constant_keyword" or "ip" or "date" or "long" or "integer" or "short" or "byte" or "double" or "scaled_float" or "boolean"
        && !NotIndexed.Contains(field);

    /// <summary>Kept in _source for reprocessing but neither indexed nor aggregatable (ECS: event.original).</summary>
    private static readonly HashSet<string> NotIndexed = new(StringComparer.Ordinal) { EcsFields.EventOriginal };

    /// <summary>Body of <c>PUT _component_template/&lt;type-dataset&gt;@mappings</c>.</summary>
    public static JsonObject MappingsComponent()
    {
        var properties = new JsonObject();
        foreach (var (field, type) in FieldTypes)
        {
            var parts = field.Split('.');
            var node = properties;
            for (var i = 0; i < parts.Length - 1; i++)
            {
                if (node[parts[i]] is not JsonObject child)
                {
                    child = new JsonObject { ["properties"] = new JsonObject() };
                    node[parts[i]] = child;
                }

                node = (JsonObject)child["properties"]!;
            }

            if (type == "object")
            {
                // An object whose own keys vary (pod labels): its explicitly listed children may already be in place.
                var existing = node[parts[^1]] as JsonObject ?? new JsonObject { ["properties"] = new JsonObject() };
                existing["type"] = "object";
                existing["dynamic"] = true;
                node[parts[^1]] = existing;
                continue;
            }

            node[parts[^1]] = FieldMapping(field, type);
        }

        return new JsonObject
        {
            ["template"] = new JsonObject
            {
                ["mappings"] = new JsonObject
                {
                    // Unknown fields (a future worker version) are kept in _source but not mapped, so a typo cannot
                    // grow the mapping or clash with a real field's type.
                    ["dynamic"] = "false",
                    ["date_detection"] = false,
                    // Pod labels are the one open-ended object (kubernetes.labels.*, dynamic there only): keyword, like
                    // the labels listed in FieldTypes.
                    ["dynamic_templates"] = new JsonArray(new JsonObject
                    {
                        ["kubernetes_labels"] = new JsonObject
                        {
                            ["path_match"] = EcsFields.KubernetesLabels + ".*",
                            ["match_mapping_type"] = "string",
                            ["mapping"] = new JsonObject { ["type"] = "keyword", ["ignore_above"] = 1024 },
                        },
                    }),
                    ["properties"] = properties,
                },
            },
            ["_meta"] = Meta(),
        };
    }

    /// <summary>Body of <c>PUT _component_template/&lt;type-dataset&gt;@settings</c>.</summary>
    public static JsonObject SettingsComponent() => new()
    {
        ["template"] = new JsonObject
        {
            ["settings"] = new JsonObject
            {
                ["index"] = new JsonObject
                {
                    ["codec"] = "best_compression",
                    // Explicit 1s keeps the "searchable within 1 s" target even when nobody searches for a while
                    // (the default turns a search-idle shard's refresh off).
                    ["refresh_interval"] = "1s",
                },
            },
        },
        ["_meta"] = Meta(),
    };

    /// <summary>Body of <c>PUT _index_template/&lt;type-dataset&gt;</c>; <paramref name="retention"/> like <c>30d</c>.</summary>
    public static JsonObject IndexTemplate(TemplateNames names, string retention) => new()
    {
        ["index_patterns"] = new JsonArray(names.Pattern),
        ["data_stream"] = new JsonObject(),
        ["priority"] = Priority,
        ["composed_of"] = new JsonArray(names.SettingsComponent, names.MappingsComponent),
        ["template"] = new JsonObject
        {
            ["lifecycle"] = Lifecycle(retention),
        },
        ["_meta"] = Meta(),
    };

    /// <summary>The data stream lifecycle (also applied to an existing data stream by setup).</summary>
    public static JsonObject Lifecycle(string retention) => new() { ["data_retention"] = retention };

    private static JsonObject FieldMapping(string field, string type)
    {
        var mapping = new JsonObject { ["type"] = type };
        if (NotIndexed.Contains(field))
        {
            mapping["index"] = false;
            mapping["doc_values"] = false;
        }
        else if (field is EcsFields.UrlOriginal or EcsFields.UserAgentOriginal)
        {
            // ECS: keyword for aggregation plus a text sub-field for full-text search.
            mapping["ignore_above"] = 8191;
            mapping["fields"] = new JsonObject { ["text"] = new JsonObject { ["type"] = "match_only_text" } };
        }
        else if (type == "keyword")
        {
            mapping["ignore_above"] = 1024;
        }

        return mapping;
    }

    private static JsonObject Meta() => new() { ["managed_by"] = "logpipeline-ingest setup", ["managed"] = true };
}
