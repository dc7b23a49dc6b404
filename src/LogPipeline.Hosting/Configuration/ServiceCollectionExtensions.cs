using LogPipeline.Hosting.Http;
using LogPipeline.Hosting.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace LogPipeline.Hosting.Configuration;

/// <summary>
/// Registrations shared by both workers. Options follow one pattern in every project: simple rules as data
/// annotations whose message names the full key, checked by a source-generated <c>[OptionsValidator]</c> partial
/// class; cross-field rules in one hand-written <c>IValidateOptions</c> per section (<c>…OptionsRules</c>); both
/// registered with <c>AddOptionsWithValidateOnStart</c>, so a bad value stops the host at start (exit code 2, see
/// <see cref="HostRunner"/>).
/// </summary>
public static class ServiceCollectionExtensions
{
    /// <summary>Registers the metrics registry, health checks and the <c>/metrics</c> endpoint.</summary>
    public static IServiceCollection AddObservability(this IServiceCollection services, int defaultPort)
    {
        services.AddOptionsWithValidateOnStart<ObservabilityOptions, ObservabilityOptionsValidator>()
            .Configure(o => o.Port = defaultPort)
            .BindConfiguration(ObservabilityOptions.Section);
        services.AddSingleton(_ => new MetricsRegistry().AddProcessMetrics());
        services.AddSingleton<HealthRegistry>();
        services.AddSingleton<ObservabilityServer>();
        services.AddHostedService(sp => sp.GetRequiredService<ObservabilityServer>());
        return services;
    }
}
