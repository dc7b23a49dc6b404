using System.Buffers;
using System.Net;
using BenchmarkDotNet.Attributes;
using LogPipeline.Ingest.Enrichment;
using LogPipeline.Ingest.Enrichment.GeoIp;
using LogPipeline.Ingest.Enrichment.UserAgents;
using LogPipeline.Ingest.Parsing;

namespace LogPipeline.Bench.Micro;

/// <summary>
/// One operation = one line (OperationsPerInvoke = batch), single-threaded: 1e9 / ns-per-op = events/s per core.
/// </summary>
[MemoryDiagnoser]
public class EnrichmentBenchmarks
{
    private byte[][] _lines = [];
    private IPAddress[] _addresses = [];
    private AccessLogFormat _format = null!;
    private GeoIpLookup _geo = null!;
    private UserAgentParser _cachedUa = null!;
    private DocumentFactory _factory = null!;
    private readonly byte[] _scratch = new byte[4096];
    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private int _round;

    [GlobalSetup]
    public void Setup()
    {
        _lines = EnrichmentFixture.Lines();
        _addresses = EnrichmentFixture.Addresses();
        _format = EnrichmentFixture.Format();
        _geo = EnrichmentFixture.Geo();
        _cachedUa = EnrichmentFixture.UserAgents();
        _factory = EnrichmentFixture.Factory();
        foreach (var line in _lines)
        {
            _format.TryParse(line, _scratch, out var r);
            _cachedUa.Parse(r.UserAgent);
        }
    }

    [Benchmark(OperationsPerInvoke = EnrichmentFixture.Batch, Description = "parse (combined)")]
    public int Parse()
    {
        var ok = 0;
        foreach (var line in _lines)
        {
            ok += _format.TryParse(line, _scratch, out _) is null ? 1 : 0;
        }

        return ok;
    }

    [Benchmark(OperationsPerInvoke = EnrichmentFixture.Batch, Description = "GeoIP country lookup")]
    public int GeoIp()
    {
        var found = 0;
        foreach (var address in _addresses)
        {
            found += _geo.Find(address) is null ? 0 : 1;
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = EnrichmentFixture.Batch, Description = "user agent (cold: never seen)")]
    public int UserAgentCold()
    {
        // A fresh batch per call (building it is negligible next to a regex walk), so nothing hits the cache.
        var n = 0;
        foreach (var agent in EnrichmentFixture.DistinctUserAgents(++_round))
        {
            n += _cachedUa.Parse(agent).Name.Length;
        }

        return n;
    }

    [Benchmark(OperationsPerInvoke = EnrichmentFixture.Batch, Description = "user agent (cached)")]
    public int UserAgentCached()
    {
        var n = 0;
        foreach (var line in _lines)
        {
            _format.TryParse(line, _scratch, out var r);
            n += _cachedUa.Parse(r.UserAgent).Name.Length;
        }

        return n;
    }

    [Benchmark(OperationsPerInvoke = EnrichmentFixture.Batch, Description = "IDocumentFactory.TryCreate (parse+enrich+ECS JSON)")]
    public int TryCreate()
    {
        var ok = 0;
        var source = new SourceInfo("bench", "1:2:abcd", 0, false, DateTimeOffset.UtcNow);
        foreach (var line in _lines)
        {
            _output.ResetWrittenCount();
            ok += _factory.TryCreate(line, source, _output).Success ? 1 : 0;
        }

        return ok;
    }
}
