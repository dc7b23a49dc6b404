namespace LogPipeline.Ingest.Pipeline;

/// <summary>
/// The exit code the worker ends with (docs/contracts.md): 0 after a SIGTERM drain, otherwise why it stopped.
/// Set by <see cref="IngestWorker"/> (once, before it stops the host); read by Program.cs after the host ended.
/// </summary>
public sealed class IngestExitCode
{
    /// <summary>A pipeline stage failed unexpectedly (a bug or an unexpected exception).</summary>
    public const int Failed = 1;

    /// <summary>librdkafka reported a fatal consumer error (e.g. a fenced static member): the consumer is unusable.</summary>
    public const int KafkaFatal = 4;

    /// <summary>Elasticsearch refused the worker at start: unsupported version, credentials, privileges, or the template.</summary>
    public const int ElasticsearchRefused = 5;

    public int Value { get; set; }
}

/// <summary>Elasticsearch refused the worker at start; the message says what to do.</summary>
public sealed class ElasticsearchRefusedException : Exception
{
    public ElasticsearchRefusedException()
    {
    }

    public ElasticsearchRefusedException(string message)
        : base(message)
    {
    }

    public ElasticsearchRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
