using System.ComponentModel.DataAnnotations;

namespace LogPipeline.Ingest.Indexing;

/// <summary>How to reach Elasticsearch (section <c>Elasticsearch</c>); used by the worker, setup and report.</summary>
public sealed class ElasticsearchOptions
{
    public const string Section = "Elasticsearch";

    [Required]
    public Uri? Url { get; set; }

    /// <summary>Base64 "id:key" API key (preferred). Never logged.</summary>
    public string? ApiKey { get; set; }

    public string? Username { get; set; }

    /// <summary>Never logged.</summary>
    public string? Password { get; set; }

    /// <summary>PEM CA certificate that signed the cluster's HTTP certificate.</summary>
    public string? CaCertificatePath { get; set; }

    [Required]
    public string DataStream { get; set; } = "logs-nginx.access-default";

    /// <summary>Validation errors, each naming its configuration key.</summary>
    public IEnumerable<string> Validate()
    {
        if (Url is null)
        {
            yield return "Elasticsearch:Url is required (e.g. http://elasticsearch:9200).";
        }
        else if (Url.Scheme is not ("http" or "https"))
        {
            yield return $"Elasticsearch:Url '{Url}' must be an http or https URL.";
        }

        if (!string.IsNullOrEmpty(Username) && string.IsNullOrEmpty(Password))
        {
            yield return "Elasticsearch:Password is required when Elasticsearch:Username is set.";
        }

        if (!string.IsNullOrEmpty(CaCertificatePath) && !File.Exists(CaCertificatePath))
        {
            yield return $"Elasticsearch:CaCertificatePath '{CaCertificatePath}' does not exist.";
        }

        if (string.IsNullOrWhiteSpace(DataStream) || !DataStream.StartsWith("logs-", StringComparison.Ordinal) || DataStream.Count(c => c == '-') < 2)
        {
            yield return $"Elasticsearch:DataStream '{DataStream}' must look like logs-<dataset>-<namespace>.";
        }
    }
}
