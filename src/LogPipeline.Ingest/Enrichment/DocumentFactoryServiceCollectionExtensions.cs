using LogPipeline.Hosting.Metrics;
using LogPipeline.Ingest.Enrichment.GeoIp;
using LogPipeline.Ingest.Enrichment.UserAgents;
using LogPipeline.Ingest.Parsing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LogPipeline.Ingest.Enrichment;

public static class DocumentFactoryServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IDocumentFactory"/> (singleton) with its options <c>Parsing</c>, <c>GeoIp</c> and
    /// <c>UserAgent</c>, validated at start (errors name the key). The data files are loaded once, when the
    /// factory is first resolved.
    /// </summary>
    public static IServiceCollection AddDocumentFactory(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ParsingOptions>().Bind(configuration.GetSection(ParsingOptions.Section)).ValidateOnStart();
        services.AddOptions<GeoIpOptions>().Bind(configuration.GetSection(GeoIpOptions.Section)).ValidateOnStart();
        services.AddOptions<UserAgentOptions>().Bind(configuration.GetSection(UserAgentOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ParsingOptions>, ParsingOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GeoIpOptions>, GeoIpOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<UserAgentOptions>, UserAgentOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        services.TryAddSingleton(sp => AccessLogFormat.Compile(sp.GetRequiredService<IOptions<ParsingOptions>>().Value.LogFormat));
        services.TryAddSingleton(sp => new GeoIpLookup(sp.GetRequiredService<IOptions<GeoIpOptions>>().Value.ResolvedDatabasePath));
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<UserAgentOptions>>().Value;
            // One parser per process: its cache is shared by every processing thread. Counted on /metrics when the
            // host has a registry (the worker; not `check`).
            var registry = sp.GetService<MetricsRegistry>();
            var metrics = registry is null ? null : new UserAgentCacheMetrics(registry, sp.GetRequiredService<TimeProvider>());
            return new UserAgentParser(options.ResolvedRegexesPath, options.CacheBytes, options.MaxLength, options.MatchTimeout, metrics);
        });
        services.TryAddSingleton(sp => new RecoveredLines(sp.GetService<MetricsRegistry>() ?? new MetricsRegistry()));
        services.TryAddSingleton(DocumentDefaults.FromDataStream(configuration["Elasticsearch:DataStream"]));
        services.TryAddSingleton<IDocumentFactory>(sp => new DocumentFactory(
            sp.GetRequiredService<AccessLogFormat>(),
            sp.GetRequiredService<GeoIpLookup>(),
            sp.GetRequiredService<UserAgentParser>(),
            sp.GetRequiredService<DocumentDefaults>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<RecoveredLines>()));
        return services;
    }
}
