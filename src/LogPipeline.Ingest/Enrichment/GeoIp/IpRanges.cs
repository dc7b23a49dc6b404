using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace LogPipeline.Ingest.Enrichment.GeoIp;

/// <summary>
/// Addresses that have no country: private, loopback, link-local, CGNAT, documentation, benchmark,
/// multicast and reserved ranges (IANA special-purpose registries). They are tagged, never geolocated.
/// </summary>
public static class IpRanges
{
    private static readonly (uint Network, int Prefix)[] V4 =
    [
        (0x00000000, 8),   // 0.0.0.0/8 "this network"
        (0x0A000000, 8),   // 10/8
        (0x64400000, 10),  // 100.64/10 CGNAT
        (0x7F000000, 8),   // 127/8 loopback
        (0xA9FE0000, 16),  // 169.254/16 link-local
        (0xAC100000, 12),  // 172.16/12
        (0xC0000000, 24),  // 192.0.0/24 IETF protocol assignments
        (0xC0000200, 24),  // 192.0.2/24 TEST-NET-1
        (0xC0A80000, 16),  // 192.168/16
        (0xC6120000, 15),  // 198.18/15 benchmarking
        (0xC6336400, 24),  // 198.51.100/24 TEST-NET-2
        (0xCB007100, 24),  // 203.0.113/24 TEST-NET-3
        (0xE0000000, 4),   // 224/4 multicast
        (0xF0000000, 4),   // 240/4 reserved + broadcast
    ];

    public static bool IsNonPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var length))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork && length == 4)
        {
            var value = BinaryPrimitives.ReadUInt32BigEndian(bytes);
            foreach (var (network, prefix) in V4)
            {
                if ((value & (uint.MaxValue << (32 - prefix))) == network)
                {
                    return true;
                }
            }

            return false;
        }

        // IPv6: unspecified, loopback, ULA fc00::/7, link-local fe80::/10, multicast ff00::/8,
        // documentation 2001:db8::/32 and 3fff::/20, discard 100::/64.
        var high = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        var low = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        return (high == 0 && low <= 1)
               || (bytes[0] & 0xFE) == 0xFC
               || (bytes[0] == 0xFE && (bytes[1] & 0xC0) == 0x80)
               || bytes[0] == 0xFF
               || (high >> 32) == 0x20010DB8
               || (high >> 44) == 0x3FFF0
               || high == 0x0100000000000000;
    }
}
