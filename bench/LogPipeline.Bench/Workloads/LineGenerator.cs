using System.Globalization;
using System.Text;

namespace LogPipeline.Bench.Workloads;

/// <summary>
/// Deterministic nginx "combined" lines (~180 bytes) tagged with a sequence number in the query string
/// (<c>seq=N</c>), so the consumer can count distinct lines whatever the tool did to them.
/// </summary>
public static class LineGenerator
{
    private static readonly string[] Paths = ["/", "/products", "/cart", "/api/v1/items", "/static/app.js", "/login"];
    private static readonly string[] Agents =
    [
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
        "curl/8.4.0",
    ];

    private static readonly DateTimeOffset Epoch = new(2026, 1, 15, 10, 0, 0, TimeSpan.Zero);

    /// <summary>The line for sequence number <paramref name="seq"/>, newline included.</summary>
    public static string Line(long seq) => Line(seq, Agents[seq % Agents.Length]);

    /// <summary>The line for <paramref name="seq"/> with the given user agent (already as nginx logs it), newline included.</summary>
    public static string Line(long seq, string agent)
    {
        var ip = $"{(seq % 200) + 11}.{(seq / 7) % 250}.{(seq / 3) % 250}.{(seq % 250) + 1}";
        var time = Epoch.AddMilliseconds(seq).ToString("dd/MMM/yyyy:HH:mm:ss +0000", CultureInfo.InvariantCulture);
        var path = Paths[seq % Paths.Length];
        var status = seq % 50 == 0 ? 404 : 200;
        var bytes = 512 + (seq % 4096);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{ip} - - [{time}] \"GET {path}?seq={seq} HTTP/1.1\" {status} {bytes} \"https://shop.example/\" \"{agent}\"\n");
    }

    public static byte[] LineBytes(long seq) => Encoding.ASCII.GetBytes(Line(seq));

    /// <summary>Finds the sequence number in a delivered message, or -1.</summary>
    public static long ParseSeq(ReadOnlySpan<byte> value)
    {
        var at = value.IndexOf("seq="u8);
        if (at < 0)
        {
            return -1;
        }

        long n = 0;
        var digits = 0;
        for (var i = at + 4; i < value.Length && value[i] is >= (byte)'0' and <= (byte)'9' && digits < 18; i++, digits++)
        {
            n = (n * 10) + (value[i] - '0');
        }

        return digits == 0 ? -1 : n;
    }
}
