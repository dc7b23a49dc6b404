using LogPipeline.Ingest.Commands;
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

/// <summary>Binds and validates the sections only <c>setup</c> and <c>check</c> use; every error names its key.</summary>
internal static class SetupConfiguration
{
    public static KibanaOptions Kibana(IConfiguration configuration, List<string> errors)
    {
        var options = CommandConfiguration.Bind(() => configuration.GetSection(KibanaOptions.Section).Get<KibanaOptions>(), errors);
        errors.AddRange(options.Validate());
        return options;
    }

    public static LifecycleOptions Lifecycle(IConfiguration configuration, List<string> errors)
    {
        var options = CommandConfiguration.Bind(() => configuration.GetSection(LifecycleOptions.Section).Get<LifecycleOptions>(), errors);
        errors.AddRange(options.Validate());
        return options;
    }
}
