using LogPipeline.Testing.Http;
using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace LogPipeline.Testing.Elasticsearch;

/// <summary>
/// A test double of the Elasticsearch REST surface the pipeline uses: <c>GET /</c> (with the
/// <c>X-Elastic-Product</c> header the official client insists on), templates/ILM/data streams (stored,
/// acknowledged), <c>_bulk</c> with real per-item results (409 on a repeated <c>create</c>), <c>_refresh</c>,
/// <c>_count</c> and <c>_search</c> for assertions, and fault injection. NEVER a runtime component.
/// It pretends to be one version (<see cref="Start"/>): like Elasticsearch, it answers 400
/// <c>media_type_header_exception</c> when the <c>compatible-with</c> of Accept or Content-Type is not its own
/// major or the previous one, or when the two disagree (the rule of Elasticsearch's RestCompatibleVersionHelper).
/// A write to a missing index creates a data stream when an index template with <c>data_stream</c> matches
/// (the highest priority wins; the built-in <c>logs</c> template for <c>logs-*-*</c> at priority 100 is always
/// there, as on a real cluster), and <c>require_data_stream=true</c> refuses a write that would create a plain index.
/// State is guarded by one lock; requests are served concurrently from the thread pool.
/// </summary>
public sealed partial class ElasticsearchStandIn : IAsyncDisposable
{
    /// <summary>The version a stand-in pretends to be unless told otherwise.</summary>
    public const string Version = "9.1.0";

    /// <summary>Elasticsearch's built-in template for <c>logs-*-*</c> (stack templates).</summary>
    public const string BuiltInLogsTemplate = "logs";
    private const int MaxLoggedRequests = 2000;
    private const int MaxLoggedBodyChars = 256 * 1024;

    private readonly HttpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Dictionary<string, JsonObject>> _indices = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonObject> _indexTemplates = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonObject> _componentTemplates = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonObject> _ilmPolicies = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _dataStreams = new(StringComparer.Ordinal);

    // Rolled-over backing indices: their documents live in _indices under the backing index name; the data
    // stream's own entry in _indices is its write index.
    private readonly Dictionary<string, string> _backingToStream = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _rolledOver = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly List<ItemRejection> _itemRejections = [];
    private int _failBulks;
    private int _failRequests;
    private int _failRequestStatus;
    private string? _failRequestPrefix;
    private int _failBulkStatus;
    private int _dropConnections;
    private long _bulkRequests;
    private long _faultsServed; // under _gate

    private long _autoId;

    private ElasticsearchStandIn(HttpListener listener, Uri url, string version)
    {
        _listener = listener;
        Url = url;
        ServerVersion = version;
        Major = int.Parse(version.Split('.')[0], System.Globalization.CultureInfo.InvariantCulture);
        _acceptLoop = Task.Run(() => LoopbackHttpListener.AcceptLoopAsync(_listener, ServeAsync, _stop.Token));
    }

    /// <summary>Base URL, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Url { get; }

    /// <summary>The <c>version.number</c> of <c>GET /</c>.</summary>
    public string ServerVersion { get; }

    /// <summary>Its major: requests may ask for <c>compatible-with</c> this or the previous major.</summary>
    public int Major { get; }

    /// <summary>
    /// Bytes of a <c>_bulk</c> body at most (Elasticsearch's http.max_content_length, which applies to every request;
    /// here only to <c>_bulk</c>, so a small limit leaves template requests alone); above it 413. 0 = no limit.
    /// </summary>
    public long MaxContentLength { get; set; }

    /// <summary>Artificial delay added before every response.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Number of <c>_bulk</c> requests received (including failed and dropped ones).</summary>
    public long BulkRequestCount => Interlocked.Read(ref _bulkRequests);

    /// <summary>The most recent requests (bounded), oldest first.</summary>
    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>
    /// How many injected faults were actually served: failed or cut <c>_bulk</c> requests and per-item rejections
    /// (not <see cref="FailNextRequests"/>). A fault scenario asserts it is above zero, so that it cannot pass without
    /// the fault ever reaching the worker.
    /// </summary>
    public long InjectedFaultsServed
    {
        get
        {
            lock (_gate)
            {
                return _faultsServed;
            }
        }
    }

