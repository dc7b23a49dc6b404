using System.Globalization;

namespace LogPipeline.EndToEnd.Tests.Harness;

/// <summary>One scrape of a worker's <c>/metrics</c> (Prometheus text format), queried by family name.</summary>
internal sealed class MetricsSnapshot
{
    private readonly List<(string Name, string Labels, double Value)> _samples;

    private MetricsSnapshot(string text, List<(string Name, string Labels, double Value)> samples)
    {
        Text = text;
        _samples = samples;
    }

    public string Text { get; }

    public static async Task<MetricsSnapshot> ScrapeAsync(Uri url)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        return Parse(await http.GetStringAsync(url));
    }

    public static MetricsSnapshot Parse(string text)
    {
        var samples = new List<(string, string, double)>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var valueStart = line.LastIndexOf(' ');
            if (valueStart < 0)
            {
                continue;
            }

            var series = line[..valueStart];
            var valueText = line[(valueStart + 1)..];
            var value = valueText switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                _ => double.Parse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            var brace = series.IndexOf('{', StringComparison.Ordinal);
            samples.Add(brace < 0 ? (series, string.Empty, value) : (series[..brace], series[(brace + 1)..^1], value));
        }

        return new MetricsSnapshot(text, samples);
    }

    public bool Has(string name) => _samples.Any(s => s.Name == name);

    /// <summary>The sum over every series of <paramref name="name"/> whose labels contain <paramref name="labelFilter"/> (e.g. <c>reason="parse"</c>).</summary>
    public double Sum(string name, string? labelFilter = null) =>
        _samples.Where(s => s.Name == name && (labelFilter is null || s.Labels.Contains(labelFilter, StringComparison.Ordinal))).Sum(s => s.Value);

    /// <summary>The first family among <paramref name="names"/> that exists, summed; null when none does.</summary>
    public double? SumFirst(params string[] names)
    {
        foreach (var name in names)
        {
            if (Has(name))
            {
                return Sum(name);
            }
        }

        return null;
    }

    public IEnumerable<string> FamilyNames => _samples.Select(s => s.Name).Distinct();
}
