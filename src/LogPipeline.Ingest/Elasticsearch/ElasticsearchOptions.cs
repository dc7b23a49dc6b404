using Microsoft.Extensions.Options;

namespace LogPipeline.Ingest.Elasticsearch;

/// <summary>How to reach Elasticsearch (section <c>Elasticsearch</c>); used by the worker, setup and report.</summary>
public sealed class ElasticsearchOptions
{
    public const string Section = "Elasticsearch";

    public Uri? Url { get; set; }

    /// <summary>Base64 "id:key" API key (preferred). Never logged.</summary>
    public string? ApiKey { get; set; }

    public string? Username { get; set; }

    /// <summary>Never logged.</summary>
    public string? Password { get; set; }

    /// <summary>PEM CA certificate that signed the cluster's HTTP certificate.</summary>
    public string? CaCertificatePath { get; set; }

    /// <summary>
    /// Our own dataset, so that neither the data stream nor its template (<c>logs-logpipeline.nginx</c>) collide
    /// with Elastic's nginx integration (<c>logs-nginx.access-*</c>, installed by Fleet).
    /// </summary>
    public const string DefaultDataStream = "logs-logpipeline.nginx-default";

    /// <summary>Target data stream <c>logs-&lt;dataset&gt;-&lt;namespace&gt;</c>; the index template is named after <c>logs-&lt;dataset&gt;</c>.</summary>
    public string DataStream { get; set; } = DefaultDataStream;

    /// <summary>
    /// Validation errors, each naming its configuration key. All rules live here (not in annotations): the
    /// <c>setup</c> and <c>report</c> commands validate this section without a host.
    /// </summary>
    public IEnumerable<string> Validate()
    {
        if (Url is null)
        {
            yield return "Elasticsearch:Url is required (e.g. http://elasticsearch:9200).";
        }
        else if (!Url.IsAbsoluteUri || Url.Scheme is not ("http" or "https"))
        {
            yield return $"Elasticsearch:Url '{Redact(Url)}' must be an absolute http or https URL (e.g. http://elasticsearch:9200).";
        }

        if (!string.IsNullOrEmpty(Username) && string.IsNullOrEmpty(Password))
        {
            yield return "Elasticsearch:Password is required when Elasticsearch:Username is set.";
        }

        if (!string.IsNullOrEmpty(CaCertificatePath) && !File.Exists(CaCertificatePath))
        {
            yield return $"Elasticsearch:CaCertificatePath '{CaCertificatePath}' does not exist.";
        }

        // The data stream naming scheme: neither the dataset nor the namespace contains '-', so the template
        // name and pattern (logs-<dataset>, logs-<dataset>-*) follow from the name unambiguously.
        var dataStream = DataStream ?? string.Empty;
        if (dataStream.Split('-') is not ["logs", { Length: > 0 }, { Length: > 0 }] || !string.Equals(dataStream, dataStream.ToLowerInvariant(), StringComparison.Ordinal))
        {
            yield return $"Elasticsearch:DataStream '{DataStream}' must look like logs-<dataset>-<namespace> (lower case, no '-' inside the dataset or namespace), e.g. {DefaultDataStream}.";
        }
    }

    /// <summary>
    /// The URL as it may appear in messages: credentials written into it (<c>https://user:secret@host</c>)
    /// are replaced, so a configuration error never prints a password.
    /// </summary>
    public static string Redact(Uri url)
    {
        if (!url.IsAbsoluteUri)
        {
            var text = url.OriginalString;
            var at = text.LastIndexOf('@');
            return at < 0 ? text : "***@" + text[(at + 1)..];
        }

        return string.IsNullOrEmpty(url.UserInfo) ? url.ToString() : url.ToString().Replace(url.UserInfo + "@", "***@", StringComparison.Ordinal);
    }
}

/// <summary>The <c>Elasticsearch</c> section's rules (<see cref="ElasticsearchOptions.Validate"/>) at host start.</summary>
public sealed class ElasticsearchOptionsRules : IValidateOptions<ElasticsearchOptions>
{
    public ValidateOptionsResult Validate(string? name, ElasticsearchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate().ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
