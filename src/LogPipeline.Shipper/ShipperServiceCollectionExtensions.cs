using LogPipeline.Hosting.Configuration;
using LogPipeline.Hosting.Logging;
using LogPipeline.Kafka;
using LogPipeline.Shipper.Diagnostics;
using LogPipeline.Shipper.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LogPipeline.Shipper;

/// <summary>Builds the shipper host; used by Program and by tests that run the shipper in-process.</summary>
public static class ShipperHost
{
    /// <summary>Default <c>Observability:Port</c> of the shipper (docs/contracts.md).</summary>
    public const int DefaultObservabilityPort = 9100;

    /// <summary>How much longer than the shipper's own grace the host waits before giving up on it.</summary>
    private static readonly TimeSpan HostShutdownMargin = TimeSpan.FromSeconds(5);

    public static HostApplicationBuilder CreateBuilder(string[] args, IEnumerable<KeyValuePair<string, string?>>? overrides = null)
    {
        var settings = new HostApplicationBuilderSettings
        {
            Args = args,
            // appsettings.json ships beside the binary: find it there whatever the working directory is.
            ContentRootPath = AppContext.BaseDirectory,
            Configuration = new ConfigurationManager(),
        };
        // Reload-on-change puts a recursive FileSystemWatcher on the content root; the sidecar's settings do not
        // change at run time, and when that root held the log directory (the benchmark's layout) its thread woke
        // on every line written and cost ~10% of the shipper's CPU.
        settings.Configuration.AddInMemoryCollection([new("hostBuilder:reloadConfigOnChange", "false")]);
        var builder = Host.CreateApplicationBuilder(settings);
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        builder.AddJsonConsoleLogging();
        builder.Services.AddShipper();
        builder.Services.AddObservability(DefaultObservabilityPort);
        return builder;
    }

    /// <summary>Options (bound by the source generator, validated at start), metrics and the pipeline service.</summary>
    public static IServiceCollection AddShipper(this IServiceCollection services)
    {
        // Annotations through the generated validator, cross-field rules through one validator per section
        // (ServiceCollectionExtensions.AddObservability describes the pattern).
        services.AddOptionsWithValidateOnStart<ShipperOptions, ShipperOptionsValidator>().BindConfiguration(ShipperOptions.Section);
        services.AddSingleton<IValidateOptions<ShipperOptions>, ShipperOptionsRules>();
        services.AddSingleton<IValidateOptions<ShipperOptions>, MetadataOptionsRules>();
        services.AddOptionsWithValidateOnStart<KafkaOptions, KafkaOptionsValidator>().BindConfiguration(KafkaOptions.Section);
        services.AddSingleton<IValidateOptions<KafkaOptions>, KafkaOptionsRules>();
        services.AddOptionsWithValidateOnStart<KafkaSecurityOptions, KafkaSecurityOptionsRules>().BindConfiguration(KafkaSecurityOptions.Section);
        services.AddShutdownTimeoutFrom(
            $"{ShipperOptions.Section}:{nameof(ShipperOptions.ShutdownGracePeriod)}",
            new ShipperOptions().ShutdownGracePeriod,
            HostShutdownMargin,
            grace => grace >= TimeSpan.Zero && grace <= ShipperOptions.MaxShutdownGracePeriod);

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ShipperExitCode>();
        services.AddSingleton<ShipperMetrics>();
        services.AddHostedService<ShipperService>();
        return services;
    }
}
