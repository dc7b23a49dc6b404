using System.Globalization;

namespace LogPipeline.Ingest.Elasticsearch;

/// <summary>
/// Which Elasticsearch versions the worker, <c>setup</c> and <c>report</c> speak, and the REST API compatibility
/// media types for each. A server answers 400 <c>media_type_header_exception</c> when the <c>compatible-with</c>
/// of Accept or Content-Type is above its own major or below the previous one, or when the two differ; so every
/// request names the server's own major, read once from <c>GET /</c> (which is sent with plain
/// <c>application/json</c>, valid on every version).
/// </summary>
public static class ElasticsearchCompatibility
{
    /// <summary>Data stream lifecycle (retention) in index templates needs 8.11.</summary>
    public static readonly Version Minimum = new(8, 11);

    /// <summary>The newest major this build was written and tested against.</summary>
    public const int NewestMajor = 9;

    /// <summary>What the docs and the refusal message call the supported range.</summary>
    public const string Supported = "8.11 or later 8.x, and 9.x";

    /// <summary>Accept for the version probe: no compatibility parameter, so any major answers it.</summary>
    public const string PlainJson = "application/json";

    /// <summary>
    /// Parses <c>version.number</c> (e.g. <c>8.19.2</c>, <c>9.1.0-SNAPSHOT</c>); null with <paramref name="refusal"/>
    /// set when the version is unreadable or not supported.
    /// </summary>
    public static Version? Check(string? number, out string? refusal)
    {
        if (number is null || !Version.TryParse(number.Split('-')[0], out var version))
        {
            refusal = $"answered GET / without a readable version number ('{number}'); is Elasticsearch:Url pointing at Elasticsearch?";
            return null;
        }

        if (version < Minimum || version.Major > NewestMajor)
        {
            refusal = $"runs Elasticsearch {number}, which logpipeline-ingest does not support: it works with Elasticsearch {Supported}"
                      + (version < Minimum ? " (data stream lifecycle needs 8.11). Upgrade Elasticsearch." : ". Use a logpipeline-ingest release that supports it.");
            return null;
        }

        refusal = null;
        return version;
    }

    /// <summary>Accept and Content-Type of JSON requests to a server of <paramref name="major"/>.</summary>
    public static string Json(int major) => "application/vnd.elasticsearch+json; compatible-with=" + major.ToString(CultureInfo.InvariantCulture);

    /// <summary>Content-Type of <c>_bulk</c> bodies to a server of <paramref name="major"/>.</summary>
    public static string Ndjson(int major) => "application/vnd.elasticsearch+x-ndjson; compatible-with=" + major.ToString(CultureInfo.InvariantCulture);
}
