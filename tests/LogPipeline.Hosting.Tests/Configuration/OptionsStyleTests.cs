using LogPipeline.Hosting.Configuration;
using LogPipeline.Hosting.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LogPipeline.Hosting.Tests.Configuration;

/// <summary>The options pattern of every project: key-naming annotations through a generated validator, and the shutdown timeout.</summary>
public sealed class OptionsStyleTests
{
    [Fact]
    public void A_generated_validator_reports_the_full_key_and_the_value_without_a_member_prefix()
    {
        var result = new ObservabilityOptionsValidator().Validate(null, new ObservabilityOptions { Port = 70000, BindAddress = " " });

        Assert.True(result.Failed);
        Assert.Equal(
            ["Observability:Port 70000 must be between 0 and 65535.", "Observability:BindAddress is required."],
            result.Failures!.Order(StringComparer.Ordinal).Reverse());
    }

    [Theory]
    [InlineData("00:00:00.009", false)]
    [InlineData("00:00:00.010", true)]
    [InlineData("00:01:00", true)]
    [InlineData("00:01:00.001", false)]
    public void A_duration_range_is_inclusive_and_names_key_and_value(string value, bool valid)
    {
        var options = new Durations { Interval = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture) };

        var result = new DurationsValidator().Validate(null, options);

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Equal($"Test:Interval {options.Interval} must be between 10 ms and 1 minute.", Assert.Single(result.Failures!));
        }
    }

    [Fact]
    public async Task Several_invalid_sections_at_start_are_one_configuration_error_naming_every_key()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection([new("Observability:Port", "-1"), new("Test:Interval", "01:00:00")]);
        builder.Services.AddObservability(0);
        builder.Services.AddOptionsWithValidateOnStart<Durations, DurationsValidator>().BindConfiguration("Test");
        using var host = builder.Build();
        var stderr = new StringWriter();
        var original = Console.Error;
        Console.SetError(stderr);
        int code;
        try
        {
            code = await HostRunner.RunAsync(host);
        }
        finally
        {
            Console.SetError(original);
        }

        Assert.Equal(HostRunner.ConfigurationError, code);
        Assert.Contains("Observability:Port -1", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("Test:Interval 01:00:00", stderr.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:00:30", 30)]
    [InlineData("soon", 20)] // unparseable: the default; the options validation reports the key
    [InlineData("-00:00:01", 20)] // out of range: the default
    [InlineData(null, 20)]
    public void The_shutdown_timeout_reads_the_drain_setting_leniently(string? value, int expectedSeconds)
    {
        var read = ShutdownTimeout.Read(value, TimeSpan.FromSeconds(20), t => t >= TimeSpan.Zero);

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), read);
    }

    [Fact]
    public void The_host_waits_the_drain_setting_plus_the_margin()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection([new("Worker:Drain", "00:00:42")]).Build());
        services.AddShutdownTimeoutFrom("Worker:Drain", TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(5), _ => true);

        using var provider = services.BuildServiceProvider();

        Assert.Equal(TimeSpan.FromSeconds(47), provider.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
    }

    public sealed class Durations
    {
        [KeyTimeSpanRange("Test:Interval", "00:00:00.010", "00:01:00", Rule = "must be between 10 ms and 1 minute")]
        public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);
    }
}

[OptionsValidator]
public sealed partial class DurationsValidator : IValidateOptions<OptionsStyleTests.Durations>;
