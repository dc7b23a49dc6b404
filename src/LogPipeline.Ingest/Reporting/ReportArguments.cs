using System.Globalization;
using LogPipeline.Ingest.Indexing;

namespace LogPipeline.Ingest.Reporting;

/// <summary>
/// Command line of <c>report</c>: time range, time zone, the dashboard controls it mirrors, output format, index.
/// </summary>
internal sealed record ReportArguments(DateTimeOffset From, DateTimeOffset To, bool Json, string? Index, ReportScope Scope)
{
    public const string Usage =
        "usage: logpipeline-ingest report [--last 24h | --from 2024-05-01T00:00:00Z [--to 2024-05-02T00:00:00Z]] [--time-zone UTC|Europe/Berlin] "
        + "[--namespace NS] [--app APP] [--site HOST] [--humans-only true|false] [--format text|json] [--index logs-logpipeline.nginx-*]";

    /// <summary>An IANA zone (or UTC); throws <see cref="TimeZoneNotFoundException"/> for an unknown one.</summary>
    public static TimeZoneInfo FindZone(string id) =>
        id is "UTC" or "Etc/UTC" or "Z" ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(id);

    /// <summary>Parses <paramref name="args"/>; on failure returns null and the reason.</summary>
    public static ReportArguments? Parse(string[] args, DateTimeOffset now, out string? error)
    {
        error = null;
        string? fromText = null, toText = null;
        TimeSpan? last = null;
        var json = false;
        string? index = null;
        var zoneId = "UTC";
        var humansOnly = true;
        var selections = new List<PanelFilter>();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name is "--help" or "-h")
            {
                error = Usage;
                return null;
            }

            if (i + 1 >= args.Length)
            {
                error = $"{name} needs a value. {Usage}";
                return null;
            }

            var value = args[++i];
            switch (name)
            {
                case "--from":
                    fromText = value;
                    break;
                case "--to":
                    toText = value;
                    break;
                case "--last" when TryDuration(value, out var d):
                    last = d;
                    break;
                case "--format" when value is "text" or "json":
                    json = value == "json";
                    break;
                case "--index" when value.Length > 0 && !value.Contains('/', StringComparison.Ordinal):
                    index = value;
                    break;
                case "--time-zone" when TryZone(value):
                    zoneId = value;
                    break;
                case "--humans-only" when bool.TryParse(value, out var humans):
                    humansOnly = humans;
                    break;
                case "--namespace" or "--app" or "--site" when value.Length > 0:
                    selections.Add(new KeywordFilter(
                        name switch { "--namespace" => EcsFields.KubernetesNamespace, "--app" => EcsFields.ServiceName, _ => EcsFields.UrlDomain },
                        value));
                    break;
                case "--last":
                    error = $"--last '{value}' must be a positive duration like 90m, 24h, 7d or 2w.";
                    return null;
                case "--format":
                    error = $"--format '{value}' must be text or json.";
                    return null;
                case "--time-zone":
                    error = $"--time-zone '{value}' is not a time zone this machine knows; use an IANA name like Europe/Berlin or UTC.";
                    return null;
                case "--humans-only":
                    error = $"--humans-only '{value}' must be true or false.";
                    return null;
                default:
                    error = $"unknown option {name} '{value}'. {Usage}";
                    return null;
            }
        }

        var zone = FindZone(zoneId);
        DateTimeOffset? from = null, to = null;
        foreach (var (option, text) in new[] { ("--from", fromText), ("--to", toText) })
        {
            if (text is null)
            {
                continue;
            }

            if (!TryInstant(text, zone, out var instant))
            {
                error = $"{option} '{text}' is not an ISO 8601 time (e.g. 2024-05-01T00:00:00Z).";
                return null;
            }

            if (option == "--from")
            {
                from = instant;
            }
            else
            {
                to = instant;
            }
        }

        if (last is not null && (from is not null || to is not null))
        {
            error = "use either --last or --from/--to, not both.";
            return null;
        }

        var end = to ?? now;
        var start = from ?? end - (last ?? TimeSpan.FromHours(24));
        if (start >= end)
        {
            error = $"--from ({start:O}) must be before --to ({end:O}).";
            return null;
        }

        // The dashboard's visitor-type control selects humans by default; the report does the same.
        if (humansOnly)
        {
            selections.Insert(0, new KeywordFilter(EcsFields.LogPipelineVisitorType, NginxPanels.Human));
        }

        return new ReportArguments(start, end, json, index, new ReportScope(zoneId, selections));
    }

    private static bool TryZone(string id)
    {
        try
        {
            _ = FindZone(id);
            return true;
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return false;
        }
    }

    /// <summary>ISO 8601; a time without an offset is a wall-clock time in <paramref name="zone"/>.</summary>
    private static bool TryInstant(string text, TimeZoneInfo zone, out DateTimeOffset instant)
    {
        instant = default;
        if (!DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed))
        {
            return false;
        }

        if (parsed.Kind != DateTimeKind.Unspecified)
        {
            return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out instant);
        }

        instant = new DateTimeOffset(parsed, zone.GetUtcOffset(parsed));
        return true;
    }

    private static bool TryDuration(string text, out TimeSpan duration)
    {
        duration = default;
        var unit = text.TrimStart("0123456789".ToCharArray());
        if (unit.Length == text.Length || !int.TryParse(text[..^unit.Length], CultureInfo.InvariantCulture, out var n) || n <= 0)
        {
            return false;
        }

        duration = unit switch
        {
            "m" => TimeSpan.FromMinutes(n),
            "h" => TimeSpan.FromHours(n),
            "d" => TimeSpan.FromDays(n),
            "w" => TimeSpan.FromDays(7 * n),
            _ => TimeSpan.Zero,
        };
        return duration > TimeSpan.Zero;
    }
}
