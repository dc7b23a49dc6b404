using System.Net;
using System.Text;
using LogPipeline.Bench.Workloads;
using LogPipeline.Ingest.Enrichment;
using LogPipeline.Ingest.Enrichment.GeoIp;
using LogPipeline.Ingest.Enrichment.UserAgents;
using LogPipeline.Ingest.Indexing;
using LogPipeline.Ingest.Parsing;

namespace LogPipeline.Bench.Micro;

/// <summary>The real enrichment parts over the real data files (data/ next to the binary), and varied inputs.</summary>
public static class EnrichmentFixture
{
    public const int Batch = 1024;

    public static string DataFile(string name) => Path.Combine(AppContext.BaseDirectory, "data", name);

    private static readonly string[] DataFiles = ["geo-whois-asn-country.mmdb", "regexes.yaml"];

    public static string? MissingData() =>
        DataFiles.Where(f => !File.Exists(DataFile(f))).Select(f => "data/" + f + " missing (run build/fetch-data.sh data)").FirstOrDefault();

    public static byte[][] Lines() => [.. Enumerable.Range(0, Batch).Select(i => LineGenerator.LineBytes(i * 7919L)[..^1])];

    public static IPAddress[] Addresses() =>
        [.. Enumerable.Range(0, Batch).Select(i => IPAddress.Parse(LineGenerator.Line(i * 7919L).Split(' ')[0]))];

    /// <summary>Real-world variety: every call a different user agent string, so the cache never hits.</summary>
    public static byte[][] DistinctUserAgents(int round) =>
        [.. Enumerable.Range(0, Batch).Select(i => Encoding.UTF8.GetBytes(
            $"Mozilla/5.0 (Linux; Android 1{i % 5}; SM-G99{i % 10}B Build/TP1A.{round}.{i}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/12{i % 10}.0.{round}.{i} Mobile Safari/537.36"))];

    public static AccessLogFormat Format() => AccessLogFormat.Compile("combined");

    public static GeoIpLookup Geo() => new(DataFile("geo-whois-asn-country.mmdb"));

    public static UserAgentParser UserAgents() => new(DataFile("regexes.yaml"));

    public static DocumentFactory Factory() =>
        new(Format(), Geo(), UserAgents(), DocumentDefaults.Default, TimeProvider.System);
}
