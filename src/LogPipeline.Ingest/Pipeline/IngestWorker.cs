using LogPipeline.Hosting.Http;
using LogPipeline.Ingest.Indexing;
using Microsoft.Extensions.Hosting;

namespace LogPipeline.Ingest.Pipeline;

/// <summary>The hosted worker: runs the pipeline until the host stops (SIGTERM → drain) and feeds the probes.</summary>
internal sealed class IngestWorker : BackgroundService
{
    private static readonly TimeSpan StalledAfter = TimeSpan.FromSeconds(60);

    private readonly IngestPipeline _pipeline;

    public IngestWorker(IngestPipeline pipeline, HealthRegistry health, ElasticsearchHealth elasticsearch)
    {
        _pipeline = pipeline;
        health.AddReadiness("elasticsearch", () => elasticsearch.Failure);
        health.AddLiveness("consume-loop", () => _pipeline.SinceLastPoll is { } since && since > StalledAfter
            ? $"Kafka not polled for {since.TotalSeconds:F0} s"
            : null);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await _pipeline.RunAsync(stoppingToken, CancellationToken.None);
        }
        catch
        {
            Environment.ExitCode = 1;
            throw;
        }
    }
}
