using System.Net;
using LogPipeline.Ingest.Enrichment.GeoIp;

namespace LogPipeline.Ingest.Tests.Enrichment;

public sealed class GeoIpLookupTests
{
    // Well-known addresses whose registration country is stable; checked against the pinned database.
    [Theory]
    [InlineData("8.8.8.8", "US", "United States")]
    [InlineData("2001:4860:4860::8888", "US", "United States")]
    [InlineData("193.0.6.139", "NL", "Netherlands")]
    [InlineData("2001:67c:2e8:22::c100:68b", "NL", "Netherlands")]
    [InlineData("217.160.0.201", "DE", "Germany")]
    [InlineData("200.160.2.3", "BR", "Brazil")]
    [InlineData("202.12.27.33", "JP", "Japan")]
    [InlineData("::ffff:8.8.4.4", "US", "United States")]
    public void Known_addresses_resolve_to_their_country(string address, string iso, string name)
    {
        var country = TestData.Geo.Find(IPAddress.Parse(address));

        Assert.NotNull(country);
        Assert.Equal(iso, country.IsoCode);
        Assert.Equal(name, country.Name);
    }

    [Theory]
    [InlineData("10.1.2.3")]
    [InlineData("172.20.0.1")]
    [InlineData("192.168.1.1")]
    [InlineData("127.0.0.1")]
    [InlineData("169.254.169.254")]
    [InlineData("100.64.0.1")]
    [InlineData("192.0.2.1")]
    [InlineData("198.51.100.7")]
    [InlineData("203.0.113.9")]
    [InlineData("::1")]
    [InlineData("fd12:3456::1")]
    [InlineData("fe80::1")]
    [InlineData("2001:db8::1")]
    [InlineData("::ffff:10.0.0.1")]
    public void Non_public_addresses_get_no_country(string address)
    {
        Assert.True(IpRanges.IsNonPublic(IPAddress.Parse(address)));
        Assert.Null(TestData.Geo.Find(IPAddress.Parse(address)));
    }

    // The per-thread recent-address cache maps many addresses to few slots: every answer must be the address's own,
    // as a lookup that has never seen any other address gives it, when other addresses share or evict its slot.
    [Fact]
    public void Each_address_gets_its_own_country_while_many_addresses_share_the_per_thread_cache()
    {
        var addresses = Enumerable.Range(0, 600)
            .Select(i => new IPAddress([(byte)(1 + (i * 37 % 223)), (byte)(i * 11), (byte)(i * 5), 9]))
            .Concat(new[] { "8.8.8.8", "193.0.6.139", "217.160.0.201", "200.160.2.3", "202.12.27.33", "::ffff:8.8.4.4", "2001:67c:2e8:22::c100:68b" }.Select(IPAddress.Parse))
            .ToArray();
        var expected = new string?[addresses.Length];
        for (var i = 0; i < addresses.Length; i++)
        {
            using var fresh = new GeoIpLookup(TestData.GeoIpPath);
            expected[i] = fresh.Find(addresses[i])?.IsoCode;
        }

        Assert.True(expected.Distinct().Count() > 5, "the sample should span several countries");
        using var shared = new GeoIpLookup(TestData.GeoIpPath);
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < addresses.Length; i++)
            {
                Assert.Equal(expected[i], shared.Find(addresses[i])?.IsoCode);
            }
        }
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("100.128.0.1")]
    [InlineData("172.32.0.1")]
    [InlineData("2606:4700:4700::1111")]
    public void Public_addresses_are_not_marked_private(string address)
    {
        Assert.False(IpRanges.IsNonPublic(IPAddress.Parse(address)));
    }
}
