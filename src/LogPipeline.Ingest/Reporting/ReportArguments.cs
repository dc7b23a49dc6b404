using System.Globalization;

namespace LogPipeline.Ingest.Reporting;

/// <summary>Command line of <c>report</c>: <c>[--last 24h | --from T [--to T]] [--format text|json] [--index NAME]</c>.</summary>
internal sealed record ReportArguments(DateTimeOffset From, DateTimeOffset To, bool Json, string? Index)
{
    public const string Usage =
        "usage: logpipeline-ingest report [--last 24h | --from 2024-05-01T00:00:00Z [--to 2024-05-02T00:00:00Z]] [--format text|json] [--index logs-logpipeline.nginx-*]";

    /// <summary>Parses <paramref name="args"/>; on failure returns null and the reason.</summary>
    public static ReportArguments? Parse(string[] args, DateTimeOffset now, out string? error)
    {
        error = null;
        DateTimeOffset? from = null, to = null;
        TimeSpan? last = null;
        var json = false;
        string? index = null;
        var list = args.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            var name = list[i];
            if (name is "--help" or "-h")
            {
                error = Usage;
                return null;
            }

            if (i + 1 >= list.Count)
            {
                error = $"{name} needs a value. {Usage}";
                return null;
            }

            var value = list[++i];
            switch (name)
            {
                case "--from" when TryInstant(value, out var f):
                    from = f;
                    break;
                case "--to" when TryInstant(value, out var t):
                    to = t;
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
                case "--from" or "--to":
                    error = $"{name} '{value}' is not an ISO 8601 time (e.g. 2024-05-01T00:00:00Z).";
                    return null;
                case "--last":
                    error = $"--last '{value}' must be a positive duration like 90m, 24h, 7d or 2w.";
                    return null;
                case "--format":
                    error = $"--format '{value}' must be text or json.";
                    return null;
                default:
                    error = $"unknown option {name} '{value}'. {Usage}";
                    return null;
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

        return new ReportArguments(start, end, json, index);
    }

    private static bool TryInstant(string text, out DateTimeOffset instant) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out instant);

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
