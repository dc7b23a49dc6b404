using LogPipeline.Hosting.Metrics;
using LogPipeline.Ingest.Diagnostics;
using LogPipeline.Ingest.Enrichment.GeoIp;
using LogPipeline.Ingest.Enrichment.UserAgents;
using LogPipeline.Ingest.Parsing;
using LogPipeline.Ingest.UserAgentRules;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
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
        // Annotations through the generated validators, cross-field and file checks through one rules class per
        // section (the pattern of Hosting's ServiceCollectionExtensions.AddObservability); TryAddEnumerable so a second
        // AddDocumentFactory call does not register a rule twice.
        services.AddOptionsWithValidateOnStart<ParsingOptions>().Bind(configuration.GetSection(ParsingOptions.Section));
        services.AddOptionsWithValidateOnStart<GeoIpOptions, GeoIpOptionsValidator>().Bind(configuration.GetSection(GeoIpOptions.Section));
        services.AddOptionsWithValidateOnStart<UserAgentOptions, UserAgentOptionsValidator>().Bind(configuration.GetSection(UserAgentOptions.Section));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ParsingOptions>, ParsingOptionsRules>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GeoIpOptions>, GeoIpOptionsRules>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<UserAgentOptions>, UserAgentOptionsRules>());
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
            var parser = new UserAgentParser(options.ResolvedRegexesPath, options.CacheBytes, options.MaxLength, options.MatchTimeout, metrics);
            LogRuleEngines(sp.GetService<ILoggerFactory>()?.CreateLogger(typeof(UserAgentParser)), parser, options);
            return parser;
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

    /// <summary>Says at start whether the rules run precompiled, and if not all of them, why (the cold parse is then slower).</summary>
    private static void LogRuleEngines(ILogger? logger, UserAgentParser parser, UserAgentOptions options)
    {
        if (logger is null)
        {
            return;
        }

        if (parser.PrecompiledCount == parser.RuleCount)
        {
            IngestLog.UserAgentRulesPrecompiled(logger, parser.RuleCount, PrecompiledRules.GeneratedFrom);
            return;
        }

        var reason = PrecompiledRuleSet.NotUsableReason
            ?? (options.MatchTimeout != PrecompiledRuleSet.MatchTimeout
                ? $"UserAgent:MatchTimeout is {options.MatchTimeout}, the precompiled rules carry {PrecompiledRuleSet.MatchTimeout}"
                : $"{options.ResolvedRegexesPath} has rules the build did not precompile (it generated {PrecompiledRuleSet.Count} from {PrecompiledRules.GeneratedFrom})");
        IngestLog.UserAgentRulesInterpreted(logger, parser.RuleCount - parser.PrecompiledCount, parser.RuleCount, reason);
    }
}