    /// <summary>Starts a stand-in that pretends to be Elasticsearch <paramref name="version"/> (e.g. <c>8.19.0</c>).</summary>
    public static ElasticsearchStandIn Start(string version = Version)
    {
        var (listener, baseAddress) = LoopbackHttpListener.Start();
        return new ElasticsearchStandIn(listener, baseAddress, version);
    }

    /// <summary>
    /// The next <paramref name="count"/> <c>_bulk</c> requests answer <paramref name="status"/> without indexing,
    /// with the error Elasticsearch gives for it: 429 <c>es_rejected_execution_exception</c>, 400
    /// <c>illegal_argument_exception</c>, 401/403 <c>security_exception</c>, 404 <c>index_not_found_exception</c>,
    /// 413 an empty body, 200 an answer without items, others <c>unavailable_shards_exception</c>.
    /// </summary>
    public void FailNextBulkRequests(int count, int status = 429)
    {
        lock (_gate)
        {
            _failBulks = count;
            _failBulkStatus = status;
        }
    }

    /// <summary>
    /// The next <paramref name="count"/> requests of any kind whose path starts with <paramref name="pathPrefix"/>
    /// (null = every path, <c>GET /</c> included) answer <paramref name="status"/> with Elasticsearch's error for it
    /// (e.g. 503 while the cluster has no master, 403 when the user lacks a privilege).
    /// </summary>
    public void FailNextRequests(int count, int status, string? pathPrefix = null)
    {
        lock (_gate)
        {
            _failRequests = count;
            _failRequestStatus = status;
            _failRequestPrefix = pathPrefix;
        }
    }

    /// <summary>
    /// The next <paramref name="count"/> <c>_bulk</c> requests are processed (documents stored) and then the
    /// connection is cut in the middle of the response, as when a proxy or the node dies mid-answer.
    /// </summary>
    public void DropNextConnections(int count)
    {
        lock (_gate)
        {
            _dropConnections = count;
        }
    }

    /// <summary>
    /// Documents matching <paramref name="predicate"/> are rejected per item with <paramref name="status"/>
    /// (400 → <c>mapper_parsing_exception</c>, 429 → <c>es_rejected_execution_exception</c>), at most
    /// <paramref name="times"/> times in total (null = always).
    /// </summary>
    public void RejectDocuments(Func<JsonObject, bool> predicate, int status = 400, int? times = null)
    {
        lock (_gate)
        {
            _itemRejections.Add(new ItemRejection(predicate, status, times));
        }
    }

    /// <summary>Removes every injected fault and the latency.</summary>
    public void ClearFaults()
    {
        lock (_gate)
        {
            _failBulks = 0;
            _failRequests = 0;
            _dropConnections = 0;
            _itemRejections.Clear();
        }

        Latency = TimeSpan.Zero;
    }

    /// <summary>The stored documents of an index or data stream: _id → a copy of the source.</summary>
    /// <remarks>
    /// For a data stream: every backing index, by <c>_id</c> (the write index's copy wins); the extra copies a
    /// rollover lets in are counted by <see cref="DocumentCount"/> and <c>_count</c>.
    /// </remarks>
    public IReadOnlyDictionary<string, JsonObject> Documents(string index)
    {
        lock (_gate)
        {
            var result = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
            foreach (var name in (_rolledOver.GetValueOrDefault(index) ?? []).Append(index))
            {
                if (_indices.TryGetValue(name, out var docs))
                {
                    foreach (var (id, doc) in docs)
                    {
                        result[id] = (JsonObject)doc.DeepClone();
                    }
                }
            }

            return result;
        }
    }

    /// <summary>A stored index template body, or null.</summary>
    public JsonObject? IndexTemplate(string name) => Stored(_indexTemplates, name);

    /// <summary>A stored component template body, or null.</summary>
    public JsonObject? ComponentTemplate(string name) => Stored(_componentTemplates, name);

