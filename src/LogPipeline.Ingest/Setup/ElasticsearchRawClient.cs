using System.Text.Json.Nodes;
using Elastic.Clients.Elasticsearch;
using Elastic.Transport;
using LogPipeline.Ingest.Indexing;

namespace LogPipeline.Ingest.Setup;

/// <summary>
/// Raw JSON requests over the official client's transport (same auth/TLS as the worker through
/// <see cref="ElasticsearchClientFactory"/>): template, lifecycle and aggregation bodies are sent exactly as built,
/// and every failure becomes a message that says what to do.
/// </summary>
internal sealed class ElasticsearchRawClient
{
    /// <summary>Data stream lifecycle in index templates needs 8.11+.</summary>
    public static readonly Version MinimumVersion = new(8, 11);

    private readonly ElasticsearchClient _client;
    private readonly Uri _url;

    public ElasticsearchRawClient(ElasticsearchOptions options)
    {
        _url = options.Url!;
        _client = ElasticsearchClientFactory.Create(options, settings => settings.MaximumRetries(1));
    }

    /// <summary><c>GET /</c>: fails with an actionable message when unreachable, refused or too old; returns the version.</summary>
    public async Task<Version> CheckClusterAsync(CancellationToken cancellationToken)
    {
        var info = await SendAsync(Elastic.Transport.HttpMethod.GET, "/", null, cancellationToken);
        var number = info?["version"]?["number"]?.GetValue<string>();
        if (number is null || !Version.TryParse(number.Split('-')[0], out var version))
        {
            throw new SetupException($"Elasticsearch at {_url} answered GET / without a version number; is Elasticsearch:Url pointing at Elasticsearch?");
        }

        if (version < MinimumVersion)
        {
            throw new SetupException(
                $"Elasticsearch {number} at {_url} is too old: data stream lifecycle (retention) needs {MinimumVersion.Major}.{MinimumVersion.Minor} or later. Upgrade Elasticsearch.");
        }

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

        throw new SetupException(Describe(method, path, status ?? 0, text));
    }

    /// <summary>Sends a request; returns the status (null for none) and body; throws only when unreachable.</summary>
    public async Task<(int? Status, string Body)> TrySendAsync(Elastic.Transport.HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken)
    {
        var post = body is null ? null : PostData.String(body.ToJsonString());
        var response = await _client.Transport.RequestAsync<StringResponse>(method, path, post, cancellationToken);
        var details = response.ApiCallDetails;
        if (details.HttpStatusCode is null)
        {
            var reason = details.OriginalException?.GetBaseException().Message ?? "no response";
            throw new SetupException($"Elasticsearch at {_url} is unreachable ({reason}). Check Elasticsearch:Url and that the cluster is up.");
        }

        return (details.HttpStatusCode, response.Body ?? string.Empty);
    }

    private string Describe(Elastic.Transport.HttpMethod method, string path, int status, string body) => status switch
    {
        401 => $"Elasticsearch at {_url} refused the credentials (401) for {method} {path}. Set Elasticsearch:ApiKey, or Elasticsearch:Username and Elasticsearch:Password, to a valid user.",
        403 => $"Elasticsearch at {_url} denied {method} {path} (403). Give the user of Elasticsearch:ApiKey/Username the cluster privilege manage_index_templates and the index privileges manage, read on logs-nginx.access-*.",
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
