using System.Buffers;
using System.Net;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using LogPipeline.Contracts;
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
    private byte[][] _offsets = [];

    private static ReadOnlySpan<byte> Source => "web-7d9f-abcde"u8;

    private static ReadOnlySpan<byte> File => "2049:1234:00ff00ff00ff00ff"u8;

    [GlobalSetup]
    public void Setup()
    {
        _lines = EnrichmentFixture.Lines();
        _addresses = EnrichmentFixture.Addresses();
        _format = EnrichmentFixture.Format();
        _geo = EnrichmentFixture.Geo();
        _cachedUa = EnrichmentFixture.UserAgents();
        _factory = EnrichmentFixture.Factory();
        _offsets = [.. Enumerable.Range(0, EnrichmentFixture.Batch).Select(i => System.Text.Encoding.ASCII.GetBytes((i * 173L).ToString(System.Globalization.CultureInfo.InvariantCulture)))];
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

    [Benchmark(OperationsPerInvoke = EnrichmentFixture.Batch, Description = "document _id (DocumentId.FromSource)")]
    public int DocumentIdFromSource()
    {
        Span<byte> id = stackalloc byte[DocumentId.Length];
        var n = 0;
        foreach (var offset in _offsets)
        {
            DocumentId.FromSource(Source, File, offset, id);
            n += id[0];
        }

        return n;
    }

    [Benchmark(OperationsPerInvoke = EnrichmentFixture.Batch, Description = "document _id hash via the platform's SHA256.HashData (reference)")]
    public int DocumentIdPlatformHash()
    {
        Span<byte> input = stackalloc byte[128];
        Span<byte> hash = stackalloc byte[32];
        var n = 0;
        foreach (var offset in _offsets)
        {
            Source.CopyTo(input);
            input[Source.Length] = (byte)'\n';
            File.CopyTo(input[(Source.Length + 1)..]);
            input[Source.Length + 1 + File.Length] = (byte)'\n';
            offset.CopyTo(input[(Source.Length + File.Length + 2)..]);
            SHA256.HashData(input[..(Source.Length + File.Length + 2 + offset.Length)], hash);
            n += hash[0];
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
