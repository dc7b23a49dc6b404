using LogPipeline.Hosting.Http;
using LogPipeline.Hosting.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LogPipeline.Hosting.Configuration;

public static class ServiceCollectionExtensions
{
    /// <summary>Registers the metrics registry, health checks and the <c>/metrics</c> endpoint.</summary>
    public static IServiceCollection AddObservability(this IServiceCollection services, int defaultPort)
    {
        services.AddOptions<ObservabilityOptions>()
            .Configure(o => o.Port = defaultPort)
            .BindConfiguration(ObservabilityOptions.Section)
            // The generated DataAnnotations message says "ObservabilityOptions.Port"; the contract wants the key.
            .Validate(o => o.Port is >= 0 and <= 65535, $"{ObservabilityOptions.Section}:{nameof(ObservabilityOptions.Port)} must be between 0 and 65535.")
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ObservabilityOptions>, ObservabilityOptionsValidator>();
        services.AddSingleton(_ => new MetricsRegistry().AddProcessMetrics());
        services.AddSingleton<HealthRegistry>();
        services.AddSingleton<ObservabilityServer>();
        services.AddHostedService(sp => sp.GetRequiredService<ObservabilityServer>());
        return services;
    }
}
