using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LogPipeline.Ingest.Indexing;

namespace LogPipeline.Ingest.Reporting;

/// <summary>Prints panel results as plain text (tables and 0–23 bar histograms) or as JSON for scripts.</summary>
public static class ReportRenderer
{
    private const int BarWidth = 40;
    private const int MaxKeyWidth = 60;
    private static readonly string[] DayNames = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

    public static string Text(IReadOnlyList<PanelResult> results, DateTimeOffset from, DateTimeOffset to, string index) =>
        Text(results, from, to, index, ReportScope.Everything);

    public static string Text(IReadOnlyList<PanelResult> results, DateTimeOffset from, DateTimeOffset to, string index, ReportScope scope)
    {
        var zone = ReportArguments.FindZone(scope.TimeZone);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"nginx access report {Time(from, zone)} .. {Time(to, zone)} ({index})\n");
        text.Append(CultureInfo.InvariantCulture, $"time zone {scope.TimeZone}; {Selection(scope)}\n");
        var singles = results.Where(r => r.Panel.Split is null).ToList();
        if (singles.Count > 0)
        {
            text.Append('\n');
            var width = singles.Max(r => r.Panel.Title.Length) + 1;
            foreach (var r in singles)
            {
                text.Append(CultureInfo.InvariantCulture, $"{(r.Panel.Title + ":").PadRight(width)} {Format(r.Panel.Metric, r.Value ?? 0)}\n");
            }
        }

        foreach (var r in results.Where(r => r.Panel.Split is not null))
        {
            text.Append('\n').Append(r.Panel.Title).Append('\n');
            if (r.Buckets.Count == 0)
            {
                text.Append("  (no data)\n");
            }
            else if (r.Panel.Split is TermsBucket { DenseRange: not null } dense)
            {
                Histogram(text, r, dense.Field == EcsFields.NginxDayOfWeek);
            }
            else
            {
                Table(text, r);
            }
        }

        return text.ToString();
    }

    public static string Json(IReadOnlyList<PanelResult> results, DateTimeOffset from, DateTimeOffset to, string index) =>
        Json(results, from, to, index, ReportScope.Everything);

    public static string Json(IReadOnlyList<PanelResult> results, DateTimeOffset from, DateTimeOffset to, string index, ReportScope scope)
    {
        var zone = ReportArguments.FindZone(scope.TimeZone);
        var panels = new JsonArray();
        foreach (var r in results)
        {
            var panel = new JsonObject { ["id"] = r.Panel.Id, ["title"] = r.Panel.Title, ["total"] = r.Total };
            if (r.Panel.Split is null)
            {
                panel["value"] = r.Value;
            }
            else
            {
                panel["buckets"] = new JsonArray([.. r.Buckets.Select(b =>
                {
                    var bucket = new JsonObject { ["key"] = b.Key, ["value"] = b.Value };
                    if (b.Also.Count > 0)
                    {
                        bucket["also"] = new JsonArray([.. b.Also.Select(a => (JsonNode)JsonValue.Create(a))]);
                    }

                    return (JsonNode)bucket;
                })]);
                if (r.Panel.Also.Count > 0)
                {
                    panel["also"] = new JsonArray([.. r.Panel.Also.Select(m => (JsonNode)JsonValue.Create(m.Label))]);
                }
            }

            panels.Add(panel);
        }

        var report = new JsonObject
        {
            ["from"] = Time(from, zone),
            ["to"] = Time(to, zone),
            ["time_zone"] = scope.TimeZone,
            ["filters"] = new JsonArray([.. scope.Filters.Select(f => (JsonNode)JsonValue.Create(f.Kql))]),
            ["index"] = index,
            ["panels"] = panels,
        };
        return report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    private static string Selection(ReportScope scope) =>
        scope.Filters.Count == 0 ? "all documents" : string.Join(" and ", scope.Filters.Select(f => f.Kql));

    private static void Table(StringBuilder text, PanelResult r)
    {
        var metrics = r.Panel.Metrics.ToList();
        var keys = r.Buckets.Select(b => Clip(b.Key)).ToList();
        var columns = r.Buckets.Select(b => (IReadOnlyList<string>)[Format(metrics[0], b.Value), .. b.Also.Select((a, i) => Format(metrics[i + 1], a))]).ToList();
        var header = metrics.Count > 1;
        var keyWidth = Math.Max(keys.Max(k => k.Length), header ? r.Panel.Split!.Label.Length : 0);
        var widths = Enumerable.Range(0, metrics.Count)
            .Select(i => Math.Max(columns.Max(c => c[i].Length), header ? metrics[i].Label.Length : 0))
            .ToList();
        var share = r.Panel.Metric.Kind == MetricKind.Count && r.Total > 0;
        if (header)
        {
            text.Append("  ").Append(r.Panel.Split!.Label.PadRight(keyWidth));
            for (var c = 0; c < metrics.Count; c++)
            {
                text.Append("  ").Append(metrics[c].Label.PadLeft(widths[c]));
            }

            if (share)
            {
                text.Append("  ").Append("Share".PadLeft(6));
            }

            text.Append('\n');
        }

        for (var i = 0; i < r.Buckets.Count; i++)
        {
            text.Append("  ").Append(keys[i].PadRight(keyWidth));
            for (var c = 0; c < metrics.Count; c++)
            {
                text.Append("  ").Append(columns[i][c].PadLeft(widths[c]));
            }

            if (share)
            {
                text.Append(CultureInfo.InvariantCulture, $"  {100 * r.Buckets[i].Value / r.Total,5:0.0}%");
            }

            text.Append('\n');
        }
    }

    private static void Histogram(StringBuilder text, PanelResult r, bool weekdays)
    {
        var max = r.Buckets.Max(b => b.Value);
        foreach (var b in r.Buckets)
        {
            var label = weekdays && int.TryParse(b.Key, CultureInfo.InvariantCulture, out var day) && day is >= 1 and <= 7
                ? DayNames[day - 1]
                : b.Key.PadLeft(2, '0');
            var bar = max > 0 ? new string('#', (int)Math.Round(BarWidth * b.Value / max)) : string.Empty;
            text.Append(CultureInfo.InvariantCulture, $"  {label} |{bar.PadRight(BarWidth)} {Number(b.Value)}\n");
        }
    }

    private static string Clip(string key) => key.Length <= MaxKeyWidth ? key : key[..(MaxKeyWidth - 1)] + "…";

    /// <summary>Bytes stay exact (comparable with other tools); durations in milliseconds; shares as percentages.</summary>
    private static string Format(PanelMetric metric, double value) => metric.Format switch
    {
        ValueFormat.Percent => (100 * value).ToString("0.0", CultureInfo.InvariantCulture) + "%",
        ValueFormat.Nanoseconds => (value / 1e6).ToString("0.###", CultureInfo.InvariantCulture) + " ms",
        _ => Number(value),
    };

    private static string Number(double value) =>
        value == Math.Floor(value) ? value.ToString("0", CultureInfo.InvariantCulture) : value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset t, TimeZoneInfo zone) =>
        zone == TimeZoneInfo.Utc
            ? t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : TimeZoneInfo.ConvertTime(t, zone).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
}