    /// <summary>A stored ILM policy body, or null.</summary>
    public JsonObject? IlmPolicy(string name) => Stored(_ilmPolicies, name);

    public bool HasDataStream(string name)
    {
        lock (_gate)
        {
            return _dataStreams.ContainsKey(name);
        }
    }

    /// <summary>The index template a data stream was created from (null when it was not, or was created by PUT).</summary>
    public string? DataStreamTemplate(string name)
    {
        lock (_gate)
        {
            return _dataStreams.TryGetValue(name, out var template) && template.Length > 0 ? template : null;
        }
    }

    /// <summary>Documents in a data stream over all its backing indices (a re-indexed <c>_id</c> counts once per index).</summary>
    public int DocumentCount(string dataStream)
    {
        lock (_gate)
        {
            var count = _indices.TryGetValue(dataStream, out var write) ? write.Count : 0;
            foreach (var backing in _rolledOver.GetValueOrDefault(dataStream) ?? [])
            {
                count += _indices[backing].Count;
            }

            return count;
        }
    }

    /// <summary>The read-only backing indices of a data stream, oldest first (the write index is not listed).</summary>
    public IReadOnlyList<string> RolledOverIndices(string dataStream)
    {
        lock (_gate)
        {
            return [.. _rolledOver.GetValueOrDefault(dataStream) ?? []];
        }
    }

    /// <summary>Names of the plain (non data stream) indices a write created.</summary>
    public IReadOnlyList<string> PlainIndices()
    {
        lock (_gate)
        {
            return [.. _indices.Keys.Where(i => !_dataStreams.ContainsKey(i) && !_backingToStream.ContainsKey(i)).Order(StringComparer.Ordinal)];
        }
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

    private JsonObject? Stored(Dictionary<string, JsonObject> store, string name)
    {
        lock (_gate)
        {
            return store.TryGetValue(name, out var body) ? (JsonObject)body.DeepClone() : null;
        }
    }

    private async Task ServeAsync(HttpListenerContext context)
    {
        try
        {
            var request = context.Request;
            var body = await ReadBodyAsync(request);
            var path = request.Url?.AbsolutePath ?? "/";
            Record(new RecordedRequest(request.HttpMethod, request.Url?.PathAndQuery ?? path, LoggedText(body))
            {
                Accept = request.Headers["Accept"],
                ContentType = request.ContentType,
            });
            if (Latency > TimeSpan.Zero)
            {
                await Task.Delay(Latency, _stop.Token);
            }

            var response = InjectedFailure(path)
                           ?? CheckMediaTypes(request.Headers["Accept"], request.ContentType, body.Length > 0)
                           ?? (MaxContentLength > 0 && body.Length > MaxContentLength && path.EndsWith("/_bulk", StringComparison.Ordinal) ? TooLarge() : null)
                           ?? Route(request.HttpMethod, path, request.QueryString, body);
            await WriteAsync(context.Response, response);
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The client went away or we are shutting down.
        }
#pragma warning disable CA1031 // A bug in the double must show up as a 500 the test sees, not kill the server.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            try
            {
                await WriteAsync(context.Response, Error(500, "stand_in_exception", ex.ToString()));
            }
            catch (Exception inner) when (inner is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
            {
            }
        }
    }

    private void Record(RecordedRequest request)
    {
        _requests.Enqueue(request);
        while (_requests.Count > MaxLoggedRequests && _requests.TryDequeue(out _))
        {
        }
    }

    /// <summary>The body as UTF-8 bytes (gunzipped, without a BOM); <c>_bulk</c> reads it without decoding it.</summary>
    private static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpListenerRequest request)
    {
        if (!request.HasEntityBody)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        Stream stream = request.InputStream;
        if (string.Equals(request.Headers["Content-Encoding"], "gzip", StringComparison.OrdinalIgnoreCase))
        {
            stream = new GZipStream(stream, CompressionMode.Decompress);
        }

        using var buffer = request.ContentLength64 is > 0 and < int.MaxValue ? new MemoryStream((int)request.ContentLength64) : new MemoryStream();
        await stream.CopyToAsync(buffer);
        var bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        return bytes.Span.StartsWith("\uFEFF"u8) ? bytes[3..] : bytes;
    }

