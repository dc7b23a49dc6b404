using System.Text.Json.Nodes;
using Elastic.Clients.Elasticsearch;
using Elastic.Transport;

namespace LogPipeline.Ingest.Elasticsearch;

/// <summary>
/// Raw JSON requests over the official client's transport (same auth/TLS as the worker through
/// <see cref="ElasticsearchClientFactory"/>): template, lifecycle and aggregation bodies are sent exactly as built,
/// and every failure becomes a message that says what to do. The first request reads the server's version
/// (<c>GET /</c>); every later one carries that major's compatibility media types
/// (<see cref="ElasticsearchCompatibility"/>). Used by setup, report and the worker's start-up check; one
/// caller at a time (not thread-safe).
/// </summary>
internal sealed class ElasticsearchRawClient
{
    private static readonly RequestConfiguration Probe = new() { Accept = ElasticsearchCompatibility.PlainJson };

    private readonly ElasticsearchClient _client;
    private readonly Uri _url;
    private RequestConfiguration? _request;

    public ElasticsearchRawClient(ElasticsearchOptions options)
    {
        _url = options.Url!;
        _client = ElasticsearchClientFactory.Create(options, settings => settings.MaximumRetries(1));
    }

    /// <summary>The server's version once <see cref="CheckClusterAsync"/> (or any request) has run.</summary>
    public Version? ServerVersion { get; private set; }

    /// <summary>
    /// <c>GET /</c>: fails with an actionable message when unreachable, refused or of an unsupported version
    /// (<see cref="SetupException.Retriable"/> tells an outage from a refusal); returns the version.
    /// </summary>
    public async Task<Version> CheckClusterAsync(CancellationToken cancellationToken)
    {
        var (status, text) = await SendCoreAsync(Elastic.Transport.HttpMethod.GET, "/", null, Probe, cancellationToken);
        var info = EnsureSuccess(Elastic.Transport.HttpMethod.GET, "/", status, text);
        var number = info?["version"]?["number"]?.GetValue<string>();
        var version = ElasticsearchCompatibility.Check(number, out var refusal)
                      ?? throw new SetupException($"Elasticsearch at {_url} {refusal}");
        var media = ElasticsearchCompatibility.Json(version.Major);
        _request = new RequestConfiguration { Accept = media, ContentType = media };
        ServerVersion = version;
        return version;
    }

    /// <summary>Sends a request; returns the parsed body of a 2xx answer, throws <see cref="SetupException"/> otherwise.</summary>
    public async Task<JsonObject?> SendAsync(Elastic.Transport.HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken)
    {
        var (status, text) = await TrySendAsync(method, path, body, cancellationToken);
        return EnsureSuccess(method, path, status, text);
    }

    /// <summary>The parsed body of a 2xx answer; otherwise a <see cref="SetupException"/> that says what to do.</summary>
    public JsonObject? EnsureSuccess(Elastic.Transport.HttpMethod method, string path, int? status, string text)
    {
        if (status is >= 200 and < 300)
        {
            return string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text) as JsonObject;
        }

        // An overloaded or restarting cluster (429, 5xx) may answer the same request later; anything else needs an operator.
        throw new SetupException(Describe(method, path, status ?? 0, text), retriable: status is 429 or >= 500);
    }

    /// <summary>Sends a request; returns the status (null for none) and body; throws only when unreachable or unsupported.</summary>
    public async Task<(int? Status, string Body)> TrySendAsync(Elastic.Transport.HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken)
    {
        if (_request is null)
        {
            await CheckClusterAsync(cancellationToken);
        }

        return await SendCoreAsync(method, path, body, _request!, cancellationToken);
    }

    private async Task<(int? Status, string Body)> SendCoreAsync(
        Elastic.Transport.HttpMethod method, string path, JsonNode? body, RequestConfiguration request, CancellationToken cancellationToken)
    {
        var post = body is null ? null : PostData.String(body.ToJsonString());
        var response = await _client.Transport.RequestAsync<StringResponse>(method, path, post, request, cancellationToken);
        var details = response.ApiCallDetails;
        if (details.HttpStatusCode is null)
        {
            var reason = details.OriginalException?.GetBaseException().Message ?? "no response";
            throw new SetupException($"Elasticsearch at {_url} is unreachable ({reason}). Check Elasticsearch:Url and that the cluster is up.", retriable: true);
        }

        return (details.HttpStatusCode, response.Body ?? string.Empty);
    }

    private string Describe(Elastic.Transport.HttpMethod method, string path, int status, string body) => status switch
    {
        401 => $"Elasticsearch at {_url} refused the credentials (401) for {method} {path}. Set Elasticsearch:ApiKey, or Elasticsearch:Username and Elasticsearch:Password, to a valid user.",
        403 => $"Elasticsearch at {_url} denied {method} {path} (403). Give the user of Elasticsearch:ApiKey/Username the cluster privileges monitor and manage_index_templates and the index privileges create_doc, manage, read on the data stream's pattern (Elasticsearch:DataStream with -* for the namespace).",
        _ => $"Elasticsearch answered {status} to {method} {path}: {Reason(body)}",
    };

    private static string Reason(string body)
    {
        try
        {
            var error = JsonNode.Parse(body)?["error"];
            return error is JsonObject e ? $"{e["type"]}: {e["reason"]}" : body;
        }
        catch (System.Text.Json.JsonException)
        {
            return body;
        }
    }
}
