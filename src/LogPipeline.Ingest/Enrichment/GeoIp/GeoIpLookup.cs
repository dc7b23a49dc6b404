using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using LogPipeline.Ingest.Enrichment.UserAgents;
using MaxMind.Db;

namespace LogPipeline.Ingest.Enrichment.GeoIp;

/// <summary>A country found for an address: ISO 3166-1 alpha-2 code and English name.</summary>
public sealed record Country(string IsoCode, string Name);

/// <summary>
/// Country of an address from the geo-whois-asn-country MaxMind DB (records <c>{country_code}</c>),
/// memory-mapped so every worker process shares the page cache. Thread-safe: the reader is, the address
/// cache is a bounded concurrent cache, and the name cache is bounded by the number of countries.
/// </summary>
public sealed class GeoIpLookup : IDisposable
{
    // Stands for "no country" in the cache, which holds only non-null values.
    private static readonly Country None = new(string.Empty, string.Empty);

    // The last addresses this thread looked up, direct-mapped by address: a client sends many requests in a row,
    // and a hit here skips formatting the address and the shared cache's string lookup. Owned by the calling
    // thread; entries are tagged with their lookup so two GeoIpLookup instances on one thread never mix.
    [ThreadStatic]
    private static RecentEntry[]? t_recent;

    private const int RecentSize = 256;
    private readonly Reader _reader;
    private readonly ConcurrentDictionary<string, Country?> _countries = new(StringComparer.Ordinal);
    private readonly BoundedCache<Country> _byAddress;

    /// <param name="databasePath">The .mmdb file.</param>
    /// <param name="cacheSize">Addresses remembered: clients send many requests, and a database read costs a few µs.</param>
    public GeoIpLookup(string databasePath, int cacheSize = 50_000)
    {
        _reader = new Reader(databasePath, FileAccessMode.MemoryMapped);
        _byAddress = new BoundedCache<Country>(cacheSize);
    }

    /// <summary>Null when the address is not public or the database has no country for it.</summary>
    public Country? Find(IPAddress address)
    {
        if (IpRanges.IsNonPublic(address))
        {
            return null;
        }

        Span<byte> bytes = stackalloc byte[16];
        bytes.Clear();
        if (!address.TryWriteBytes(bytes, out var byteCount))
        {
            return FindShared(address);
        }

        var value = new UInt128(
            System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]),
            System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        var length = (byte)byteCount;
        var recent = t_recent ??= new RecentEntry[RecentSize];
        ref var entry = ref recent[(int)((uint)value.GetHashCode() % RecentSize)];
        if (ReferenceEquals(entry.Owner, this) && entry.Address == value && entry.Length == length)
        {
            return entry.Country;
        }

        var country = FindShared(address);
        entry = new RecentEntry(this, value, length, country);
        return country;
    }

    private Country? FindShared(IPAddress address)
    {
        Span<char> key = stackalloc char[64];
        if (!address.TryFormat(key, out var length))
        {
            return Lookup(address);
        }

        if (_byAddress.TryGet(key[..length], out var cached))
        {
            return ReferenceEquals(cached, None) ? null : cached;
        }

        var country = Lookup(address);
        _byAddress.Add(key[..length].ToString(), country ?? None);
        return country;
    }

    private readonly record struct RecentEntry(GeoIpLookup? Owner, UInt128 Address, byte Length, Country? Country);

    private Country? Lookup(IPAddress address)
    {
        var record = _reader.Find<CountryRecord>(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
        return record?.CountryCode is { Length: 2 } code ? _countries.GetOrAdd(code, ToCountry) : null;
    }

    public void Dispose() => _reader.Dispose();

    private static Country? ToCountry(string code)
    {
        try
        {
            return new Country(code, new RegionInfo(code).EnglishName);
        }
        catch (ArgumentException)
        {
            // A code .NET does not know (e.g. a newly assigned one): keep the code, name it by the code.
            return new Country(code, code);
        }
    }

    internal sealed class CountryRecord
    {
        [Constructor]
        public CountryRecord([MapKey("country_code")] string? countryCode)
        {
            CountryCode = countryCode;
        }

        public string? CountryCode { get; }
    }
}
