using LogPipeline.Hosting.Http;
using LogPipeline.Hosting.Metrics;
using LogPipeline.Testing;
using LogPipeline.Testing.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LogPipeline.Shipper.Tests.Support;

/// <summary>The shipper host built exactly as Program builds it, with the test's configuration.</summary>
internal sealed class InProcessShipper : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _stopped;

    private InProcessShipper(IHost host) => _host = host;

    public MetricsRegistry Metrics => _host.Services.GetRequiredService<MetricsRegistry>();

    public int ExitCode => _host.Services.GetRequiredService<ShipperExitCode>().Value;

    /// <summary>The shipper asked the host to stop by itself (in a real process, the process then exits).</summary>
    public bool StoppingByItself => _host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested;

    /// <summary>The pipeline service, for fault injection through its test hooks.</summary>
    internal ShipperService Service => _host.Services.GetServices<IHostedService>().OfType<ShipperService>().Single();

    public static async Task<InProcessShipper> StartAsync(Dictionary<string, string?> config)
    {
        KafkaMockCluster.EnsureConfluentLoaded();
        config.TryAdd("Observability:Port", "0");
        config.TryAdd("Observability:BindAddress", "127.0.0.1");
        var host = ShipperHost.CreateBuilder([], config).Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        return new InProcessShipper(host);
    }

    /// <summary>A metric's current value from the Prometheus rendering (0 when absent).</summary>
    public double Metric(string name)
    {
        foreach (var line in Metrics.Render().Split('\n'))
        {
            if (line.StartsWith(name + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    public async Task<int> ObservabilityPortAsync() => await _host.Services.GetRequiredService<ObservabilityServer>().BoundPort;

    /// <summary>Waits until <paramref name="condition"/> holds or the timeout passes; returns whether it held.</summary>
    public static Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout) =>
        Poll.UntilAsync(condition, timeout, TestContext.Current.CancellationToken);

    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _host.StopAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _host.Dispose();
    }
}
