using LogPipeline.Hosting.Configuration;
using LogPipeline.Hosting.Logging;
using LogPipeline.Ingest.Enrichment;
using LogPipeline.Ingest.Pipeline;
using Microsoft.Extensions.Hosting;

namespace LogPipeline.Ingest.Checking;

/// <summary>The worker's host, built the same way for <c>run</c> and for <c>check</c> (which only validates it).</summary>
internal static class IngestHost
{
    /// <summary>Default <c>Observability:Port</c> of the ingest worker (docs/contracts.md).</summary>
    public const int DefaultObservabilityPort = 9101;

    public static HostApplicationBuilder CreateBuilder(string[] overrides)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = overrides,
            // appsettings.json ships next to the binary, whatever the working directory.
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.AddJsonConsoleLogging();
        builder.Services.AddObservability(DefaultObservabilityPort);
        builder.Services.AddDocumentFactory(builder.Configuration);
        builder.Services.AddIngestPipeline(builder.Configuration);
        return builder;
    }
}
