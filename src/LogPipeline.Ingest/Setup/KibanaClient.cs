using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LogPipeline.Ingest.Elasticsearch;

namespace LogPipeline.Ingest.Setup;

/// <summary>
/// The two Kibana calls setup needs: wait for <c>GET /api/status</c> and import saved objects. Authenticates with
/// <c>Kibana:ApiKey</c> or <c>Kibana:Username/Password</c>, falling back to the Elasticsearch credentials
/// (Kibana accepts the same users). Used from one thread (the setup command).
/// </summary>
internal sealed class KibanaClient : IDisposable
{
    public static readonly Version MinimumVersion = new(8, 9);

    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    private readonly HttpClient _http;
    private readonly Uri _url;
    private readonly string _space;
    private readonly TimeProvider _time;

    public KibanaClient(KibanaOptions kibana, ElasticsearchOptions elasticsearch, TimeProvider time)
    {
        _url = BaseAddress(kibana.Url ?? throw new ArgumentException("Kibana:Url is required.", nameof(kibana)));
        _space = SpacePrefix(kibana.Space);
        _time = time;
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) };
        if (!string.IsNullOrEmpty(elasticsearch.CaCertificatePath) && _url.Scheme == "https")
        {
            // Kibana's certificate is usually signed by the same private CA as the cluster's: trust that CA as the
            // only root for this connection, keeping host-name checks (only chain errors are re-evaluated).
            var ca = ElasticsearchClientFactory.LoadCertificates(elasticsearch.CaCertificatePath);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (errors == SslPolicyErrors.None)
                {
                    return true;
                }

                if (certificate is not X509Certificate2 leaf || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                chain.ChainPolicy.CustomTrustStore.AddRange(ca);
                return chain.Build(leaf);
            };
        }

        _http = new HttpClient(handler) { BaseAddress = _url, Timeout = TimeSpan.FromSeconds(60) };
        _http.DefaultRequestHeaders.Add("kbn-xsrf", "true");
        _http.DefaultRequestHeaders.Authorization = Authorization(kibana, elasticsearch);
    }

    /// <summary>
    /// <paramref name="url"/> with a trailing slash: relative URIs resolve against the last segment's parent, so
    /// <c>https://host/kibana</c> + <c>api/status</c> would otherwise lose <c>/kibana</c> (a Kibana base path).
    /// </summary>
    internal static Uri BaseAddress(Uri url)
    {
        var builder = new UriBuilder(url) { Query = string.Empty, Fragment = string.Empty };
        if (!builder.Path.EndsWith('/'))
        {
            builder.Path += "/";
        }

        return builder.Uri;
    }

    /// <summary>Saved-object APIs of a space live under <c>/s/&lt;space&gt;/</c>; the default space has no prefix.</summary>
    internal static string SpacePrefix(string? space) =>
        string.IsNullOrEmpty(space) || space == KibanaOptions.DefaultSpace ? string.Empty : "s/" + space + "/";

    /// <summary>
    /// <c>POST /api/saved_objects/_bulk_get</c> in the configured space: each requested object as stored, or null
    /// when it does not exist there.
    /// </summary>
    public async Task<IReadOnlyDictionary<(string Type, string Id), JsonObject?>> BulkGetAsync(IReadOnlyList<(string Type, string Id)> objects, CancellationToken cancellationToken)
    {
        var request = new JsonArray([.. objects.Select(o => (JsonNode)new JsonObject { ["type"] = o.Type, ["id"] = o.Id })]);
        using var content = new StringContent(request.ToJsonString(), Encoding.UTF8, "application/json");
        var (status, body) = await SendAsync(HttpMethod.Post, _space + "api/saved_objects/_bulk_get", content, "reading the saved objects back", cancellationToken);
        if (status == HttpStatusCode.NotFound && _space.Length > 0)
        {
            throw new SetupException($"Kibana at {_url} has no space '{_space[2..^1]}' (404 on {_space}api/saved_objects/_bulk_get). Create the space or fix Kibana:Space.");
        }

        if (status != HttpStatusCode.OK)
        {
            throw new SetupException($"Kibana refused to read the saved objects back with HTTP {(int)status}: {body}");
        }

        var found = new Dictionary<(string, string), JsonObject?>();
        foreach (var obj in (JsonNode.Parse(body)?["saved_objects"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var key = (obj["type"]?.GetValue<string>() ?? string.Empty, obj["id"]?.GetValue<string>() ?? string.Empty);
            if (obj["error"] is JsonObject error)
            {
                if (error["statusCode"]?.GetValue<int>() != 404)
                {
                    throw new SetupException($"Kibana could not read {key.Item1}/{key.Item2}: {error.ToJsonString()}");
                }

                found[key] = null;
            }
            else
            {
                found[key] = obj;
            }
        }

        return found;
    }

    private async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpMethod method, string relative, HttpContent? content, string what, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            using var request = new HttpRequestMessage(method, new Uri(relative, UriKind.Relative)) { Content = content };
            response = await _http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new SetupException($"Kibana at {_url} is unreachable ({ex.GetBaseException().Message}). Check Kibana:Url.");
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                throw new SetupException(AuthMessage((int)response.StatusCode, what));
            }

            return (response.StatusCode, body);
        }
    }

    /// <summary>Polls <c>/api/status</c> until 200 (or the timeout); fails at once on 401/403; checks the version.</summary>
    public async Task<string> WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = _time.GetTimestamp();
        string last = "no answer yet";
        while (true)
        {
            try
            {
                using var response = await _http.GetAsync(new Uri("api/status", UriKind.Relative), cancellationToken);
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                {
                    throw new SetupException(AuthMessage((int)response.StatusCode, "GET /api/status"));
                }

                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return CheckVersion(body);
                }

                last = $"HTTP {(int)response.StatusCode}";
            }
            catch (HttpRequestException ex)
            {
                last = ex.GetBaseException().Message;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                last = "request timed out";
            }

            if (_time.GetElapsedTime(deadline) + PollInterval > timeout)
            {
                throw new SetupException(
                    $"Kibana at {_url} did not become ready within {timeout} (last: {last}). Check Kibana:Url and that Kibana is running, or raise Kibana:StartupTimeout.");
            }

            await Task.Delay(PollInterval, _time, cancellationToken);
        }
    }

    /// <summary><c>POST /api/saved_objects/_import?overwrite=true</c> with the NDJSON as multipart field <c>file</c>.</summary>
    public async Task<int> ImportAsync(byte[] ndjson, string fileName, CancellationToken cancellationToken)
    {
        using var content = new MultipartFormDataContent();
        var file = new ByteArrayContent(ndjson);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/ndjson");
        content.Add(file, "file", fileName);

        HttpResponseMessage response;
        try
        {
            response = await _http.PostAsync(new Uri(_space + "api/saved_objects/_import?overwrite=true", UriKind.Relative), content, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new SetupException($"Kibana at {_url} is unreachable ({ex.GetBaseException().Message}). Check Kibana:Url.");
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                throw new SetupException(AuthMessage((int)response.StatusCode, "the saved objects import"));
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new SetupException($"Kibana rejected the dashboards import with HTTP {(int)response.StatusCode}: {body}");
            }

            return CheckImport(body);
        }
    }

    public void Dispose() => _http.Dispose();

    /// <summary>A failed import still answers 200: the body's <c>success</c> and <c>errors</c> tell.</summary>
    internal static int CheckImport(string body)
    {
        JsonObject result;
        try
        {
            result = JsonNode.Parse(body) as JsonObject ?? throw new SetupException($"Kibana answered the import with a non-object body: {body}");
        }
        catch (JsonException)
        {
            throw new SetupException($"Kibana answered the import with a body that is not JSON: {body}");
        }

        if (result["success"]?.GetValue<bool>() == true)
        {
            return result["successCount"]?.GetValue<int>() ?? 0;
        }

        var errors = (result["errors"] as JsonArray ?? []).OfType<JsonObject>().Select(e =>
        {
            var error = e["error"] as JsonObject;
            var detail = error?["type"]?.GetValue<string>() ?? "unknown";
            if (error?["references"] is JsonArray refs && refs.Count > 0)
            {
                detail += " " + string.Join(", ", refs.OfType<JsonObject>().Select(r => $"{r["type"]}/{r["id"]}"));
            }
            else if (error?["message"] is JsonNode message)
            {
                detail += ": " + message;
            }

            return $"{e["type"]}/{e["id"]} ({detail})";
        }).ToList();
        throw new SetupException(
            $"Kibana imported {result["successCount"]?.GetValue<int>() ?? 0} objects but failed on {errors.Count}: {string.Join("; ", errors)}");
    }

    private string CheckVersion(string statusBody)
    {
        string? number = null;
        try
        {
            number = JsonNode.Parse(statusBody)?["version"]?["number"]?.GetValue<string>();
        }
        catch (JsonException)
        {
            // Not JSON: treated as "no version" below.
        }

        if (number is null)
        {
            // Kibana hides its version from anonymous callers; the import will fail clearly if it is too old.
            return "unknown version";
        }

        if (Version.TryParse(number.Split('-')[0], out var version) && version < MinimumVersion)
        {
            throw new SetupException(
                $"Kibana {number} at {_url} is too old: the dashboards need {MinimumVersion.Major}.{MinimumVersion.Minor} or later (Lens saved-object format). Upgrade Kibana.");
        }

        return number;
    }

    private string AuthMessage(int status, string what) => status == 401
        ? $"Kibana at {_url} refused the credentials (401) for {what}. Set Kibana:ApiKey or Kibana:Username/Kibana:Password (default: the Elasticsearch credentials)."
        : $"Kibana at {_url} denied {what} (403). The Kibana user needs the 'All' privilege on Saved Objects Management, Dashboards and Visualize Library in the target space.";

    private static AuthenticationHeaderValue? Authorization(KibanaOptions kibana, ElasticsearchOptions elasticsearch)
    {
        if (!string.IsNullOrEmpty(kibana.ApiKey))
        {
            return new AuthenticationHeaderValue("ApiKey", kibana.ApiKey);
        }

        if (!string.IsNullOrEmpty(kibana.Username))
        {
            return Basic(kibana.Username, kibana.Password);
        }

        if (!string.IsNullOrEmpty(elasticsearch.ApiKey))
        {
            return new AuthenticationHeaderValue("ApiKey", elasticsearch.ApiKey);
        }

        return string.IsNullOrEmpty(elasticsearch.Username) ? null : Basic(elasticsearch.Username, elasticsearch.Password);
    }

    private static AuthenticationHeaderValue Basic(string user, string? password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
}
