using System.Globalization;
using System.Text;

namespace LogPipeline.EndToEnd.Tests.Analytics;

/// <summary>
/// A deterministic combined-format log for the GoAccess oracle: varied client addresses (IPv4 and IPv6), browsers,
/// crawlers, tools and an absent user agent, statuses 2xx–5xx, every hour of two local days (+0200, so the local day
/// differs from the UTC day around midnight), paths with percent-encoded characters and query strings, and one line
/// cut inside its user agent. Also counts what it wrote, independently of both GoAccess and the pipeline.
/// </summary>
internal sealed class VisitorLog
{
    public static readonly TimeSpan Offset = TimeSpan.FromHours(2);
    public static readonly DateTimeOffset Start = new(2025, 3, 14, 0, 0, 0, Offset);

    /// <summary>The user agent of the one line written without its closing quote (cut mid user agent).</summary>
    public const string CutUserAgent = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

    private static readonly string[] Addresses =
    [
        .. Enumerable.Range(1, 24).Select(i => $"203.0.113.{i * 7}"),
        .. Enumerable.Range(1, 12).Select(i => $"198.51.100.{i * 13}"),
        "8.8.8.8", "1.1.1.1", "2001:db8::1", "2001:db8:85a3::8a2e:370:7334",
    ];

    // (user agent, bot by our rule): the rule is BotClassifier's, written out here for the expectation.
    private static readonly (string UserAgent, bool Bot)[] Agents =
    [
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", false),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15", false),
        ("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", false),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1", false),
        ("Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1", false),
        ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36", false),
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", true),
        ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", true),
        ("curl/8.5.0", true),
        ("python-requests/2.31.0", true),
        ("-", true),
    ];

    // Only spellings GoAccess and uri_parts decode alike (see docs/ingest.md "Visitor fields" for where they differ).
    private static readonly (string Raw, string Decoded)[] Paths =
    [
        ("/", "/"),
        ("/about", "/about"),
        ("/blog/tags/jquery%20mobile", "/blog/tags/jquery mobile"),
        ("/caf%C3%A9/menu", "/café/menu"),
        ("/docs/a%2Fb", "/docs/a/b"),
        ("/search/c++", "/search/c++"),
        ("/%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82", "/привет"),
        ("/discount/100%25", "/discount/100%"),
        ("/bad%zzescape", "/bad%zzescape"),
        ("/products/42", "/products/42"),
        ("/static/style.css", "/static/style.css"),
        ("/static/app.js", "/static/app.js"),
        ("/img/logo.png", "/img/logo.png"),
        ("/robots.txt", "/robots.txt"),
    ];

    private static readonly int[] Statuses = [200, 200, 200, 200, 200, 301, 304, 403, 404, 500, 503];

    private VisitorLog()
    {
    }

    public List<string> Lines { get; } = [];

    public Dictionary<int, int> HitsByHour { get; } = [];

    public Dictionary<int, int> HitsByStatus { get; } = [];

    public Dictionary<string, int> HitsByPath { get; } = new(StringComparer.Ordinal);

    public HashSet<(string Ip, string Day, string UserAgent)> Visitors { get; } = [];

    public int Bots { get; private set; }

    public DateTimeOffset Last { get; private set; }

    public static VisitorLog Generate(int lines, int seed)
    {
        var log = new VisitorLog();
        var random = new Random(seed);
        var span = TimeSpan.FromDays(2).Ticks;
        var times = Enumerable.Range(0, lines).Select(_ => Start.AddTicks(random.NextInt64(span))).Order().ToList();

        // The cut line goes in the middle, so the line after it must still be read as its own.
        var cutAt = lines / 2;
        for (var i = 0; i < lines; i++)
        {
            var time = new DateTimeOffset(times[i].Ticks - (times[i].Ticks % TimeSpan.TicksPerSecond), Offset);
            var ip = Addresses[random.Next(Addresses.Length)];
            var (userAgent, bot) = i == cutAt ? (CutUserAgent, true) : Agents[random.Next(Agents.Length)];
            var (raw, decoded) = Paths[random.Next(Paths.Length)];
            var query = random.Next(4) == 0 ? $"?utm_source=n{random.Next(5)}&q=a%20b" : string.Empty;
            var (method, status) = random.Next(25) == 0 ? ("POST", 201) : ("GET", Statuses[random.Next(Statuses.Length)]);
            if (method == "POST")
            {
                // One method per path: GoAccess keys its request panels by method too.
                (raw, decoded, query) = ("/api/submit", "/api/submit", string.Empty);
            }

            var bytes = status is 304 or 301 ? 0 : random.Next(100, 50_000);
            var referer = random.Next(3) == 0 ? "https://www.example.org/page" : "-";
            var local = time.ToString("dd/MMM/yyyy:HH:mm:ss", CultureInfo.InvariantCulture) + " +0200";
            var line = new StringBuilder()
                .Append(CultureInfo.InvariantCulture, $"{ip} - - [{local}] \"{method} {raw}{query} HTTP/1.1\" {status} {bytes} \"{referer}\" \"{userAgent}");
            if (i != cutAt)
            {
                line.Append('"');
            }

            log.Lines.Add(line.ToString());
            log.HitsByHour[time.Hour] = log.HitsByHour.GetValueOrDefault(time.Hour) + 1;
            log.HitsByStatus[status] = log.HitsByStatus.GetValueOrDefault(status) + 1;
            log.HitsByPath[decoded] = log.HitsByPath.GetValueOrDefault(decoded) + 1;
            log.Visitors.Add((ip, time.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), userAgent));
            log.Bots += bot ? 1 : 0;
            log.Last = time;
        }

        return log;
    }
}
