using LogPipeline.Hosting.Configuration;
using Microsoft.Extensions.Options;

namespace LogPipeline.Ingest.Enrichment.GeoIp;

/// <summary>Where the country database lives (section <c>GeoIp</c>).</summary>
public sealed class GeoIpOptions
{
    public const string Section = "GeoIp";

    /// <summary>The geo-whois-asn-country MaxMind DB; relative paths are resolved against the binary's folder.</summary>
    [KeyRequired("GeoIp:DatabasePath")]
    public string DatabasePath { get; set; } = "data/geo-whois-asn-country.mmdb";

    public string ResolvedDatabasePath => Path.GetFullPath(DatabasePath, AppContext.BaseDirectory);
}

[OptionsValidator]
public sealed partial class GeoIpOptionsValidator : IValidateOptions<GeoIpOptions>;

/// <summary>What annotations cannot say: the database file must exist.</summary>
public sealed class GeoIpOptionsRules : IValidateOptions<GeoIpOptions>
{
    public ValidateOptionsResult Validate(string? name, GeoIpOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return string.IsNullOrWhiteSpace(options.DatabasePath) || File.Exists(options.ResolvedDatabasePath)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"GeoIp:DatabasePath '{options.ResolvedDatabasePath}' does not exist (run build/fetch-data.sh data).");
    }
}
