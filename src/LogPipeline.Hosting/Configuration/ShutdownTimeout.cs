using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LogPipeline.Hosting.Configuration;

/// <summary>
/// Sets <see cref="HostOptions.ShutdownTimeout"/> from a worker's own drain setting plus a margin. The one place
/// that reads such a setting outside the options pipeline: the host resolves <see cref="HostOptions"/> while it
/// is being built, before <see cref="HostRunner"/> can turn a validation failure into exit code 2 naming the key,
/// so the value is read leniently here (unparseable or out of range → the default) and the options validation
/// of the same key reports it.
/// </summary>
public static class ShutdownTimeout
{
    /// <param name="key">The full configuration key, e.g. <c>Shipper:ShutdownGracePeriod</c>.</param>
    /// <param name="fallback">The options class's default for that key.</param>
    /// <param name="margin">How much longer than the worker's own drain the host waits before giving up on it.</param>
    /// <param name="accept">The range the options validation accepts; other values fall back.</param>
    public static IServiceCollection AddShutdownTimeoutFrom(
        this IServiceCollection services, string key, TimeSpan fallback, TimeSpan margin, Func<TimeSpan, bool> accept)
    {
        ArgumentNullException.ThrowIfNull(accept);
        services.AddOptions<HostOptions>().Configure<IConfiguration>((host, configuration) =>
            host.ShutdownTimeout = Read(configuration[key], fallback, accept) + margin);
        return services;
    }

    /// <summary>The configured value when it parses (invariant culture) and is accepted, else <paramref name="fallback"/>.</summary>
    public static TimeSpan Read(string? value, TimeSpan fallback, Func<TimeSpan, bool> accept)
    {
        ArgumentNullException.ThrowIfNull(accept);
        return TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var configured) && accept(configured) ? configured : fallback;
    }
}
