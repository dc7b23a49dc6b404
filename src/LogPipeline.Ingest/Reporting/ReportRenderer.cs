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

    public static string Text(IReadOnlyList<PanelResult> results, DateTimeOffset from, DateTimeOffset to, string index)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"nginx access report {Time(from)} .. {Time(to)} ({index})\n");
        var singles = results.Where(r => r.Panel.Split is null).ToList();
        if (singles.Count > 0)
        {
            text.Append('\n');
            var width = singles.Max(r => r.Panel.Title.Length) + 1;
            foreach (var r in singles)
            {
                text.Append(CultureInfo.InvariantCulture, $"{(r.Panel.Title + ":").PadRight(width)} {Number(r.Value ?? 0)}\n");
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

    public static string Json(IReadOnlyList<PanelResult> results, DateTimeOffset from, DateTimeOffset to, string index)
    {
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
                panel["buckets"] = new JsonArray([.. r.Buckets.Select(b => (JsonNode)new JsonObject { ["key"] = b.Key, ["value"] = b.Value })]);
            }

            panels.Add(panel);
        }

        var report = new JsonObject { ["from"] = Time(from), ["to"] = Time(to), ["index"] = index, ["panels"] = panels };
        return report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    private static void Table(StringBuilder text, PanelResult r)
    {
        var keys = r.Buckets.Select(b => Clip(b.Key)).ToList();
        var keyWidth = keys.Max(k => k.Length);
        var valueWidth = r.Buckets.Max(b => Number(b.Value).Length);
        var share = r.Panel.Metric.Kind == MetricKind.Count && r.Total > 0;
        for (var i = 0; i < r.Buckets.Count; i++)
        {
            text.Append("  ").Append(keys[i].PadRight(keyWidth)).Append("  ").Append(Number(r.Buckets[i].Value).PadLeft(valueWidth));
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

    private static string Number(double value) =>
        value == Math.Floor(value) ? value.ToString("0", CultureInfo.InvariantCulture) : value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
