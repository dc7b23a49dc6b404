using LogPipeline.Hosting.Configuration;
using LogPipeline.Hosting.Kafka;
using LogPipeline.Hosting.Logging;
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
        services.AddOptions<ShipperOptions>().BindConfiguration(ShipperOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ShipperOptions>, ShipperOptionsValidator>();
        services.AddSingleton<IValidateOptions<ShipperOptions>, MetadataOptionsValidator>();
        services.AddOptions<KafkaOptions>().BindConfiguration(KafkaOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<KafkaOptions>, KafkaOptionsValidator>();
        services.AddOptions<KafkaSecurityOptions>().BindConfiguration(KafkaOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<KafkaSecurityOptions>, KafkaSecurityOptionsValidator>();
        // Read raw, not through IOptions<ShipperOptions>: the host resolves HostOptions while it is built,
        // before HostRunner can turn a validation failure into exit code 2 naming the key.
        services.AddOptions<HostOptions>().Configure<IConfiguration>((host, configuration) =>
        {
            var grace = TimeSpan.TryParse(
                configuration[$"{ShipperOptions.Section}:{nameof(ShipperOptions.ShutdownGracePeriod)}"],
                System.Globalization.CultureInfo.InvariantCulture,
                out var configured) && configured >= TimeSpan.Zero && configured <= TimeSpan.FromHours(1)
                ? configured
                : new ShipperOptions().ShutdownGracePeriod;
            host.ShutdownTimeout = grace + HostShutdownMargin;
        });

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ShipperExitCode>();
        services.AddSingleton<ShipperMetrics>();
        services.AddHostedService<ShipperService>();
        return services;
    }
}
