namespace LogPipeline.Ingest.Consuming;

/// <summary>The consumer hit a fatal error; the loop stopped without storing or committing anything more.</summary>
public sealed class KafkaFatalException : Exception
{
    public KafkaFatalException()
    {
    }

    public KafkaFatalException(string message)
        : base(message)
    {
    }

    public KafkaFatalException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
