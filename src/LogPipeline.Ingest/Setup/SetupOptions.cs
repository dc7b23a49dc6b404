using LogPipeline.Ingest.Elasticsearch;
using Microsoft.Extensions.Configuration;

namespace LogPipeline.Ingest.Setup;

/// <summary>Kibana connection for <c>setup</c> (section <c>Kibana</c>); optional: without a URL the dashboards are skipped.</summary>
public sealed class KibanaOptions
{
    public const string Section = "Kibana";

    public const string DefaultSpace = "default";

    /// <summary>May include Kibana's base path (<c>https://host/kibana</c>); it is kept.</summary>
    public Uri? Url { get; set; }

    /// <summary>Kibana space id the dashboards go to (<c>/s/&lt;space&gt;/api/…</c>); the default space when unset.</summary>
    public string? Space { get; set; }

    /// <summary>Base64 "id:key" API key. Never printed.</summary>
    public string? ApiKey { get; set; }

    public string? Username { get; set; }

    /// <summary>Never printed.</summary>
    public string? Password { get; set; }

    /// <summary>How long to wait for <c>GET /api/status</c> to answer 200 (Kibana starts slowly next to a fresh cluster).</summary>
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromMinutes(3);

    public IEnumerable<string> Validate()
    {
        if (Url is not null && (!Url.IsAbsoluteUri || Url.Scheme is not ("http" or "https")))
        {
            yield return $"Kibana:Url '{LogPipeline.Ingest.Elasticsearch.ElasticsearchOptions.Redact(Url)}' must be an absolute http or https URL.";
        }

        if (!string.IsNullOrEmpty(Space) && !System.Text.RegularExpressions.Regex.IsMatch(Space, "^[a-z0-9_-]+$"))
        {
            yield return $"Kibana:Space '{Space}' must be a space id: lower-case letters, digits, '_' and '-' (the id, not the display name).";
        }

        if (!string.IsNullOrEmpty(Username) && string.IsNullOrEmpty(Password))
        {
            yield return "Kibana:Password is required when Kibana:Username is set.";
        }

        if (StartupTimeout <= TimeSpan.Zero)
        {
            yield return $"Kibana:StartupTimeout '{StartupTimeout}' must be positive (e.g. 00:03:00).";
        }
    }
}

/// <summary>Data stream retention (section <c>Lifecycle</c>).</summary>
public sealed class LifecycleOptions
{
    public const string Section = "Lifecycle";

    /// <summary>Elasticsearch time unit, e.g. <c>30d</c>, <c>12h</c>.</summary>
    public string Retention { get; set; } = "30d";

    public IEnumerable<string> Validate()
    {
        var unit = Retention.TrimStart("0123456789".ToCharArray());
        var digits = Retention[..^unit.Length];
        if (digits.Length == 0 || unit is not ("d" or "h" or "m" or "s") || !long.TryParse(digits, System.Globalization.CultureInfo.InvariantCulture, out var n) || n <= 0)
        {
            yield return $"Lifecycle:Retention '{Retention}' must be a positive Elasticsearch duration like 30d, 12h, 90m.";
        }
    }
}

/// <summary>Binds and validates the sections the commands use; every error names its key.</summary>
internal static class CommandConfiguration
{
    /// <summary>
    /// The command's own arguments: without the command name and without configuration overrides
    /// (<c>--Section:Key=value</c> or <c>--Section:Key value</c>), which Program.cs feeds to the configuration.
    /// </summary>
    public static string[] OwnArguments(string[] args, string command)
    {
        var own = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (i == 0 && arg == command)
            {
                continue;
            }

            if (arg.StartsWith('-') && arg.TrimStart('-').Split('=')[0].Contains(':', StringComparison.Ordinal))
            {
                if (!arg.Contains('=', StringComparison.Ordinal))
                {
                    i++; // "--Section:Key value"
                }

                continue;
            }

            own.Add(arg);
        }

        return [.. own];
    }

    public static KibanaOptions Kibana(IConfiguration configuration, List<string> errors)
    {
        var options = Guard(() => configuration.GetSection(KibanaOptions.Section).Get<KibanaOptions>(), errors) ?? new KibanaOptions();
        errors.AddRange(options.Validate());
        return options;
    }

    public static LifecycleOptions Lifecycle(IConfiguration configuration, List<string> errors)
    {
        var options = Guard(() => configuration.GetSection(LifecycleOptions.Section).Get<LifecycleOptions>(), errors) ?? new LifecycleOptions();
        errors.AddRange(options.Validate());
        return options;
    }

    private static T? Guard<T>(Func<T?> bind, List<string> errors)
        where T : class
    {
        try
        {
            return bind();
        }
        catch (InvalidOperationException ex)
        {
            // The binder's message names the key ("Failed to convert configuration value at 'Kibana:StartupTimeout' ...").
            errors.Add(ex.Message);
            return null;
        }
    }

    public static ElasticsearchOptions Elasticsearch(IConfiguration configuration, List<string> errors)
    {
        var options = Guard(() => configuration.GetSection(ElasticsearchOptions.Section).Get<ElasticsearchOptions>(), errors) ?? new ElasticsearchOptions();
        errors.AddRange(options.Validate());
        return options;
    }
}
