using LogPipeline.Testing.Http;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace LogPipeline.Testing.Kibana;

/// <summary>
/// A test double of the two Kibana endpoints <c>setup</c> uses: <c>GET /api/status</c> and
/// <c>POST /api/saved_objects/_import</c> (checked like Kibana checks it: <c>kbn-xsrf</c> header, multipart field
/// <c>file</c>, a <c>.ndjson</c> file name, every reference resolvable, a conflict without <c>overwrite=true</c>),
/// <c>POST /api/saved_objects/_bulk_get</c> and <c>GET /api/saved_objects/&lt;type&gt;/&lt;id&gt;</c> to read objects
/// back, under an optional base path and per space (<c>/s/&lt;space&gt;/api/…</c>, unknown space 404), with a new
/// <c>version</c> on every write and <see cref="SaveFromUi"/> modelling a user's save. Faults: not ready for a while,
/// a required credential (401), an import that answers 200 with <c>success:false</c>. NEVER a runtime component.
/// State is guarded by one lock.
/// </summary>
public sealed class KibanaStandIn : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private readonly Lock _gate = new();
    // Saved objects per space; each stored object carries Kibana's "version" and "updated_at".
    private readonly Dictionary<(string Space, string Type, string Id), JsonObject> _objects = [];
    private readonly HashSet<string> _spaces = [DefaultSpace];
    private long _writes;
    private readonly ConcurrentQueue<KibanaImportRequest> _imports = new();
    private int _statusRequests;

    public const string DefaultSpace = "default";

    private KibanaStandIn(HttpListener listener, Uri url, string version, string basePath)
    {
        _listener = listener;
        BasePath = basePath;
        Url = new Uri(url, basePath.Length == 0 ? "/" : basePath);
        Version = version;
        _acceptLoop = Task.Run(() => LoopbackHttpListener.AcceptLoopAsync(_listener, ServeAsync, _stop.Token));
    }

    /// <summary>The Kibana URL, including <see cref="BasePath"/> (no trailing slash when there is one, as users write it).</summary>
    public Uri Url { get; }

    /// <summary>
    /// Kibana's <c>server.basePath</c> (e.g. <c>/kibana</c>, with <c>rewriteBasePath</c>): every request must start
    /// with it, anything else answers 404 as Kibana does.
    /// </summary>
    public string BasePath { get; }

    /// <summary>What <c>/api/status</c> reports as <c>version.number</c>.</summary>
    public string Version { get; set; }

    /// <summary>When set, every request must carry exactly this <c>Authorization</c> header, else 401.</summary>
    public string? RequiredAuthorization { get; set; }

    /// <summary>The first N <c>/api/status</c> requests answer 503 (Kibana still starting).</summary>
    public int NotReadyForRequests { get; set; }

    /// <summary>Imports answer 200 with <c>success:false</c> and one error per object, as Kibana does for e.g. a conflict.</summary>
    public bool FailImports { get; set; }

    public int StatusRequests => Volatile.Read(ref _statusRequests);

    /// <summary>Every import request as received, oldest first.</summary>
    public IReadOnlyList<KibanaImportRequest> Imports => [.. _imports];

    public static KibanaStandIn Start(string version = "8.15.0", string basePath = "")
    {
        var (listener, baseAddress) = LoopbackHttpListener.Start();
        return new KibanaStandIn(listener, baseAddress, version, basePath.TrimEnd('/'));
    }

    /// <summary>Creates a space (saved objects under <c>/s/&lt;id&gt;/api/…</c>); unknown spaces answer 404.</summary>
    public void AddSpace(string id)
    {
        lock (_gate)
        {
            _spaces.Add(id);
        }
    }

    /// <summary>An imported saved object, or null.</summary>
    public JsonObject? SavedObject(string type, string id, string space = DefaultSpace)
    {
        lock (_gate)
        {
            return _objects.TryGetValue((space, type, id), out var obj) ? (JsonObject)obj.DeepClone() : null;
        }
    }

    public int SavedObjectCount
    {
        get
        {
            lock (_gate)
            {
                return _objects.Count;
            }
        }
    }

    /// <summary>Saved objects in one space.</summary>
    public int SavedObjectCountIn(string space)
    {
        lock (_gate)
        {
            return _objects.Keys.Count(k => k.Space == space);
        }
    }

    /// <summary>
    /// What saving an object from the Kibana UI does: the app writes the attributes it knows from its own state,
    /// so keys it does not know are gone — the dashboard's <c>optionsJSON</c> keeps only the dashboard options and a
    /// Lens object's <c>state</c> only Lens's own keys — and the object gets a new version.
    /// </summary>
    public void SaveFromUi(string type, string id, Action<JsonObject> editAttributes, string space = DefaultSpace)
    {
        lock (_gate)
        {
            var obj = _objects[(space, type, id)];
            var attributes = obj["attributes"]!.AsObject();
            editAttributes(attributes);
            if (type == "dashboard" && attributes["optionsJSON"]?.GetValue<string>() is { } optionsText)
            {
                var options = JsonNode.Parse(optionsText)!.AsObject();
                string[] known = ["useMargins", "syncColors", "syncCursor", "syncTooltips", "hidePanelTitles"];
                attributes["optionsJSON"] = new JsonObject([.. options.Where(kv => known.Contains(kv.Key)).Select(kv => KeyValuePair.Create(kv.Key, kv.Value?.DeepClone()))]).ToJsonString();
            }
            else if (type == "lens" && attributes["state"] is JsonObject state)
            {
                string[] known = ["visualization", "query", "filters", "datasourceStates", "internalReferences", "adHocDataViews", "needsRefresh"];
                foreach (var key in state.Select(kv => kv.Key).Where(k => !known.Contains(k)).ToList())
                {
                    state.Remove(key);
                }
            }

            Stamp(obj);
        }
    }

    private void Stamp(JsonObject obj)
    {
        // Kibana's version is base64 of [seq_no, primary_term]; it changes on every write.
        var seq = ++_writes;
        obj["version"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"[{seq},1]"));
        obj["updated_at"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Close();
        try
        {
            await _acceptLoop;
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task ServeAsync(HttpListenerContext context)
    {
        try
        {
            var request = context.Request;
            using var buffer = new MemoryStream();
            await request.InputStream.CopyToAsync(buffer);
            var (status, body) = Route(request, buffer.ToArray());
            var payload = Encoding.UTF8.GetBytes(body.ToJsonString());
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json; charset=utf-8";
            context.Response.ContentLength64 = payload.Length;
            await context.Response.OutputStream.WriteAsync(payload);
            context.Response.Close();
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The client went away or we are shutting down.
        }
    }

    private (int Status, JsonNode Body) Route(HttpListenerRequest request, byte[] body)
    {
        var path = request.Url?.AbsolutePath ?? "/";
        if (BasePath.Length > 0)
        {
            if (!path.StartsWith(BasePath + "/", StringComparison.Ordinal))
            {
                return Error(404, "Not Found", "Not Found");
            }

            path = path[BasePath.Length..];
        }

        var space = DefaultSpace;
        if (path.StartsWith("/s/", StringComparison.Ordinal))
        {
            var end = path.IndexOf('/', 3);
            space = end < 0 ? path[3..] : path[3..end];
            path = end < 0 ? "/" : path[end..];
            bool known;
            lock (_gate)
            {
                known = _spaces.Contains(space);
            }

            if (!known)
            {
                return Error(404, "Not Found", "Not Found");
            }
        }

        if (path == "/api/status")
        {
            Interlocked.Increment(ref _statusRequests);
        }

        if (RequiredAuthorization is { } required && request.Headers["Authorization"] != required)
        {
            return Error(401, "Unauthorized", "[security_exception]: unable to authenticate user");
        }

        switch (request.HttpMethod, path)
        {
            case ("POST", "/api/saved_objects/_bulk_get"):
                return BulkGet(space, body);
            case ("GET", "/api/status"):
                return StatusRequests <= NotReadyForRequests
                    ? (503, new JsonObject { ["status"] = new JsonObject { ["overall"] = new JsonObject { ["level"] = "unavailable" } } })
                    : (200, new JsonObject
                    {
                        ["name"] = "kibana-stand-in",
                        ["version"] = new JsonObject { ["number"] = Version, ["build_flavor"] = "default" },
                        ["status"] = new JsonObject { ["overall"] = new JsonObject { ["level"] = "available" } },
                    });
            case ("POST", "/api/saved_objects/_import"):
                return Import(request, body, space);
            case ("GET", _) when path.StartsWith("/api/saved_objects/", StringComparison.Ordinal):
                var parts = path["/api/saved_objects/".Length..].Split('/');
                var found = parts.Length == 2 ? SavedObject(parts[0], Uri.UnescapeDataString(parts[1]), space) : null;
                return found is null ? Error(404, "Not Found", $"Saved object [{string.Join('/', parts)}] not found") : (200, found);
            default:
                return Error(404, "Not Found", $"stand-in does not implement {request.HttpMethod} {path}");
        }
    }

    /// <summary>Like Kibana: one entry per requested object, in order; a missing one carries a 404 error.</summary>
    private (int Status, JsonNode Body) BulkGet(string space, byte[] body)
    {
        var requested = JsonNode.Parse(body) as JsonArray ?? [];
        var answers = new JsonArray();
        lock (_gate)
        {
            foreach (var item in requested.OfType<JsonObject>())
            {
                var type = item["type"]?.GetValue<string>() ?? string.Empty;
                var id = item["id"]?.GetValue<string>() ?? string.Empty;
                answers.Add(_objects.TryGetValue((space, type, id), out var obj)
                    ? obj.DeepClone()
                    : new JsonObject
                    {
                        ["id"] = id,
                        ["type"] = type,
                        ["error"] = new JsonObject { ["statusCode"] = 404, ["error"] = "Not Found", ["message"] = $"Saved object [{type}/{id}] not found" },
                    });
            }
        }

        return (200, new JsonObject { ["saved_objects"] = answers });
    }

    private (int Status, JsonNode Body) Import(HttpListenerRequest request, byte[] body, string space)
    {
        var contentType = request.ContentType ?? string.Empty;
        var xsrf = request.Headers["kbn-xsrf"];
        var part = MultipartPart.Find(contentType, body, "file");
        var overwrite = request.QueryString["overwrite"];
        _imports.Enqueue(new KibanaImportRequest(
            contentType, xsrf, overwrite, part?.FieldName, part?.FileName, part?.ContentType, part?.Text) { Space = space });

        if (xsrf is null)
        {
            return Error(400, "Bad Request", "Request must contain a kbn-xsrf header.");
        }

        if (part is null)
        {
            return Error(400, "Bad Request", "[request body.file]: expected value of type [Stream] but got [undefined]");
        }

        var extension = Path.GetExtension(part.FileName ?? string.Empty);
        if (extension != ".ndjson")
        {
            return Error(400, "Bad Request", $"Invalid file extension {extension}");
        }

        var parsed = new List<JsonObject>();
        foreach (var line in part.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            try
            {
                parsed.Add(JsonNode.Parse(line)!.AsObject());
            }
            catch (System.Text.Json.JsonException ex)
            {
                return Error(400, "Bad Request", "Unexpected token in JSON: " + ex.Message);
            }
        }

        var errors = new JsonArray();
        var successes = new JsonArray();
        lock (_gate)
        {
            var inFile = parsed.Select(o => (Type: o["type"]?.GetValue<string>() ?? string.Empty, Id: o["id"]?.GetValue<string>() ?? string.Empty)).ToHashSet();
            foreach (var obj in parsed)
            {
                var type = obj["type"]?.GetValue<string>() ?? string.Empty;
                var id = obj["id"]?.GetValue<string>() ?? string.Empty;
                var missing = (obj["references"] as JsonArray ?? [])
                    .OfType<JsonObject>()
                    .Select(r => (Type: r["type"]?.GetValue<string>() ?? string.Empty, Id: r["id"]?.GetValue<string>() ?? string.Empty))
                    .Where(r => !inFile.Contains(r) && !_objects.ContainsKey((space, r.Type, r.Id)))
                    .ToList();
                var conflict = overwrite != "true" && _objects.ContainsKey((space, type, id));
                if (conflict)
                {
                    errors.Add(new JsonObject { ["id"] = id, ["type"] = type, ["error"] = new JsonObject { ["type"] = "conflict" } });
                    continue;
                }

                if (FailImports || missing.Count > 0 || obj["attributes"] is not JsonObject)
                {
                    errors.Add(new JsonObject
                    {
                        ["id"] = id,
                        ["type"] = type,
                        ["title"] = obj["attributes"]?["title"]?.DeepClone(),
                        ["error"] = missing.Count > 0
                            ? new JsonObject
                            {
                                ["type"] = "missing_references",
                                ["references"] = new JsonArray([.. missing.Select(m => (JsonNode)new JsonObject { ["type"] = m.Type, ["id"] = m.Id })]),
                            }
                            : new JsonObject { ["type"] = "unknown", ["message"] = FailImports ? "injected failure (stand-in)" : "attributes missing", ["statusCode"] = 400 },
                    });
                    continue;
                }

                successes.Add(new JsonObject { ["type"] = type, ["id"] = id, ["meta"] = new JsonObject { ["title"] = obj["attributes"]?["title"]?.DeepClone() } });
            }

            // Like Kibana, nothing is written when any object fails to resolve.
            if (errors.Count == 0)
            {
                foreach (var obj in parsed)
                {
                    var stored = (JsonObject)obj.DeepClone();
                    Stamp(stored);
                    _objects[(space, obj["type"]!.GetValue<string>(), obj["id"]!.GetValue<string>())] = stored;
                }
            }
        }

        return errors.Count == 0
            ? (200, new JsonObject { ["success"] = true, ["successCount"] = successes.Count, ["successResults"] = successes, ["warnings"] = new JsonArray() })
            : (200, new JsonObject { ["success"] = false, ["successCount"] = 0, ["errors"] = errors, ["warnings"] = new JsonArray() });
    }

    private static (int, JsonNode) Error(int status, string error, string message) =>
        (status, new JsonObject { ["statusCode"] = status, ["error"] = error, ["message"] = message });
}

/// <summary>One import request as the stand-in received it (what Kibana would look at).</summary>
public sealed record KibanaImportRequest(
    string ContentType, string? KbnXsrf, string? Overwrite, string? FieldName, string? FileName, string? PartContentType, string? Ndjson)
{
    /// <summary>The space the import went to (<c>default</c> without a <c>/s/&lt;space&gt;</c> prefix).</summary>
    public string Space { get; init; } = KibanaStandIn.DefaultSpace;
}
