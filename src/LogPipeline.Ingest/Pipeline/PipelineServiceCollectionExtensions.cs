using System.Globalization;
using LogPipeline.Hosting.Kafka;
using LogPipeline.Ingest.Consuming;
using LogPipeline.Ingest.Diagnostics;
using LogPipeline.Ingest.Elasticsearch;
using LogPipeline.Ingest.Indexing;
using LogPipeline.Ingest.Setup;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LogPipeline.Ingest.Pipeline;

public static class PipelineServiceCollectionExtensions
{
    /// <summary>
    /// Registers the consume → index pipeline and its options (<c>Kafka</c>, <c>Elasticsearch</c>, <c>Indexing</c>,
    /// <c>Lifecycle</c> for the template the worker installs when it is missing),
    /// validated at start with messages that name the key. Needs an <c>IDocumentFactory</c> and AddObservability.
    /// </summary>
    public static IServiceCollection AddIngestPipeline(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<KafkaConsumerOptions>().Bind(configuration.GetSection(KafkaConsumerOptions.Section)).ValidateOnStart();
        services.AddOptions<KafkaSecurityOptions>().Bind(configuration.GetSection(KafkaConsumerOptions.Section)).ValidateOnStart();
        services.AddOptions<ElasticsearchOptions>().Bind(configuration.GetSection(ElasticsearchOptions.Section)).ValidateOnStart();
        services.AddOptions<IndexingOptions>().Bind(configuration.GetSection(IndexingOptions.Section)).ValidateOnStart();
        services.AddOptions<LifecycleOptions>().Bind(configuration.GetSection(LifecycleOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<KafkaConsumerOptions>>(new KeyNamingValidator<KafkaConsumerOptions>(o => o.Validate()));
        services.AddSingleton<IValidateOptions<KafkaSecurityOptions>>(new KeyNamingValidator<KafkaSecurityOptions>(o => o.Validate()));
        services.AddSingleton<IValidateOptions<ElasticsearchOptions>>(new KeyNamingValidator<ElasticsearchOptions>(o => o.Validate()));
        services.AddSingleton<IValidateOptions<IndexingOptions>>(new KeyNamingValidator<IndexingOptions>(o => o.Validate()));
        services.AddSingleton<IValidateOptions<LifecycleOptions>>(new KeyNamingValidator<LifecycleOptions>(o => o.Validate()));
        // SIGTERM drains in-flight bulks for up to Indexing:DrainTimeout, then closes the consumer: the host
        // must wait that long (plus the close) before it gives up on the worker.
        // Read leniently here: HostOptions is resolved before validation runs, and a bad value must surface
        // as the validated Indexing:DrainTimeout error, not as a crash while building the host.
        services.AddOptions<HostOptions>().Configure(host =>
        {
            var drain = TimeSpan.TryParse(configuration[$"{IndexingOptions.Section}:DrainTimeout"], CultureInfo.InvariantCulture, out var configured) && configured > TimeSpan.Zero
                ? configured
                : new IndexingOptions().DrainTimeout;
            host.ShutdownTimeout = drain + TimeSpan.FromSeconds(10);
        });
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IngestMetrics>();
        services.AddSingleton<ElasticsearchHealth>();
        services.AddSingleton<IngestPipeline>();
        services.AddSingleton<IngestExitCode>();
        services.AddHostedService<IngestWorker>();
        return services;
    }

    private sealed class KeyNamingValidator<T>(Func<T, IEnumerable<string>> validate) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var errors = validate(options).ToList();
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
