using LogPipeline.Ingest.Enrichment.GeoIp;
using LogPipeline.Ingest.Enrichment.UserAgents;

namespace LogPipeline.Ingest.Tests.Enrichment;

/// <summary>The npm reference data the build copies next to the tests (build/fetch-data.sh), loaded once.</summary>
internal static class TestData
{
    /// <summary>
    /// The match timeout of interpreted parsers whose answers are compared with an expected one. A timeout is a guard
    /// against catastrophic backtracking, not part of the answer: on a loaded 2-core CI box a thread can be
    /// descheduled for longer than the product's default while an interpreted rule runs (up to milliseconds), the
    /// rule then counts as not matching and a later rule answers. The timeout behaviour itself is tested separately
    /// (UserAgentParserTests, the fuzz tests). Another timeout than the product's also means the build's precompiled
    /// rules are not used (<see cref="UserAgents"/> uses them).
    /// </summary>
    public static readonly TimeSpan UnhurriedMatchTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The product's parser as the worker builds it: the build's precompiled rules, the default match timeout (a rule runs in microseconds).</summary>
    private static readonly Lazy<UserAgentParser> SharedUserAgents = new(() => new UserAgentParser(RegexesPath));
    private static readonly Lazy<GeoIpLookup> SharedGeo = new(() => new GeoIpLookup(GeoIpPath));

    public static string RegexesPath => Require(Path.Combine(AppContext.BaseDirectory, "data", "regexes.yaml"));

    public static string GeoIpPath => Require(Path.Combine(AppContext.BaseDirectory, "data", "geo-whois-asn-country.mmdb"));

    public static UserAgentParser UserAgents => SharedUserAgents.Value;

    public static GeoIpLookup Geo => SharedGeo.Value;

    private static string Require(string path) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: run `bash build/fetch-data.sh data` and rebuild", path);
}
