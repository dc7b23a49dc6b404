using LogPipeline.Hosting.Http;
using LogPipeline.Ingest.Consuming;
using LogPipeline.Ingest.Diagnostics;
using LogPipeline.Ingest.Elasticsearch;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LogPipeline.Ingest.Pipeline;

/// <summary>
/// The hosted worker: runs the pipeline until the host stops (SIGTERM → drain) and feeds the probes. When the
/// pipeline ends on its own (a fatal consumer error, a refusal by Elasticsearch at start, a failed stage) it sets
/// the exit code (docs/contracts.md) and stops the host.
/// </summary>
internal sealed class IngestWorker : BackgroundService
{
    private static readonly TimeSpan StalledAfter = TimeSpan.FromSeconds(60);

    private readonly IngestPipeline _pipeline;
    private readonly IngestExitCode _exitCode;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger _logger;

    public IngestWorker(
        IngestPipeline pipeline,
        HealthRegistry health,
        ElasticsearchHealth elasticsearch,
        IngestExitCode exitCode,
        IHostApplicationLifetime lifetime,
        ILogger<IngestWorker> logger)
    {
        _pipeline = pipeline;
        _exitCode = exitCode;
        _lifetime = lifetime;
        _logger = logger;
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
        catch (Exception ex)
        {
            _exitCode.Value = ExitCodeFor(ex);
            if (_exitCode.Value == IngestExitCode.Failed)
            {
                IngestLog.StageFailed(_logger, "pipeline", ex);
            }

            _lifetime.StopApplication();
        }
    }

    /// <summary>The documented exit code for the exception that ended the pipeline.</summary>
    internal static int ExitCodeFor(Exception ex) => ex switch
    {
        KafkaFatalException => IngestExitCode.KafkaFatal,
        ElasticsearchRefusedException => IngestExitCode.ElasticsearchRefused,
        _ => IngestExitCode.Failed,
    };
}