    /// <summary>What <see cref="Requests"/> shows: the first <see cref="MaxLoggedBodyChars"/> characters of the body.</summary>
    private static string LoggedText(ReadOnlyMemory<byte> body)
    {
        // A UTF-8 char takes at most 4 bytes, so this prefix always decodes to more than the kept characters.
        var prefix = body.Length > MaxLoggedBodyChars * 4 ? body[..(MaxLoggedBodyChars * 4)] : body;
        var text = Encoding.UTF8.GetString(prefix.Span);
        return text.Length > MaxLoggedBodyChars ? text[..MaxLoggedBodyChars] : text;
    }

    private async Task WriteAsync(HttpListenerResponse response, StandInResponse answer)
    {
        response.StatusCode = answer.Status;
        response.Headers["X-Elastic-Product"] = "Elasticsearch";
        response.ContentType = "application/json; charset=UTF-8";
        response.KeepAlive = true;
        var payload = answer.Raw ?? (answer.Body is null ? [] : Encoding.UTF8.GetBytes(answer.Body.ToJsonString()));
        if (answer.Drop)
        {
            // Promise the whole body, send half of it, then cut the connection.
            response.ContentLength64 = payload.Length;
            await response.OutputStream.WriteAsync(payload.AsMemory(0, payload.Length / 2));
            await response.OutputStream.FlushAsync();
            response.Abort();
            return;
        }

        response.ContentLength64 = answer.HeadOnly ? 0 : payload.Length;
        if (!answer.HeadOnly)
        {
            await response.OutputStream.WriteAsync(payload);
        }

        response.Close();
    }

