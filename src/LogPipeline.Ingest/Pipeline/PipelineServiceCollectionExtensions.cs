using LogPipeline.Hosting.Configuration;
using LogPipeline.Ingest.Consuming;
using LogPipeline.Ingest.Diagnostics;
using LogPipeline.Ingest.Elasticsearch;
using LogPipeline.Ingest.Indexing;
using LogPipeline.Ingest.Setup;
using LogPipeline.Kafka;
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
        // Annotations through the generated validators, cross-field rules through one validator per section
        // (LogPipeline.Hosting.Configuration.ServiceCollectionExtensions describes the pattern).
        services.AddOptionsWithValidateOnStart<KafkaConsumerOptions, KafkaConsumerOptionsValidator>().Bind(configuration.GetSection(KafkaConsumerOptions.Section));
        services.AddSingleton<IValidateOptions<KafkaConsumerOptions>, KafkaConsumerOptionsRules>();
        services.AddOptionsWithValidateOnStart<KafkaSecurityOptions, KafkaSecurityOptionsRules>().Bind(configuration.GetSection(KafkaSecurityOptions.Section));
        services.AddOptionsWithValidateOnStart<ElasticsearchOptions, ElasticsearchOptionsRules>().Bind(configuration.GetSection(ElasticsearchOptions.Section));
        services.AddOptionsWithValidateOnStart<IndexingOptions, IndexingOptionsValidator>().Bind(configuration.GetSection(IndexingOptions.Section));
        services.AddSingleton<IValidateOptions<IndexingOptions>, IndexingOptionsRules>();
        services.AddOptionsWithValidateOnStart<LifecycleOptions, LifecycleOptionsRules>().Bind(configuration.GetSection(LifecycleOptions.Section));
        // SIGTERM drains in-flight bulks for up to Indexing:DrainTimeout, then closes the consumer: the host
        // must wait that long (plus the close) before it gives up on the worker.
        services.AddShutdownTimeoutFrom(
            $"{IndexingOptions.Section}:{nameof(IndexingOptions.DrainTimeout)}",
            new IndexingOptions().DrainTimeout,
            TimeSpan.FromSeconds(10),
            drain => drain > TimeSpan.Zero);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IngestMetrics>();
        services.AddSingleton<ElasticsearchHealth>();
        services.AddSingleton<IngestPipeline>();
        services.AddSingleton<IngestExitCode>();
        services.AddHostedService<IngestWorker>();
        return services;
    }

    /// <summary>
    /// The <c>Lifecycle</c> section's rules (<see cref="LifecycleOptions.Validate"/>, shared with <c>setup</c>,
    /// which validates without a host) at host start.
    /// </summary>
    private sealed class LifecycleOptionsRules : IValidateOptions<LifecycleOptions>
    {
        public ValidateOptionsResult Validate(string? name, LifecycleOptions options)
        {
            var errors = options.Validate().ToList();
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
