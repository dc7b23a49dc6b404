using LogPipeline.Ingest.Enrichment.GeoIp;
using LogPipeline.Ingest.Enrichment.UserAgents;

namespace LogPipeline.Ingest.Tests.Enrichment;

/// <summary>The npm reference data the build copies next to the tests (build/fetch-data.sh), loaded once.</summary>
internal static class TestData
{
    private static readonly Lazy<UserAgentParser> SharedUserAgents = new(() => new UserAgentParser(RegexesPath));
    private static readonly Lazy<GeoIpLookup> SharedGeo = new(() => new GeoIpLookup(GeoIpPath));

    public static string RegexesPath => Require(Path.Combine(AppContext.BaseDirectory, "data", "regexes.yaml"));

    public static string GeoIpPath => Require(Path.Combine(AppContext.BaseDirectory, "data", "geo-whois-asn-country.mmdb"));

    public static UserAgentParser UserAgents => SharedUserAgents.Value;

    public static GeoIpLookup Geo => SharedGeo.Value;

    private static string Require(string path) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: run `bash build/fetch-data.sh data` and rebuild", path);
}