    /// <summary>
    /// Elasticsearch's REST compatibility rule: Accept's <c>compatible-with</c> (default: own major) must be the
    /// own or the previous major; with a body, so must Content-Type's, both must be versioned or neither, and equal.
    /// </summary>
    private StandInResponse? CheckMediaTypes(string? accept, string? contentType, bool hasBody)
    {
        var a = CompatibleWith(accept);
        var c = CompatibleWith(contentType);
        var acceptVersion = a ?? Major;
        var contentVersion = c ?? Major;
        string? problem = null;
        if (acceptVersion > Major || acceptVersion < Major - 1)
        {
            problem = $"Accept version must be either version {Major} or {Major - 1}, but found {acceptVersion}. Accept={accept}";
        }
        else if (hasBody && (contentVersion > Major || contentVersion < Major - 1))
        {
            problem = $"Content-Type version must be either version {Major} or {Major - 1}, but found {contentVersion}. Content-Type={contentType}";
        }
        else if (hasBody && contentVersion != acceptVersion)
        {
            problem = "A compatible version is required on both Content-Type and Accept headers if either one has requested a compatible version "
                      + $"and the compatible versions must match. Accept={accept}, Content-Type={contentType}";
        }
        else if (hasBody && (a is null) != (c is null))
        {
            problem = $"A compatible version is required on both Content-Type and Accept headers if either one has requested a compatible version. Accept={accept}, Content-Type={contentType}";
        }

        if (problem is null)
        {
            return null;
        }

        const string reason = "Invalid media-type value on headers [Accept, Content-Type]";
        return new StandInResponse(400, new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["root_cause"] = new JsonArray(new JsonObject { ["type"] = "media_type_header_exception", ["reason"] = reason }),
                ["type"] = "media_type_header_exception",
                ["reason"] = reason,
                ["caused_by"] = new JsonObject { ["type"] = "status_exception", ["reason"] = problem },
            },
            ["status"] = 400,
        });
    }

    private StandInResponse? InjectedFailure(string path)
    {
        lock (_gate)
        {
            if (_failRequests <= 0 || (_failRequestPrefix is not null && !path.StartsWith(_failRequestPrefix, StringComparison.Ordinal)))
            {
                return null;
            }

            _failRequests--;
        }

        return StatusError(_failRequestStatus, path);
    }

    /// <summary>The <c>compatible-with</c> parameter of a vendor media type, or null.</summary>
    private static int? CompatibleWith(string? mediaType)
    {
        if (mediaType is null || !mediaType.Contains("application/vnd.elasticsearch+", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        foreach (var parameter in mediaType.Split(';').Skip(1))
        {
            var pair = parameter.Split('=', 2);
            if (pair.Length == 2 && pair[0].Trim().Equals("compatible-with", StringComparison.OrdinalIgnoreCase)
                && int.TryParse(pair[1].Trim(), System.Globalization.CultureInfo.InvariantCulture, out var version))
            {
                return version;
            }
        }

        return null;
    }

    /// <summary>Elasticsearch's answer to a body above http.max_content_length: 413 without a body.</summary>
    private StandInResponse TooLarge()
    {
        Interlocked.Increment(ref _bulkRequests);
        return new StandInResponse(413, null, Raw: []);
    }

    private StandInResponse Route(string method, string path, System.Collections.Specialized.NameValueCollection query, ReadOnlyMemory<byte> raw)
    {
        var size = query["size"];
        var requireDataStream = string.Equals(query["require_data_stream"], "true", StringComparison.Ordinal);
        var body = new Lazy<string>(() => Encoding.UTF8.GetString(raw.Span), LazyThreadSafetyMode.None);
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        if (segments.Length == 0)
        {
            return method == "HEAD" ? new StandInResponse(200, null, HeadOnly: true) : new StandInResponse(200, Info());
        }

        switch (segments)
        {
            case ["_bulk"]:
                return Bulk(null, raw, requireDataStream);
            case [var index, "_bulk"]:
                return Bulk(index, raw, requireDataStream);
            case ["_refresh"] or [_, "_refresh"]:
                return new StandInResponse(200, new JsonObject { ["_shards"] = Shards() });
            case [var index, "_count"]:
                return Count(index, body.Value);
            case ["_count"]:
                return Count("*", body.Value);
            case [var index, "_search"]:
                return Search(index, body.Value, size);
            case ["_search"]:
                return Search("*", body.Value, size);
            case ["_index_template", var name]:
                return Resource(method, _indexTemplates, name, body.Value, "index_templates", "index_template");
            case ["_component_template", var name]:
                return Resource(method, _componentTemplates, name, body.Value, "component_templates", "component_template");
            case ["_ilm", "policy", var name]:
                return Resource(method, _ilmPolicies, name, body.Value, null, null);
            case ["_data_stream", var name]:
                return DataStream(method, name);
            case [var name, "_rollover"] when method == "POST":
                return Rollover(name);
            default:
                return Error(400, "illegal_argument_exception", $"stand-in does not implement {method} {path}");
        }
    }

    private JsonObject Info() => new()
    {
        ["name"] = "stand-in",
        ["cluster_name"] = "stand-in",
        ["cluster_uuid"] = "c7nB3pAqQ4mX0y3tQ7Wc2Q",
        ["version"] = new JsonObject
        {
            ["number"] = ServerVersion,
            ["build_flavor"] = "default",
            ["build_type"] = "docker",
            ["build_hash"] = "0000000000000000000000000000000000000000",
            ["build_date"] = "2025-01-01T00:00:00.000Z",
            ["build_snapshot"] = false,
            ["lucene_version"] = "10.2.2",
            ["minimum_wire_compatibility_version"] = "8.19.0",
            ["minimum_index_compatibility_version"] = "8.0.0",
        },
        ["tagline"] = "You Know, for Search",
    };

    private StandInResponse Resource(string method, Dictionary<string, JsonObject> store, string name, string body, string? listName, string? itemName)
    {
        lock (_gate)
        {
            switch (method)
            {
                case "PUT" or "POST":
                    store[name] = string.IsNullOrWhiteSpace(body) ? [] : JsonNode.Parse(body)!.AsObject();
                    return new StandInResponse(200, new JsonObject { ["acknowledged"] = true });
                case "DELETE":
                    return store.Remove(name)
                        ? new StandInResponse(200, new JsonObject { ["acknowledged"] = true })
                        : Error(404, "resource_not_found_exception", $"{name} missing");
                case "HEAD":
                    return new StandInResponse(store.ContainsKey(name) ? 200 : 404, null, HeadOnly: true);
                default:
                    if (!store.TryGetValue(name, out var stored))
                    {
                        return Error(404, "resource_not_found_exception", $"{name} missing");
                    }

                    if (listName is null)
                    {
                        // ILM answers { "<name>": { "version": 1, "policy": {...} } }.
                        return new StandInResponse(200, new JsonObject
                        {
                            [name] = new JsonObject { ["version"] = 1, ["policy"] = stored["policy"]?.DeepClone() ?? stored.DeepClone() },
                        });
                    }

                    return new StandInResponse(200, new JsonObject
                    {
                        [listName] = new JsonArray(new JsonObject { ["name"] = name, [itemName!] = stored.DeepClone() }),
                    });
            }
        }
    }

    private StandInResponse DataStream(string method, string name)
    {
        lock (_gate)
        {
            switch (method)
            {
                case "PUT":
                    if (!_dataStreams.TryAdd(name, MatchingTemplate(name) is { DataStream: true } t ? t.Name : string.Empty))
                    {
                        return Error(400, "resource_already_exists_exception", $"data_stream [{name}] already exists");
                    }

                    _indices.TryAdd(name, new Dictionary<string, JsonObject>(StringComparer.Ordinal));
                    return new StandInResponse(200, new JsonObject { ["acknowledged"] = true });
                case "DELETE":
                    _indices.Remove(name);
                    return _dataStreams.Remove(name)
                        ? new StandInResponse(200, new JsonObject { ["acknowledged"] = true })
                        : Error(404, "index_not_found_exception", $"no such index [{name}]");
                case "HEAD":
                    return new StandInResponse(_dataStreams.ContainsKey(name) ? 200 : 404, null, HeadOnly: true);
                default:
                    var matching = _dataStreams.Keys.Where(ds => Matches(name, ds)).ToList();
                    if (matching.Count == 0 && !name.Contains('*', StringComparison.Ordinal))
                    {
                        return Error(404, "index_not_found_exception", $"no such index [{name}]");
                    }

                    var list = new JsonArray();
                    foreach (var ds in matching)
                    {
                        list.Add(new JsonObject
                        {
                            ["name"] = ds,
                            ["timestamp_field"] = new JsonObject { ["name"] = "@timestamp" },
                            ["generation"] = (_rolledOver.GetValueOrDefault(ds)?.Count ?? 0) + 1,
                            ["status"] = "GREEN",
                            ["template"] = _dataStreams[ds],
                        });
                    }

                    return new StandInResponse(200, new JsonObject { ["data_streams"] = list });
            }
        }
    }

    /// <summary>
    /// <c>POST &lt;data stream&gt;/_rollover</c>: the write index becomes a read-only backing index and a new, empty
    /// write index takes the writes. As in Elasticsearch, <c>create</c> checks <c>_id</c> uniqueness in the write
    /// index only (elastic/elasticsearch#44794), so a document re-sent after a rollover is indexed a second time.
    /// </summary>
    private StandInResponse Rollover(string name)
    {
        lock (_gate)
        {
            if (!_dataStreams.ContainsKey(name))
            {
                return Error(400, "illegal_argument_exception", $"rollover target [{name}] does not exist (stand-in models data streams only)");
            }

            var rolled = _rolledOver.TryGetValue(name, out var list) ? list : _rolledOver[name] = [];
            var old = BackingIndexName(name, rolled.Count + 1);
            _indices[old] = _indices.TryGetValue(name, out var write) ? write : new Dictionary<string, JsonObject>(StringComparer.Ordinal);
            _indices[name] = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
            _backingToStream[old] = name;
            rolled.Add(old);
            return new StandInResponse(200, new JsonObject
            {
                ["acknowledged"] = true,
                ["shards_acknowledged"] = true,
                ["old_index"] = old,
                ["new_index"] = BackingIndexName(name, rolled.Count + 1),
                ["rolled_over"] = true,
                ["dry_run"] = false,
            });
        }
    }

    private static string BackingIndexName(string dataStream, int generation) =>
        $".ds-{dataStream}-2026.01.01-{generation.ToString("000000", System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>True when <paramref name="index"/> is matched by the expression itself or is a backing index of a data stream it matches. Under the lock.</summary>
    private bool MatchesIndexOrStream(string expression, string index) =>
        Matches(expression, index) || (_backingToStream.TryGetValue(index, out var stream) && Matches(expression, stream));

    private static JsonObject Shards() => new() { ["total"] = 1, ["successful"] = 1, ["failed"] = 0 };

    private static StandInResponse Error(int status, string type, string reason) => new(status, new JsonObject
    {
        ["error"] = new JsonObject
        {
            ["root_cause"] = new JsonArray(new JsonObject { ["type"] = type, ["reason"] = reason }),
            ["type"] = type,
            ["reason"] = reason,
        },
        ["status"] = status,
    });

    /// <summary>
    /// The index template a new index <paramref name="index"/> gets: the highest-priority one whose pattern matches
    /// (with the built-in <c>logs</c> one for <c>logs-*-*</c> at 100), or null. Under the lock.
    /// </summary>
    private (string Name, bool DataStream)? MatchingTemplate(string index)
    {
        (string Name, bool DataStream, long Priority)? best = Matches("logs-*-*", index) ? (BuiltInLogsTemplate, true, 100) : null;
        foreach (var (name, body) in _indexTemplates)
        {
            var patterns = body["index_patterns"] switch
            {
                JsonArray array => array.Select(p => p!.GetValue<string>()),
                JsonValue single => [single.GetValue<string>()],
                _ => [],
            };
            var priority = body["priority"]?.GetValue<long>() ?? 0;
            if (patterns.Any(p => Matches(p, index)) && (best is null || priority > best.Value.Priority))
            {
                best = (name, body["data_stream"] is JsonObject, priority);
            }
        }

        return best is { } b ? (b.Name, b.DataStream) : null;
    }

    /// <summary>Index expression matching: comma lists and <c>*</c> wildcards.</summary>
    private static bool Matches(string expression, string index)
    {
        foreach (var part in expression.Split(','))
        {
            if (part is "*" or "_all")
            {
                return true;
            }

            if (Glob(part, index))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><c>*</c> matches any run of characters (several stars allowed, as in <c>logs-*-*</c>).</summary>
    private static bool Glob(string pattern, string text)
    {
        var pieces = pattern.Split('*');
        if (pieces.Length == 1)
        {
            return pattern == text;
        }

        if (!text.StartsWith(pieces[0], StringComparison.Ordinal) || !text.EndsWith(pieces[^1], StringComparison.Ordinal)
            || text.Length < pieces[0].Length + pieces[^1].Length)
        {
            return false;
        }

        var at = pieces[0].Length;
        var end = text.Length - pieces[^1].Length;
        for (var i = 1; i < pieces.Length - 1; i++)
        {
            var found = text.IndexOf(pieces[i], at, end - at, StringComparison.Ordinal);
            if (found < 0)
            {
                return false;
            }

            at = found + pieces[i].Length;
        }

        return true;
    }

    /// <summary>An answer: <see cref="Raw"/> (already serialized) wins over <see cref="Body"/>.</summary>
    private sealed record StandInResponse(int Status, JsonObject? Body, bool HeadOnly = false, bool Drop = false, byte[]? Raw = null);

    private sealed class ItemRejection(Func<JsonObject, bool> predicate, int status, int? times)
    {
        public Func<JsonObject, bool> Predicate { get; } = predicate;

        public int Status { get; } = status;

        public int? Remaining { get; set; } = times;
    }
}

/// <summary>One request as the stand-in received it.</summary>
public sealed record RecordedRequest(string Method, string Path, string Body)
{
    /// <summary>The Accept header as sent.</summary>
    public string? Accept { get; init; }

    /// <summary>The Content-Type header as sent.</summary>
    public string? ContentType { get; init; }
}
