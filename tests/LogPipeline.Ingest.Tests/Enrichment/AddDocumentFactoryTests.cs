using System.Buffers;
using System.Text;
using LogPipeline.Ingest.Enrichment;
using LogPipeline.Ingest.Enrichment.UserAgents;
using LogPipeline.Ingest.Tests.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LogPipeline.Ingest.Tests.Enrichment;

public sealed class AddDocumentFactoryTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddDocumentFactory(configuration).BuildServiceProvider();
    }

    [Theory]
    [InlineData(null, 120)]
    [InlineData("00:00:01", 121)]
    public void The_worker_says_at_start_whether_the_user_agent_rules_run_precompiled(string? matchTimeout, int expectedEvent)
    {
        var loggers = new CapturingLoggers();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["UserAgent:MatchTimeout"] = matchTimeout }).Build();
        using var services = new ServiceCollection().AddSingleton<ILoggerFactory>(loggers).AddDocumentFactory(configuration).BuildServiceProvider();
        var parser = services.GetRequiredService<UserAgentParser>();

        var entry = Assert.Single(loggers.Entries, e => e.EventId is 120 or 121);
        Assert.Equal(expectedEvent, entry.EventId);
        Assert.Equal(expectedEvent == 120 ? parser.RuleCount : 0, parser.PrecompiledCount);
        if (expectedEvent == 121)
        {
            Assert.Equal(LogLevel.Warning, entry.Level);
            Assert.Contains("UserAgent:MatchTimeout is 00:00:01", entry.Message, StringComparison.Ordinal);
            Assert.Contains($"{parser.RuleCount} of {parser.RuleCount}", entry.Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("SHA-256", entry.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Defaults_find_the_data_next_to_the_binary_and_make_documents()
    {
        using var services = Build([]);
        var factory = services.GetRequiredService<IDocumentFactory>();
        var output = new ArrayBufferWriter<byte>();

        var result = factory.TryCreate("8.8.8.8 - - [01/Jan/2024:00:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"curl/8.5.0\""u8,
            new SourceInfo(null, null, null, false, DateTimeOffset.UtcNow), output);

        Assert.True(result.Success, result.Error);
        Assert.Contains("\"country_iso_code\":\"US\"", Encoding.UTF8.GetString(output.WrittenSpan), StringComparison.Ordinal);
        Assert.Same(factory, services.GetRequiredService<IDocumentFactory>());
    }

    [Theory]
    [InlineData("GeoIp:DatabasePath", "/nonexistent/geo.mmdb")]
    [InlineData("UserAgent:RegexesPath", "/nonexistent/regexes.yaml")]
    [InlineData("UserAgent:CacheBytes", "1024")]
    [InlineData("UserAgent:MatchTimeout", "00:00:00")]
    [InlineData("Parsing:LogFormat", "$remote_addr$status")]
    [InlineData("Parsing:LogFormat", "nothing to capture")]
    public void Bad_settings_fail_validation_naming_the_key(string key, string value)
    {
        using var services = Build(new() { [key] = value });

        var error = Assert.Throws<OptionsValidationException>(() => ValidateAll(services));

        Assert.Contains(key, string.Join("; ", error.Failures), StringComparison.Ordinal);
    }

    private static void ValidateAll(IServiceProvider services)
    {
        // What ValidateOnStart does when the host starts.
        foreach (var validator in services.GetServices<IStartupValidator>())
        {
            validator.Validate();
        }
    }
}
