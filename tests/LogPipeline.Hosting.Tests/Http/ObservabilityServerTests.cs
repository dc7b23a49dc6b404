using System.Net;
using LogPipeline.Hosting.Configuration;
using LogPipeline.Hosting.Http;
using LogPipeline.Hosting.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LogPipeline.Hosting.Tests.Http;

public sealed class ObservabilityServerTests
{
    [Fact]
    public async Task Serves_metrics_health_and_readiness()
    {
        var ct = TestContext.Current.CancellationToken;
        using var host = BuildHost(new Dictionary<string, string?> { ["Observability:Port"] = "0", ["Observability:BindAddress"] = "127.0.0.1" });
        var metrics = host.Services.GetRequiredService<MetricsRegistry>();
        var health = host.Services.GetRequiredService<HealthRegistry>();
        metrics.Counter("lp_test_total", "Test.").Increment(3);
        string? notReady = "kafka: no broker answered";
        health.AddReadiness("kafka", () => notReady);
        await host.StartAsync(ct);
        var port = await host.Services.GetRequiredService<ObservabilityServer>().BoundPort;
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        var metricsResponse = await http.GetAsync("/metrics", ct);
        Assert.Equal(HttpStatusCode.OK, metricsResponse.StatusCode);
        Assert.Contains("lp_test_total 3", await metricsResponse.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz", ct)).StatusCode);

        var unready = await http.GetAsync("/readyz", ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unready.StatusCode);
        Assert.Contains("kafka: no broker answered", await unready.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);

        notReady = null;
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/nope", ct)).StatusCode);
        await host.StopAsync(ct);
    }

    [Fact]
    public async Task A_bad_port_fails_at_start_naming_the_key()
    {
        using var host = BuildHost(new Dictionary<string, string?> { ["Observability:Port"] = "70000" });
        var ex = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));
        Assert.Contains("Port", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_non_numeric_port_is_a_configuration_error_with_exit_code_2()
    {
        using var host = BuildHost(new Dictionary<string, string?> { ["Observability:Port"] = "ninety" });
        var code = await HostRunner.RunAsync(host);
        Assert.Equal(HostRunner.ConfigurationError, code);
    }

    private static IHost BuildHost(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddObservability(9100);
        return builder.Build();
    }
}
