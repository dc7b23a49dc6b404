using System.Buffers.Text;
using System.Globalization;

namespace LogPipeline.Ingest.Parsing;

/// <summary>nginx's time variables, parsed over bytes and keeping the offset the server logged.</summary>
public static class NginxTime
{
    private static readonly string[] IsoFormats =
        ["yyyy-MM-dd'T'HH:mm:sszzz", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", "yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'"];

    /// <summary><c>$time_local</c>: <c>10/Oct/2000:13:55:36 -0700</c>.</summary>
    public static bool TryParseLocal(ReadOnlySpan<byte> s, out DateTimeOffset value)
    {
        value = default;
        if (s.Length != 26 || s[2] != '/' || s[6] != '/' || s[11] != ':' || s[14] != ':' || s[17] != ':' || s[20] != ' '
            || s[21] is not ((byte)'+' or (byte)'-'))
        {
            return false;
        }

        var month = Month(s.Slice(3, 3));
        if (month == 0
            || !TryDigits(s[..2], out var day) || !TryDigits(s.Slice(7, 4), out var year) || !TryDigits(s.Slice(12, 2), out var hour)
            || !TryDigits(s.Slice(15, 2), out var minute) || !TryDigits(s.Slice(18, 2), out var second)
            || !TryDigits(s.Slice(22, 2), out var offsetHours) || !TryDigits(s.Slice(24, 2), out var offsetMinutes))
        {
            return false;
        }

        var offset = new TimeSpan(offsetHours, offsetMinutes, 0);
        return TryCreate(year, month, day, hour, minute, second, s[21] == '-' ? -offset : offset, out value);
    }

    /// <summary><c>$time_iso8601</c>: <c>2000-10-10T13:55:36-07:00</c> (also accepts <c>Z</c>).</summary>
    public static bool TryParseIso8601(ReadOnlySpan<byte> s, out DateTimeOffset value)
    {
        value = default;
        if (s.Length is > 40 or < 20)
        {
            return false;
        }

        Span<char> chars = stackalloc char[s.Length];
        for (var i = 0; i < s.Length; i++)
        {
            chars[i] = (char)s[i];
        }

        return DateTimeOffset.TryParseExact(chars, IsoFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value);
    }

    /// <summary><c>$msec</c>: seconds since the epoch with millisecond resolution, UTC.</summary>
    public static bool TryParseMsec(ReadOnlySpan<byte> s, out DateTimeOffset value)
    {
        value = default;
        if (!Utf8Parser.TryParse(s, out decimal seconds, out var consumed) || consumed != s.Length || seconds < 0 || seconds > 253_402_300_799m)
        {
            return false;
        }

        value = DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000m));
        return true;
    }

    private static bool TryCreate(int year, int month, int day, int hour, int minute, int second, TimeSpan offset, out DateTimeOffset value)
    {
        value = default;
        if (year is < 1000 or > 9998 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 60
            || offset.Duration() > TimeSpan.FromHours(14))
        {
            return false;
        }

        // A leap second (:60) is logged by some clocks; fold it into the next second rather than reject the line.
        value = new DateTimeOffset(year, month, day, hour, minute, 0, offset).AddSeconds(second);
        return true;
    }

    private static bool TryDigits(ReadOnlySpan<byte> s, out int value)
    {
        value = 0;
        foreach (var b in s)
        {
            var d = b - '0';
            if ((uint)d > 9)
            {
                return false;
            }

            value = (value * 10) + d;
        }

        return true;
    }

    private static int Month(ReadOnlySpan<byte> m) => (m[0] | 0x20, m[1] | 0x20, m[2] | 0x20) switch
    {
        ('j', 'a', 'n') => 1,
        ('f', 'e', 'b') => 2,
        ('m', 'a', 'r') => 3,
        ('a', 'p', 'r') => 4,
        ('m', 'a', 'y') => 5,
        ('j', 'u', 'n') => 6,
        ('j', 'u', 'l') => 7,
        ('a', 'u', 'g') => 8,
        ('s', 'e', 'p') => 9,
        ('o', 'c', 't') => 10,
        ('n', 'o', 'v') => 11,
        ('d', 'e', 'c') => 12,
        _ => 0,
    };
}
