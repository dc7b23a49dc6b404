using System.Text;

namespace LogPipeline.EndToEnd.Tests.Hostile;

/// <summary>
/// Seeded generators of hostile bytes: random noise, mutations of valid lines, and user agents built from
/// the pieces uap-core's regexes look for, repeated until backtracking would hurt. Deterministic per seed,
/// so a failure names the seed and the case reproduces.
/// </summary>
internal static class HostileInput
{
    private static readonly string[] UaPieces =
    [
        "Mozilla/5.0 (", "Windows NT 10.0; ", "Win64; x64", ") ", "AppleWebKit/537.36 ", "(KHTML, like Gecko) ", "Chrome/",
        "Safari/", "Version/", "Mobile/", "Android ", "Linux; ", "Build/", "iPhone; CPU iPhone OS ", "like Mac OS X",
        "Firefox/", "Gecko/", "rv:", "bot", "crawler", "spider", "MSIE ", "Trident/", "Opera", "OPR/", "Edg/", "; ", " ",
        "1", "2.", "0.", ".", "_", "-", "/", "(", ")", ";", "\\", "\"", "<script>", "%00", "é", "中文", "\uFFFD", "\t",
    ];

    public static readonly byte[] ValidLine = Encoding.UTF8.GetBytes(
        "198.51.100.23 - alice [14/Mar/2025:09:26:53 +0100] \"GET /shop/cart?seq=42&x=1 HTTP/1.1\" 200 1234 " +
        "\"https://example.com/\" \"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\"");

    /// <summary>A user agent of up to <paramref name="maxLength"/> characters designed to stress regexes.</summary>
    public static string UserAgent(Random random, int maxLength)
    {
        var sb = new StringBuilder();
        var target = random.Next(4) switch
        {
            0 => random.Next(1, 64),
            1 => random.Next(64, 600),
            2 => random.Next(600, 5000),
            _ => random.Next(5000, maxLength),
        };
        // Either one piece repeated (the classic catastrophic input) or a random walk through the pieces.
        if (random.Next(3) == 0)
        {
            var piece = UaPieces[random.Next(UaPieces.Length)] + UaPieces[random.Next(UaPieces.Length)];
            while (sb.Length < target)
            {
                sb.Append(piece);
            }

            sb.Append(random.Next(2) == 0 ? "!" : "(");
        }
        else
        {
            while (sb.Length < target)
            {
                sb.Append(UaPieces[random.Next(UaPieces.Length)]);
                if (random.Next(8) == 0)
                {
                    sb.Append(random.Next(100000));
                }
            }
        }

        return sb.Length > maxLength ? sb.ToString(0, maxLength) : sb.ToString();
    }

    /// <summary>A line that is random bytes, a mutated valid line, or a valid line with a hostile field.</summary>
    public static byte[] Line(Random random)
    {
        switch (random.Next(5))
        {
            case 0:
            {
                var noise = new byte[random.Next(0, 2048)];
                random.NextBytes(noise);
                return noise;
            }

            case 1:
            {
                var bytes = (byte[])ValidLine.Clone();
                for (var flips = random.Next(1, 8); flips > 0; flips--)
                {
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                }

                return bytes;
            }

            case 2:
            {
                var cut = random.Next(ValidLine.Length + 1);
                return ValidLine[..cut];
            }

            case 3:
            {
                // Splice structural characters and escapes at random places.
                string[] inserts = ["\"", "\\", "\\x", "\\x2", "\\x22", "[", "]", " ", "-", "\\\"", "\r", "\0", "\xff", "%0D%0A"];
                var text = Encoding.Latin1.GetString(ValidLine);
                for (var n = random.Next(1, 6); n > 0; n--)
                {
                    var at = random.Next(text.Length + 1);
                    text = text.Insert(at, inserts[random.Next(inserts.Length)]);
                }

                return Encoding.Latin1.GetBytes(text);
            }

            default:
            {
                var ua = UserAgent(random, 20_000).Replace("\"", "\\x22", StringComparison.Ordinal);
                return Encoding.UTF8.GetBytes(
                    $"203.0.113.{random.Next(256)} - - [14/Mar/2025:09:26:53 +0000] \"GET /u?seq={random.Next()} HTTP/1.1\" 200 {random.Next(100000)} \"-\" \"{ua}\"");
            }
        }
    }
}
