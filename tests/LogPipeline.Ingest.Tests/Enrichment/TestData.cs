using LogPipeline.Ingest.Enrichment.GeoIp;
using LogPipeline.Ingest.Enrichment.UserAgents;

namespace LogPipeline.Ingest.Tests.Enrichment;

/// <summary>The npm reference data the build copies next to the tests (build/fetch-data.sh), loaded once.</summary>
internal static class TestData
{
    /// <summary>
    /// The match timeout of parsers whose answers are compared with an expected one. A timeout is a guard against
    /// catastrophic backtracking, not part of the answer: on a loaded 2-core CI box a thread can be descheduled for
    /// longer than the product's default, the rule then counts as not matching and a later rule answers. The
    /// timeout behaviour itself is tested separately (UserAgentParserTests, the fuzz tests).
    /// </summary>
    public static readonly TimeSpan UnhurriedMatchTimeout = TimeSpan.FromSeconds(10);

    private static readonly Lazy<UserAgentParser> SharedUserAgents = new(() => new UserAgentParser(RegexesPath, matchTimeout: UnhurriedMatchTimeout));
    private static readonly Lazy<GeoIpLookup> SharedGeo = new(() => new GeoIpLookup(GeoIpPath));

    public static string RegexesPath => Require(Path.Combine(AppContext.BaseDirectory, "data", "regexes.yaml"));

    public static string GeoIpPath => Require(Path.Combine(AppContext.BaseDirectory, "data", "geo-whois-asn-country.mmdb"));

    public static UserAgentParser UserAgents => SharedUserAgents.Value;

    public static GeoIpLookup Geo => SharedGeo.Value;

    private static string Require(string path) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: run `bash build/fetch-data.sh data` and rebuild", path);
}
