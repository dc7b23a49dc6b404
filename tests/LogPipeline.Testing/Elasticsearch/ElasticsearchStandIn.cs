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
/// State is guarded by one lock; requests are served concurrently from the thread pool.
/// </summary>
public sealed partial class ElasticsearchStandIn : IAsyncDisposable
{
    public const string Version = "9.1.0";
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
    private readonly HashSet<string> _dataStreams = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly List<ItemRejection> _itemRejections = [];
    private int _failBulks;
    private int _failBulkStatus;
    private int _dropConnections;
    private long _bulkRequests;
    private long _autoId;

    private ElasticsearchStandIn(HttpListener listener, Uri url)
    {
        _listener = listener;
        Url = url;
        _acceptLoop = Task.Run(() => LoopbackHttpListener.AcceptLoopAsync(_listener, ServeAsync, _stop.Token));
    }

    /// <summary>Base URL, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Url { get; }

    /// <summary>Artificial delay added before every response.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Number of <c>_bulk</c> requests received (including failed and dropped ones).</summary>
    public long BulkRequestCount => Interlocked.Read(ref _bulkRequests);

    /// <summary>The most recent requests (bounded), oldest first.</summary>
    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    public static ElasticsearchStandIn Start()
    {
        var (listener, baseAddress) = LoopbackHttpListener.Start();
        return new ElasticsearchStandIn(listener, baseAddress);
    }

    /// <summary>The next <paramref name="count"/> <c>_bulk</c> requests answer <paramref name="status"/> (429 or 503) without indexing.</summary>
    public void FailNextBulkRequests(int count, int status = 429)
    {
        lock (_gate)
        {
            _failBulks = count;
            _failBulkStatus = status;
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
            _dropConnections = 0;
            _itemRejections.Clear();
        }

        Latency = TimeSpan.Zero;
    }

    /// <summary>The stored documents of an index or data stream: _id → a copy of the source.</summary>
    public IReadOnlyDictionary<string, JsonObject> Documents(string index)
    {
        lock (_gate)
        {
            return _indices.TryGetValue(index, out var docs)
                ? docs.ToDictionary(kv => kv.Key, kv => (JsonObject)kv.Value.DeepClone(), StringComparer.Ordinal)
                : new Dictionary<string, JsonObject>(StringComparer.Ordinal);
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
            return _dataStreams.Contains(name);
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
            Record(new RecordedRequest(request.HttpMethod, request.Url?.PathAndQuery ?? path, LoggedText(body)));
            if (Latency > TimeSpan.Zero)
            {
                await Task.Delay(Latency, _stop.Token);
            }

            var response = Route(request.HttpMethod, path, request.QueryString["size"], body);
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

    private StandInResponse Route(string method, string path, string? size, ReadOnlyMemory<byte> raw)
    {
        var body = new Lazy<string>(() => Encoding.UTF8.GetString(raw.Span), LazyThreadSafetyMode.None);
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        if (segments.Length == 0)
        {
            return method == "HEAD" ? new StandInResponse(200, null, HeadOnly: true) : new StandInResponse(200, Info());
        }

        switch (segments)
        {
            case ["_bulk"]:
                return Bulk(null, raw);
            case [var index, "_bulk"]:
                return Bulk(index, raw);
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
            default:
                return Error(400, "illegal_argument_exception", $"stand-in does not implement {method} {path}");
        }
    }

    private static JsonObject Info() => new()
    {
        ["name"] = "stand-in",
        ["cluster_name"] = "stand-in",
        ["cluster_uuid"] = "c7nB3pAqQ4mX0y3tQ7Wc2Q",
        ["version"] = new JsonObject
        {
            ["number"] = Version,
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
                    if (!_dataStreams.Add(name))
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
                    return new StandInResponse(_dataStreams.Contains(name) ? 200 : 404, null, HeadOnly: true);
                default:
                    var matching = _dataStreams.Where(ds => Matches(name, ds)).ToList();
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
                            ["generation"] = 1,
                            ["status"] = "GREEN",
                            ["template"] = _indexTemplates.Keys.FirstOrDefault() ?? string.Empty,
                        });
                    }

                    return new StandInResponse(200, new JsonObject { ["data_streams"] = list });
            }
        }
    }

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

    /// <summary>Index expression matching: comma lists and <c>*</c> wildcards.</summary>
    private static bool Matches(string expression, string index)
    {
        foreach (var part in expression.Split(','))
        {
            if (part is "*" or "_all")
            {
                return true;
            }

            var star = part.IndexOf('*', StringComparison.Ordinal);
            if (star < 0 ? part == index : index.StartsWith(part[..star], StringComparison.Ordinal) && index.EndsWith(part[(star + 1)..], StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
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
public sealed record RecordedRequest(string Method, string Path, string Body);
